package io.chatchat.operator.reconciler;

import io.chatchat.operator.rollout.RolloutPlan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Small observations and actions the reconciler and the rollout share. */
final class ReconcileSupport {
  /**
   * Hash of the pod template the operator last applied to a Deployment or StatefulSet: tells
   * whether the live object already has the template a tier is rolling to (the live template
   * carries API-server defaults and cannot be compared directly).
   */
  static final String TEMPLATE_HASH = "chatchat.io/template-hash";

  private ReconcileSupport() {}

  /** Hash of a Deployment's or StatefulSet's pod template; null for other objects. */
  static String templateHash(HasMetadata o) {
    if (o instanceof Deployment d) {
      return RolloutPlan.hashOf(d.getSpec().getTemplate());
    }
    if (o instanceof StatefulSet s) {
      return RolloutPlan.hashOf(s.getSpec().getTemplate());
    }
    return null;
  }

  /** Stamps a workload with the hash of its pod template; other objects are left alone. */
  static void stamp(HasMetadata o) {
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

  /** True when the live workload runs the desired template on every desired pod, all Ready. */
  static boolean settled(HasMetadata desired, HasMetadata live) {
    if (live == null
        || live.getMetadata().getDeletionTimestamp() != null
        || !sameTemplate(desired, live)) {
      return false;
    }
    if (desired instanceof Deployment want && live instanceof Deployment d) {
      DeploymentStatus s = d.getStatus();
      int n = want.getSpec().getReplicas();
      return Objects.equals(d.getSpec().getReplicas(), n)
          && s != null
          && s.getObservedGeneration() != null
          && s.getObservedGeneration() >= d.getMetadata().getGeneration()
          && nz(s.getUpdatedReplicas()) == n
          && nz(s.getReadyReplicas()) == n
          && nz(s.getReplicas()) == n;
    }
    if (desired instanceof StatefulSet want && live instanceof StatefulSet sts) {
      StatefulSetStatus s = sts.getStatus();
      int n = want.getSpec().getReplicas();
      return Objects.equals(sts.getSpec().getReplicas(), n)
          && s != null
          && s.getObservedGeneration() != null
          && s.getObservedGeneration() >= sts.getMetadata().getGeneration()
          && (s.getUpdateRevision() == null || s.getUpdateRevision().equals(s.getCurrentRevision()))
          && nz(s.getReadyReplicas()) == n
          && nz(s.getReplicas()) == n;
    }
    return true;
  }

  /** True when the live workload's last applied template is the desired one (rolling or not). */
  static boolean sameTemplate(HasMetadata desired, HasMetadata live) {
    String want = templateHash(desired);
    if (want == null) {
      return true;
    }
    return live != null
        && live.getMetadata().getAnnotations() != null
        && want.equals(live.getMetadata().getAnnotations().get(TEMPLATE_HASH));
  }

  static boolean podReady(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Deletes an object (background propagation); one already gone or going is fine. */
  static void delete(KubernetesClient client, HasMetadata o) {
    if (o.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    try {
      client.resource(o).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static int nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** The cached secondary object of this type and name, or null. */
  static <R extends HasMetadata> R secondary(
      io.javaoperatorsdk.operator.api.reconciler.Context<
              io.chatchat.operator.api.v1alpha1.ChatchatCluster>
          context,
      Class<R> type,
      String name) {
    return context.getSecondaryResources(type).stream()
        .filter(r -> name.equals(r.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }
}
