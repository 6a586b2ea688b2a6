package io.chatchat.operator.gates;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.Gate;
import io.chatchat.operator.status.GateState;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;

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
    if (cr.getStatus() != null && hash.equals(cr.getStatus().driversChecked)) {
      return new Gate(GateState.SUCCEEDED, succeeded + " (checked before)");
    }
    Job shared = usable(live.sharedPreflight(key(desired)));
    if (shared == null) {
      return null;
    }
    String which =
        " (Job "
            + shared.getMetadata().getName()
            + " of cluster "
            + shared.getMetadata().getLabels().get(Labels.INSTANCE)
            + ")";
    return Readiness.jobSucceeded(shared)
        ? new Gate(GateState.SUCCEEDED, succeeded + which)
        : new Gate(GateState.RUNNING, running + which);
  }

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

  private static Job usable(Job shared) {
    return shared == null
            || Readiness.jobFailed(shared)
            || shared.getMetadata().getDeletionTimestamp() != null
        ? null
        : shared;
  }
}
