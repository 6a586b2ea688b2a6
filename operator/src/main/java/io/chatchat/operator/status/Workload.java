package io.chatchat.operator.status;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;

/** One workload of the cluster as observed: its key in status.components and condition. */
public record Workload(String key, String label, String conditionType, WorkloadRollout rollout) {
  public static Workload of(
      String key, String label, String conditionType, Deployment d, int desired) {
    return new Workload(key, label, conditionType, WorkloadRollout.of(d, desired));
  }

  public static Workload of(String key, String label, String conditionType, StatefulSet sts) {
    return new Workload(key, label, conditionType, WorkloadRollout.of(sts));
  }
}
