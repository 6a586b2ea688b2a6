package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.status.RolloutMode;
import io.chatchat.operator.status.RolloutView;
import java.util.List;

/**
 * What one reconciliation aims at, as {@link RolloutPlanner} decided it.
 *
 * @param want the spec the tiers move to (the last stable spec after a rollback)
 * @param stable the last stable spec, while rolling
 * @param rollout the rollout state at the start of this pass (a fresh copy), or null when there
 *     never was one
 * @param revision revision of the user's spec
 * @param lastStableSpec the stable spec in effect (status.lastStableSpec, or its repair)
 * @param stableRevision its revision
 * @param notices the Events the plan asks for (rollout started, stable spec repaired)
 */
public record Plan(
    RolloutMode mode,
    ChatchatCluster want,
    ChatchatCluster stable,
    RolloutStatus rollout,
    String revision,
    String lastStableSpec,
    String stableRevision,
    List<Notice> notices) {

  /** The rollout as the status reports it, after this pass moved it to {@code next}. */
  public RolloutView view(ChatchatClusterSpec userSpec, RolloutStatus next) {
    return new RolloutView(mode, next, revision, userSpec, lastStableSpec, stableRevision);
  }

  public boolean rolling() {
    return mode == RolloutMode.ROLLING;
  }

  /** The tier being rolled; Done when nothing rolls. */
  public RolloutStatus.Tier tier() {
    return rolling() ? rollout.tier : RolloutStatus.Tier.Done;
  }

  /** The spec a tier renders: the target up to the current tier, the stable spec after it. */
  public ChatchatCluster at(RolloutStatus.Tier t) {
    return !rolling() || t.ordinal() <= tier().ordinal() ? want : stable;
  }
}
