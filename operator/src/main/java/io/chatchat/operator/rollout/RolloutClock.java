package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a rolling cluster must be looked at again without an event. A rollout moves on events: its
 * pods, Deployments, StatefulSets, Jobs and the API Service's EndpointSlices are watched, and a
 * finished smoke-gate run wakes its cluster. What no event announces is covered here: a pass that
 * moved the rollout (its next step's objects are written by the next pass, at once), a step's
 * deadline (looked at the moment it passes), free GPUs on nodes the operator does not watch, and a
 * safety net. Pure.
 */
public final class RolloutClock {
  /** The next step's objects follow the status that moved to it. */
  static final Duration MOVED = Duration.ofMillis(1);

  /** Free GPUs depend on other pods and nodes, which the operator does not watch. */
  static final Duration GPU_POLL = Duration.ofSeconds(2);

  /** The longest a rolling cluster goes without a look. */
  static final Duration SAFETY_NET = Duration.ofSeconds(10);

  /** Past a deadline, so that the pass runs after it, not just before. */
  private static final Duration AFTER_DEADLINE = Duration.ofMillis(50);

  private RolloutClock() {}

  /**
   * @param before the rollout as this pass found it
   * @param after the rollout as this pass left it
   * @param stepDeadlineSeconds the spec's rollout.stepDeadlineSeconds
   */
  public static Duration nextLook(
      RolloutStatus before, RolloutStatus after, int stepDeadlineSeconds, Instant now) {
    if (after == null || after.phase == Phase.Completed || after.phase == Phase.RolledBack) {
      return moved(before, after) ? MOVED : null;
    }
    if (moved(before, after)) {
      return MOVED;
    }
    if (after.tier == Tier.Models) {
      return GPU_POLL;
    }
    if (after.phase == Phase.Paused || after.stepStartedAt == null) {
      return SAFETY_NET;
    }
    Duration untilDeadline =
        Duration.between(now, Instant.parse(after.stepStartedAt).plusSeconds(stepDeadlineSeconds))
            .plus(AFTER_DEADLINE);
    if (untilDeadline.isNegative() || untilDeadline.isZero()) {
      return MOVED;
    }
    return untilDeadline.compareTo(SAFETY_NET) < 0 ? untilDeadline : SAFETY_NET;
  }

  /** The pass changed where the rollout stands: its phase, tier or step. */
  private static boolean moved(RolloutStatus before, RolloutStatus after) {
    if (before == null || after == null) {
      return before != after;
    }
    return before.phase != after.phase
        || before.tier != after.tier
        || !Objects.equals(before.step, after.step)
        || !Objects.equals(before.revision, after.revision);
  }
}
