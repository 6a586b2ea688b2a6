package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.rollout.RolloutPlan;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;

/**
 * What a rollout adds to the status: its own block, the last stable spec, and the Ready,
 * Progressing, Degraded and RolledBack conditions and the phase it implies. Pure.
 */
public final class RolloutConditions {
  private RolloutConditions() {}

  /**
   * @param rollout the rollout state after this reconciliation (null: none ever)
   * @param mode STEADY, ROLLING or ROLLED_BACK; null when the spec was not applied
   * @param revision revision of the spec
   * @param spec the spec as the user wrote it
   */
  public static void apply(
      ChatchatClusterStatus st,
      ChatchatClusterStatus previous,
      RolloutStatus rollout,
      String mode,
      String revision,
      ChatchatClusterSpec spec,
      Instant now) {
    st.lastStableSpec = previous == null ? null : previous.lastStableSpec;
    st.stableRevision = previous == null ? null : previous.stableRevision;
    if (mode == null) {
      st.rollout = previous == null ? null : previous.rollout;
      return;
    }
    st.rollout = rollout;
    List<Condition> prev = previous == null ? List.of() : previous.conditions;
    List<Condition> next = st.conditions;
    long gen = st.observedGeneration == null ? 0 : st.observedGeneration;

    boolean completedNow =
        rollout != null
            && rollout.phase == RolloutStatus.Phase.Completed
            && revision.equals(rollout.revision);
    if ((mode.equals("STEADY") && st.phase == Phase.Ready && !revision.equals(st.stableRevision))
        || (mode.equals("ROLLING") && completedNow)) {
      st.lastStableSpec = RolloutPlan.toJson(spec);
      st.stableRevision = revision;
    }

    if (mode.equals("ROLLING") && rollout.phase == RolloutStatus.Phase.RolledBack) {
      // Failed in this very reconciliation: reported at once, the stable spec follows.
      mode = "ROLLED_BACK";
    }
    switch (mode) {
      case "ROLLING" -> {
        if (completedNow) {
          rolledBackCleared(prev, next, gen, now);
          break;
        }
        // The old version answers until the API tier is promoted.
        st.version = previous == null ? null : previous.version;
        String where = rollout.position == null ? "" : " (" + rollout.position + ")";
        Conditions.set(
            prev,
            next,
            Conditions.READY,
            false,
            "RollingOut",
            "Rolling out revision " + rollout.revision + where + ": " + rollout.message,
            gen,
            now);
        switch (rollout.phase) {
          case Paused ->
              Conditions.set(
                  prev,
                  next,
                  Conditions.PROGRESSING,
                  false,
                  "RolloutPaused",
                  "Rollout paused" + where + " (rollout.paused): " + rollout.message,
                  gen,
                  now);
          case WaitingForGPU ->
              Conditions.set(
                  prev,
                  next,
                  Conditions.PROGRESSING,
                  false,
                  "InsufficientGPU",
                  rollout.message,
                  gen,
                  now);
          default ->
              Conditions.set(
                  prev,
                  next,
                  Conditions.PROGRESSING,
                  true,
                  "RollingOut",
                  "Revision " + rollout.revision + where + ": " + rollout.message,
                  gen,
                  now);
        }
        if (st.phase != Phase.Invalid && st.phase != Phase.Degraded) {
          st.phase = Phase.Progressing;
        }
      }
      case "ROLLED_BACK" -> {
        Conditions.set(
            prev, next, Conditions.ROLLED_BACK, true, "RolloutFailed", rollout.message, gen, now);
        Conditions.set(
            prev, next, Conditions.DEGRADED, true, "RolledBack", rollout.message, gen, now);
        if (st.phase != Phase.Invalid) {
          st.phase = Phase.Degraded;
        }
      }
      default -> {
        if (rollout != null && rollout.phase == RolloutStatus.Phase.Completed) {
          rolledBackCleared(prev, next, gen, now);
        }
      }
    }
  }

  private static void rolledBackCleared(
      List<Condition> prev, List<Condition> next, long gen, Instant now) {
    if (Conditions.find(next, Conditions.ROLLED_BACK) != null) {
      Conditions.set(
          prev,
          next,
          Conditions.ROLLED_BACK,
          false,
          "RolloutCompleted",
          "The latest rollout completed",
          gen,
          now);
    }
  }

  /**
   * A rollout that cannot go on while the spec has problems (an object the API server refuses, a
   * missing Secret) says so instead of "Progressing" with the message of its last step.
   */
  public static void blockedBy(ChatchatClusterStatus st, List<String> problems) {
    if (problems.isEmpty()
        || st.rollout == null
        || st.rollout.phase != RolloutStatus.Phase.Progressing) {
      return;
    }
    st.rollout = st.rollout.copy();
    st.rollout.message = "Blocked until the spec is fixed: " + problems.get(0);
  }
}
