package io.chatchat.operator.gates;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.Gate;
import io.chatchat.operator.status.GateState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A one-shot Job named after its inputs: created when it does not exist, read for its outcome; once
 * it succeeded, the Jobs of earlier inputs go. A failed Job is not recreated by itself. Pure: what
 * to create and delete is returned.
 */
public final class JobGate {
  private JobGate() {}

  /**
   * @param create the Job to create (null: it exists)
   * @param superseded Jobs of earlier inputs to delete
   */
  public record Outcome(Gate gate, Job create, List<Job> superseded) {}

  /**
   * @param running what the gate does while the Job runs
   * @param succeeded what the gate says once the Job succeeded
   */
  public static Outcome evaluate(
      ChatchatCluster cr, Job desired, LiveState live, String running, String succeeded) {
    String name = desired.getMetadata().getName();
    Job job = live.job(name);
    if (job == null) {
      return new Outcome(
          new Gate(GateState.RUNNING, running + " (Job " + name + ")"), desired, List.of());
    }
    if (Readiness.jobSucceeded(job)) {
      return new Outcome(
          new Gate(GateState.SUCCEEDED, succeeded + " (Job " + name + ")"),
          null,
          superseded(cr, desired, live));
    }
    if (Readiness.jobFailed(job)) {
      if (podStillRunning(live, name)) {
        // The Job's and the pod's watches deliver apart: its failure can be seen before the pod's
        // status that says why. The pod's update (or its deletion) wakes the cluster again.
        return new Outcome(
            new Gate(GateState.RUNNING, running + " (Job " + name + " failed; reading why)"),
            null,
            List.of());
      }
      return new Outcome(
          new Gate(
              GateState.FAILED,
              "Job "
                  + name
                  + " failed: "
                  + terminationMessage(live, name)
                  + ". Delete the Job to run it again"),
          null,
          List.of());
    }
    Integer failed = job.getStatus() == null ? null : job.getStatus().getFailed();
    String retrying =
        failed == null || failed == 0
            ? ""
            : "; attempt "
                + failed
                + " failed, Kubernetes retries with back-off: "
                + terminationMessage(live, name);
    return new Outcome(
        new Gate(GateState.RUNNING, running + " (Job " + name + retrying + ")"), null, List.of());
  }

  /** The same cluster's Jobs of the same component with another name, not already going. */
  static List<Job> superseded(ChatchatCluster cr, Job desired, LiveState live) {
    String name = desired.getMetadata().getName();
    String component = desired.getMetadata().getLabels().get(Labels.COMPONENT);
    List<Job> out = new ArrayList<>();
    for (Job old : live.all(Job.class)) {
      Map<String, String> l = old.getMetadata().getLabels();
      if (l != null
          && cr.getMetadata().getName().equals(l.get(Labels.INSTANCE))
          && component.equals(l.get(Labels.COMPONENT))
          && !name.equals(old.getMetadata().getName())
          && old.getMetadata().getDeletionTimestamp() == null) {
        out.add(old);
      }
    }
    return out;
  }

  /** The cached pods the Job created (the Job controller labels them with its name). */
  private static List<Pod> podsOf(LiveState live, String job) {
    return live.pods().stream()
        .filter(
            p ->
                p.getMetadata().getLabels() != null
                    && job.equals(p.getMetadata().getLabels().get("job-name")))
        .toList();
  }

  private static List<ContainerStatus> containers(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
        ? List.of()
        : pod.getStatus().getContainerStatuses();
  }

  private static ContainerStateTerminated terminated(ContainerStatus c) {
    return c.getState() == null ? null : c.getState().getTerminated();
  }

  /** Whether a pod of the Job is cached as still running: not ended, not being deleted. */
  static boolean podStillRunning(LiveState live, String job) {
    for (Pod pod : podsOf(live, job)) {
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (pod.getMetadata().getDeletionTimestamp() == null
          && !"Succeeded".equals(phase)
          && !"Failed".equals(phase)
          && containers(pod).stream().allMatch(c -> terminated(c) == null)) {
        return true;
      }
    }
    return false;
  }

  /** What the Job's last failed container wrote to its termination log. */
  static String terminationMessage(LiveState live, String job) {
    String message = null;
    for (Pod pod : podsOf(live, job)) {
      for (ContainerStatus c : containers(pod)) {
        ContainerStateTerminated t = terminated(c);
        if (t != null) {
          message =
              (t.getMessage() != null && !t.getMessage().isBlank())
                  ? t.getMessage().trim()
                  : "exit code " + t.getExitCode();
        }
      }
    }
    return message == null ? "no pod output recorded" : tail(message);
  }

  /** The end of a log (a Python traceback ends with the exception), from a line start. */
  private static String tail(String message) {
    if (message.length() <= 400) {
      return message;
    }
    String tail = message.substring(message.length() - 400);
    int line = tail.indexOf('\n');
    return line >= 0 && line < tail.length() - 1 ? tail.substring(line + 1) : tail;
  }
}
