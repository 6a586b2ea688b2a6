package io.chatchat.operator.observe;

import io.chatchat.operator.rollout.RolloutPlan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one definition of readiness: a workload is <em>rolled out</em> when the controller has seen
 * its spec and every desired pod runs the current template and is Ready; <em>settled</em> when, in
 * addition, its template is the one the operator wants; <em>serving</em> when at least one pod is
 * Ready. The status, the rollout and the gates all ask here.
 */
public final class Readiness {
  /**
   * Hash of the pod template the operator last applied to a Deployment or StatefulSet: tells
   * whether the live object already has the template a tier is rolling to (the live template
   * carries API-server defaults and cannot be compared directly).
   */
  public static final String TEMPLATE_HASH = "chatchat.io/template-hash";

  private Readiness() {}

  /** A Deployment whose controller has seen its spec, with n pods, all current and Ready. */
  public static boolean rolledOut(Deployment d, int n) {
    DeploymentStatus s = d == null ? null : d.getStatus();
    return s != null
        && Objects.equals(d.getSpec().getReplicas(), n)
        && observed(s.getObservedGeneration(), d)
        && nz(s.getUpdatedReplicas()) == n
        && nz(s.getReadyReplicas()) == n
        && nz(s.getReplicas()) == n;
  }

  /** A StatefulSet whose controller has seen its spec, with n Ready pods at one revision. */
  public static boolean rolledOut(StatefulSet sts, int n) {
    StatefulSetStatus s = sts == null ? null : sts.getStatus();
    return s != null
        && Objects.equals(sts.getSpec().getReplicas(), n)
        && observed(s.getObservedGeneration(), sts)
        && revisionsMatch(s)
        && nz(s.getReadyReplicas()) == n
        && nz(s.getReplicas()) == n;
  }

  /** Every pod of the StatefulSet is at its update revision (or no update is known). */
  public static boolean revisionsMatch(StatefulSetStatus s) {
    return s.getUpdateRevision() == null || s.getUpdateRevision().equals(s.getCurrentRevision());
  }

  /** True when the live workload runs the desired template on every desired pod, all Ready. */
  public static boolean settled(HasMetadata desired, HasMetadata live) {
    if (live == null
        || live.getMetadata().getDeletionTimestamp() != null
        || !sameTemplate(desired, live)) {
      return false;
    }
    if (desired instanceof Deployment want && live instanceof Deployment d) {
      return rolledOut(d, want.getSpec().getReplicas());
    }
    if (desired instanceof StatefulSet want && live instanceof StatefulSet sts) {
      return rolledOut(sts, want.getSpec().getReplicas());
    }
    return true;
  }

  /** Every Deployment and StatefulSet among the desired objects is settled. */
  public static boolean allSettled(List<? extends HasMetadata> desired, LiveState live) {
    for (HasMetadata o : desired) {
      if ((o instanceof Deployment || o instanceof StatefulSet)
          && !settled(o, live.get(o.getClass(), o.getMetadata().getName()))) {
        return false;
      }
    }
    return true;
  }

  /** At least one pod of the Deployment is Ready. */
  public static boolean serving(Deployment d) {
    return d != null && d.getStatus() != null && nz(d.getStatus().getReadyReplicas()) > 0;
  }

  /** At least one pod of the StatefulSet is Ready. */
  public static boolean serving(StatefulSet s) {
    return s != null && s.getStatus() != null && nz(s.getStatus().getReadyReplicas()) > 0;
  }

  public static boolean podReady(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  public static boolean jobSucceeded(Job job) {
    return jobCondition(job, "Complete");
  }

  public static boolean jobFailed(Job job) {
    return jobCondition(job, "Failed");
  }

  private static boolean jobCondition(Job job, String type) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Hash of a Deployment's or StatefulSet's pod template; null for other objects. */
  public static String templateHash(HasMetadata o) {
    if (o instanceof Deployment d) {
      return RolloutPlan.hashOf(d.getSpec().getTemplate());
    }
    if (o instanceof StatefulSet s) {
      return RolloutPlan.hashOf(s.getSpec().getTemplate());
    }
    return null;
  }

  /** Stamps a workload with the hash of its pod template; other objects are left alone. */
  public static void stamp(HasMetadata o) {
    String hash = templateHash(o);
    if (hash != null) {
      Map<String, String> a =
          o.getMetadata().getAnnotations() == null
              ? new HashMap<>()
              : new HashMap<>(o.getMetadata().getAnnotations());
      a.put(TEMPLATE_HASH, hash);
      o.getMetadata().setAnnotations(a);
    }
  }

  /** True when the live workload's last applied template is the desired one (rolling or not). */
  public static boolean sameTemplate(HasMetadata desired, HasMetadata live) {
    String want = templateHash(desired);
    if (want == null) {
      return true;
    }
    return live != null
        && live.getMetadata().getAnnotations() != null
        && want.equals(live.getMetadata().getAnnotations().get(TEMPLATE_HASH));
  }

  private static boolean observed(Long observedGeneration, HasMetadata o) {
    return observedGeneration != null && observedGeneration >= o.getMetadata().getGeneration();
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }
}
