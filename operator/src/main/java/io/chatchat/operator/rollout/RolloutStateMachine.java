package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.rollout.tier.TierHandler;
import io.chatchat.operator.rollout.tier.TierOutcome;
import io.chatchat.operator.rollout.tier.TierProgress;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves a rollout on, one pass at a time: the current tier done → the next one; a failed gate or a
 * missed deadline → back to the last stable spec. Pausing holds everything where it is, with no
 * deadline running; a model tier without free GPUs waits the same way. Pure: it returns the next
 * rollout state and the Events to record.
 */
public final class RolloutStateMachine {
  private RolloutStateMachine() {}

  /** The rollout after this pass, and what to tell. */
  public record Transition(RolloutStatus next, List<Notice> notices) {}

  /**
   * @param canary the API canary's decision (null outside the API tier)
   */
  public static Transition advance(
      Plan plan, TierProgress progress, CanaryStep canary, Instant now) {
    RolloutStatus st = plan.rollout().copy();
    List<Notice> notices = new ArrayList<>();
    if (plan.want().getSpec().rollout.paused) {
      if (st.phase != Phase.Paused) {
        st.phase = Phase.Paused;
        notices.add(Notice.of(EventReason.RolloutPaused, "Rollout paused at " + position(st)));
      }
      st.position = position(st);
      return new Transition(st, notices);
    }
    if (canary != null) {
      st.step = canary.step();
      st.steps = canary.steps();
      st.message = canary.message() == null ? st.message : canary.message();
    }
    if (st.phase == Phase.Paused) {
      st.phase = Phase.Progressing;
      st.stepStartedAt = now.toString();
      notices.add(Notice.of(EventReason.RolloutResumed, "Rollout resumed at " + position(st)));
    }
    if (progress.gpuWait() != null) {
      if (st.phase != Phase.WaitingForGPU) {
        notices.add(Notice.of(EventReason.InsufficientGPU, progress.gpuWait()));
      }
      st.phase = Phase.WaitingForGPU;
      st.message = progress.gpuWait();
      st.position = position(st);
      return new Transition(st, notices);
    }
    if (st.phase == Phase.WaitingForGPU) {
      st.phase = Phase.Progressing;
      st.stepStartedAt = now.toString();
    }
    TierOutcome outcome = TierHandler.of(st.tier).check(progress, st);
    notices.addAll(outcome.notices());
    if (outcome.message() != null) {
      st.message = outcome.message();
    }
    if (outcome.restartClock()) {
      st.stepStartedAt = now.toString();
    }
    String failed =
        outcome.failure() != null ? outcome.failure() : missedDeadline(plan, st, outcome, now);
    if (failed != null) {
      rollBack(st, failed, plan.stableRevision());
      notices.add(Notice.of(EventReason.RolloutFailed, st.message));
    } else if (outcome.done()) {
      nextTier(st, now);
      if (st.phase == Phase.Completed) {
        notices.add(Notice.of(EventReason.RolloutCompleted, st.message));
      }
    } else {
      st.position = position(st);
    }
    return new Transition(st, notices);
  }

  /** Why the tier failed by its deadline, or null while it has time (or is done). */
  private static String missedDeadline(
      Plan plan, RolloutStatus st, TierOutcome outcome, Instant now) {
    int deadline = plan.want().getSpec().rollout.stepDeadlineSeconds;
    if (outcome.done() || !Instant.parse(st.stepStartedAt).plusSeconds(deadline).isBefore(now)) {
      return null;
    }
    return st.tier
        + (st.step != null && st.tier == Tier.API ? " step " + st.step + "/" + st.steps : "")
        + " did not finish within its deadline of "
        + deadline
        + "s"
        + (outcome.detail() == null ? "" : ": " + outcome.detail());
  }

  private static void rollBack(RolloutStatus st, String failed, String stableRevision) {
    st.phase = Phase.RolledBack;
    st.failedRevision = st.revision;
    st.message =
        "Rollout of revision "
            + st.revision
            + " failed at "
            + position(st)
            + ": "
            + failed
            + ". Rolled back to revision "
            + stableRevision;
    st.position = position(st);
  }

  private static void nextTier(RolloutStatus st, Instant now) {
    Tier next = Tier.values()[st.tier.ordinal() + 1];
    st.tier = next;
    st.stepStartedAt = now.toString();
    if (next != Tier.API) {
      st.step = null;
      st.steps = null;
    }
    if (next == Tier.Done) {
      st.phase = Phase.Completed;
      st.message = "Revision " + st.revision + " rolled out to every tier";
      st.position = null;
    } else {
      st.position = position(st);
    }
  }

  /** Tier and step in a few characters, for kubectl get (e.g. API 2/3). */
  public static String position(RolloutStatus st) {
    if (st.tier == null) {
      return null;
    }
    if (st.tier == Tier.API && st.step != null && st.steps != null) {
      return st.step > st.steps ? "API promote" : "API " + st.step + "/" + st.steps;
    }
    return st.tier.name();
  }
}
