package io.chatchat.operator.status;

import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.util.Objects;

/**
 * What one component's Deployment or StatefulSet says.
 *
 * @param complete rolled out and Ready ({@link Readiness#rolledOut})
 */
public record WorkloadRollout(
    int desired,
    int replicas,
    int ready,
    int updated,
    boolean observed,
    boolean complete,
    boolean deadlineExceeded,
    String deadlineMessage,
    boolean newReplicaSetAvailable) {

  /**
   * The Deployment still moves towards the current template. Once its new ReplicaSet was fully
   * available (reason NewReplicaSetAvailable), a shortfall is degradation, not progress.
   */
  boolean rollingOut() {
    return !observed
        || updated < desired
        || replicas > desired
        || (!newReplicaSetAvailable && ready < desired && !deadlineExceeded);
  }

  String readyText() {
    return ready + "/" + desired;
  }

  /** The stable and the canary Deployment serving together: the API tier, still rolling. */
  WorkloadRollout withCanary(WorkloadRollout canary) {
    return new WorkloadRollout(
        desired,
        replicas + canary.replicas(),
        ready + canary.ready(),
        canary.updated(),
        false,
        false,
        false,
        null,
        false);
  }

  /** No status yet: nothing observed, nothing ready. */
  private static WorkloadRollout unobserved(int desired) {
    return new WorkloadRollout(desired, 0, 0, 0, false, false, false, null, false);
  }

  public static WorkloadRollout of(Deployment d, int desired) {
    DeploymentStatus s = d == null ? null : d.getStatus();
    if (s == null) {
      return unobserved(desired);
    }
    boolean observed =
        s.getObservedGeneration() != null
            && s.getObservedGeneration() >= d.getMetadata().getGeneration()
            && Objects.equals(d.getSpec().getReplicas(), desired);
    DeploymentCondition progressing =
        s.getConditions() == null
            ? null
            : s.getConditions().stream()
                .filter(c -> "Progressing".equals(c.getType()))
                .findFirst()
                .orElse(null);
    boolean exceeded =
        progressing != null
            && "False".equals(progressing.getStatus())
            && "ProgressDeadlineExceeded".equals(progressing.getReason());
    return new WorkloadRollout(
        desired,
        nz(s.getReplicas()),
        nz(s.getReadyReplicas()),
        nz(s.getUpdatedReplicas()),
        observed,
        Readiness.rolledOut(d, desired),
        exceeded,
        exceeded ? progressing.getMessage() : null,
        progressing != null && "NewReplicaSetAvailable".equals(progressing.getReason()));
  }

  public static WorkloadRollout of(StatefulSet sts) {
    if (sts == null || sts.getStatus() == null) {
      int desired = sts == null ? 1 : nz(sts.getSpec().getReplicas());
      return unobserved(desired);
    }
    StatefulSetStatus s = sts.getStatus();
    int desired = nz(sts.getSpec().getReplicas());
    boolean observed =
        s.getObservedGeneration() != null
            && s.getObservedGeneration() >= sts.getMetadata().getGeneration();
    return new WorkloadRollout(
        desired,
        nz(s.getReplicas()),
        nz(s.getReadyReplicas()),
        nz(s.getUpdatedReplicas()),
        observed,
        Readiness.rolledOut(sts, desired),
        false,
        null,
        Readiness.revisionsMatch(s));
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
