package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.ComponentStatus;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Objects;

/**
 * A component's condition. A shortfall of ready pods is progress while the template rolls out or
 * the component scales or starts; it is degradation only when the component had been complete at
 * the same replica count (or was degraded already), or the rollout hit its deadline. A scale never
 * changes the Deployment's Progressing reason, so the previous status tells.
 */
final class ComponentCondition {
  static final String REASON_READY = "AllReplicasReady";
  static final String REASON_ROLLING_OUT = "RollingOut";
  static final String REASON_SCALING = "Scaling";
  static final String REASON_NOT_READY = "ReplicasNotReady";

  private ComponentCondition() {}

  static void set(
      ConditionSet cs,
      Tally tally,
      String type,
      String label,
      WorkloadRollout r,
      ComponentStatus before) {
    boolean ok = r.complete();
    Condition was = cs.was(type);
    boolean sameSize = before != null && Objects.equals(before.desiredReplicas, r.desired());
    boolean lostPods =
        !ok
            && !r.rollingOut()
            && r.observed()
            && sameSize
            && was != null
            && (REASON_READY.equals(was.getReason()) || REASON_NOT_READY.equals(was.getReason()));
    String reason;
    if (ok) {
      reason = REASON_READY;
    } else if (r.rollingOut()) {
      reason = REASON_ROLLING_OUT;
    } else if (lostPods) {
      reason = REASON_NOT_READY;
    } else {
      reason = REASON_SCALING;
    }
    cs.set(
        type,
        ok,
        reason,
        label + ": " + r.readyText() + " pods ready, " + r.updated() + " up to date");
    if (!ok) {
      tally.notReady.add(label + " " + r.readyText());
    }
    if (r.rollingOut() || REASON_SCALING.equals(reason)) {
      tally.rolling.add(label);
    }
    if (r.deadlineExceeded()) {
      tally.degraded.add(label + ": " + r.deadlineMessage());
    } else if (lostPods) {
      tally.degraded.add(label + ": only " + r.readyText() + " pods ready");
    }
  }

  static ComponentStatus status(WorkloadRollout r) {
    ComponentStatus c = new ComponentStatus();
    c.desiredReplicas = r.desired();
    c.replicas = r.replicas();
    c.readyReplicas = r.ready();
    c.updatedReplicas = r.updated();
    return c;
  }
}
