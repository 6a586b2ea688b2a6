package io.chatchat.operator.gates;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.Gate;
import io.chatchat.operator.status.GateState;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Objects;

/**
 * The driver preflight read from something other than the cluster's own Job: the hash it recorded
 * as passed ({@code status.driversChecked}), or the Job of another cluster in the namespace whose
 * pod is the same ({@code chatchat.io/preflight-key}). Five hundred clusters on one image then run
 * one preflight, not five hundred, and deleting the cluster that ran it does not make the others
 * check again. A shared Job that failed is not trusted: the cluster runs its own, for its own
 * message. Pure.
 */
final class SharedPreflight {
  private SharedPreflight() {}

  /**
   * The gate, or null when the cluster's own Job decides: it exists, or there is nothing else to
   * read.
   */
  static Gate gate(
      ChatchatCluster cr, Job desired, LiveState live, String running, String succeeded) {
    if (live.job(desired.getMetadata().getName()) != null) {
      return null;
    }
    String hash = desired.getMetadata().getLabels().get(ChatchatJobs.HASH_LABEL);
    // One wording for a pass recorded and a pass read from another cluster's Job: the first
    // pass that records it would otherwise change the condition's message once more.
    String recorded = succeeded + " (" + RECORDED + ")";
    if (cr.getStatus() != null && hash.equals(cr.getStatus().driversChecked)) {
      return new Gate(GateState.SUCCEEDED, recorded);
    }
    Job shared = usable(live.sharedPreflight(key(desired)), desired);
    if (shared == null) {
      return null;
    }
    return Readiness.jobSucceeded(shared)
        ? new Gate(GateState.SUCCEEDED, recorded)
        : new Gate(
            GateState.RUNNING,
            running
                + " (Job "
                + shared.getMetadata().getName()
                + " of cluster "
                + shared.getMetadata().getLabels().get(Labels.INSTANCE)
                + ")");
  }

  /** Where a pass is remembered. */
  static final String RECORDED = "checked, status.driversChecked";

  /** The cluster's own preflight Jobs of earlier inputs, once another source passed. */
  static List<Job> ownSuperseded(ChatchatCluster cr, Job desired, LiveState live, Gate gate) {
    return gate.passed() ? JobGate.superseded(cr, desired, live) : List.of();
  }

  /** The other cluster's Job this one waits for, or null. */
  static Job waitedFor(Job desired, LiveState live, Gate gate) {
    return gate.state() == GateState.RUNNING ? live.sharedPreflight(key(desired)) : null;
  }

  static String key(Job preflight) {
    return preflight.getMetadata().getLabels().get(ChatchatJobs.PREFLIGHT_KEY_LABEL);
  }

  /**
   * A Job to rely on: not failed nor going, controlled by a ChatchatCluster (not anyone's Job with
   * the right labels), and running this preflight's image and command.
   */
  private static Job usable(Job shared, Job desired) {
    return shared == null
            || Readiness.jobFailed(shared)
            || shared.getMetadata().getDeletionTimestamp() != null
            || !controlledByACluster(shared)
            || !sameContainer(shared, desired)
        ? null
        : shared;
  }

  private static boolean controlledByACluster(Job job) {
    return job.getMetadata().getOwnerReferences() != null
        && job.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                r ->
                    Boolean.TRUE.equals(r.getController())
                        && "ChatchatCluster".equals(r.getKind()));
  }

  private static boolean sameContainer(Job shared, Job desired) {
    Container a = firstContainer(shared);
    Container b = firstContainer(desired);
    return a != null
        && b != null
        && Objects.equals(a.getImage(), b.getImage())
        && Objects.equals(a.getCommand(), b.getCommand());
  }

  private static Container firstContainer(Job job) {
    if (job.getSpec() == null
        || job.getSpec().getTemplate() == null
        || job.getSpec().getTemplate().getSpec() == null
        || job.getSpec().getTemplate().getSpec().getContainers() == null
        || job.getSpec().getTemplate().getSpec().getContainers().isEmpty()) {
      return null;
    }
    return job.getSpec().getTemplate().getSpec().getContainers().get(0);
  }
}
