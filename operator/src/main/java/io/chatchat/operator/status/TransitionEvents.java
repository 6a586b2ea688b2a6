package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** The Events a user cares about between the previous and the next status. Pure. */
public final class TransitionEvents {
  private static final List<String> GATED =
      List.of(
          Conditions.DRIVERS_AVAILABLE,
          Conditions.INITIALIZED,
          Conditions.KNOWLEDGE_BASE_BUILT,
          Conditions.SCHEDULED,
          Conditions.MONITORING_READY,
          Conditions.KEDA_AVAILABLE);
  private static final List<String> FAILING_REASONS =
      List.of(
          "Failed", "InsufficientGPU", "Unschedulable", "PrometheusOperatorMissing", "KedaMissing");

  private TransitionEvents() {}

  public static List<Notice> between(ChatchatClusterStatus before, ChatchatClusterStatus after) {
    List<Notice> out = new ArrayList<>();
    validity(before, after, out);
    for (String type : GATED) {
      gate(type, before == null ? null : Conditions.find(before.conditions, type), after, out);
    }
    phase(before == null ? null : before.phase, after, out);
    return out;
  }

  /** A spec that became invalid (or invalid differently), or valid again. */
  private static void validity(
      ChatchatClusterStatus before, ChatchatClusterStatus after, List<Notice> out) {
    Condition was =
        before == null ? null : Conditions.find(before.conditions, Conditions.CONFIG_VALID);
    Condition now = Conditions.find(after.conditions, Conditions.CONFIG_VALID);
    boolean wasValid = was == null || Conditions.TRUE.equals(was.getStatus());
    if (Conditions.FALSE.equals(now.getStatus())
        && (wasValid || !now.getMessage().equals(was.getMessage()))) {
      out.add(new Notice(Notice.WARNING, now.getReason(), now.getMessage()));
    } else if (!wasValid && Conditions.TRUE.equals(now.getStatus())) {
      out.add(Notice.of(EventReason.ConfigValid, "The spec is valid again"));
    }
  }

  /** A gate or the scheduling that started failing (or failed differently), or passed. */
  private static void gate(
      String type, Condition was, ChatchatClusterStatus after, List<Notice> out) {
    Condition now = Conditions.find(after.conditions, type);
    if (now == null) {
      return;
    }
    boolean failing = failing(now);
    boolean wasFailing = was != null && failing(was);
    if (failing && (!wasFailing || !now.getReason().equals(was.getReason()))) {
      String reason = "Failed".equals(now.getReason()) ? type + "Failed" : now.getReason();
      out.add(new Notice(Notice.WARNING, reason, now.getMessage()));
    } else if (Conditions.TRUE.equals(now.getStatus())
        && (was == null || !Conditions.TRUE.equals(was.getStatus()))
        && !Conditions.SCHEDULED.equals(type)) {
      out.add(new Notice(Notice.NORMAL, type, now.getMessage()));
    }
  }

  private static boolean failing(Condition c) {
    return Conditions.FALSE.equals(c.getStatus()) && FAILING_REASONS.contains(c.getReason());
  }

  private static void phase(Phase from, ChatchatClusterStatus after, List<Notice> out) {
    if (from == after.phase) {
      return;
    }
    switch (after.phase) {
      case Ready ->
          out.add(
              Notice.of(
                  EventReason.Ready, "All components are ready (API " + after.apiReady + ")"));
      case Degraded ->
          out.add(
              Notice.of(
                  EventReason.Degraded,
                  Conditions.find(after.conditions, Conditions.DEGRADED).getMessage()));
      case Progressing ->
          out.add(
              Notice.of(
                  EventReason.Progressing,
                  Conditions.find(after.conditions, Conditions.PROGRESSING).getMessage()));
      default -> {}
    }
  }
}
