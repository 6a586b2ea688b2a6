package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;

/**
 * The rollout as the status reports it.
 *
 * @param mode how the pass rendered the cluster
 * @param rollout the rollout state after this pass (null: there never was one)
 * @param revision revision of the user's spec
 * @param userSpec the spec as the user wrote it (recorded as stable once it is)
 * @param lastStableSpec the stable spec in effect before this pass, {@code stableRevision} its
 *     revision
 */
public record RolloutView(
    RolloutMode mode,
    RolloutStatus rollout,
    String revision,
    ChatchatClusterSpec userSpec,
    String lastStableSpec,
    String stableRevision) {

  /** The rollout reached the revision of the spec in this pass. */
  boolean completedNow() {
    return rollout != null
        && rollout.phase == RolloutStatus.Phase.Completed
        && revision.equals(rollout.revision);
  }

  /** Still rolling after this pass: not completed, not failed in it. */
  boolean stillRolling() {
    return mode == RolloutMode.ROLLING
        && !completedNow()
        && rollout.phase != RolloutStatus.Phase.RolledBack;
  }

  /** Rolled back, earlier or in this very pass. */
  boolean rolledBack() {
    return mode == RolloutMode.ROLLED_BACK
        || (mode == RolloutMode.ROLLING && rollout.phase == RolloutStatus.Phase.RolledBack);
  }

  /** A completed rollout clears RolledBack. */
  boolean completed() {
    return (mode == RolloutMode.ROLLING && completedNow())
        || (mode == RolloutMode.STEADY
            && rollout != null
            && rollout.phase == RolloutStatus.Phase.Completed);
  }

  /** Where the rollout is, in brackets, for the messages. */
  String where() {
    return rollout.position == null ? "" : " (" + rollout.position + ")";
  }
}
