package io.chatchat.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.Traffic;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.SSABasedGenericKubernetesResourceMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the operator writes its children: server-side apply (skipped when the cached object
 * already matches), the drift patches of {@link ForeignFields}, the HTTPRoutes, and pruning what
 * the spec no longer asks for. Refusals by the API server become {@link Problem}s.
 */
final class ChildWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ChildWriter.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SSABasedGenericKubernetesResourceMatcher<HasMetadata> MATCHER =
      SSABasedGenericKubernetesResourceMatcher.getInstance();

  /** The one field manager of everything the operator applies. */
  static final String FIELD_MANAGER = "chatchat-operator";

  private final KubernetesClient client;
  private final PrometheusMetrics metrics;
  private final ApiDiscovery discovery;
  private final UninformedMemory uninformed = new UninformedMemory();

  /** The threads that apply one pass's objects side by side (shared by every reconciliation). */
  private static final ExecutorService APPLIERS =
      Executors.newFixedThreadPool(
          16,
          r -> {
            Thread t = new Thread(r, "child-apply");
            t.setDaemon(true);
            return t;
          });

  ChildWriter(KubernetesClient client, PrometheusMetrics metrics, ApiDiscovery discovery) {
    this.client = client;
    this.metrics = metrics;
    this.discovery = discovery;
    // CRDs deleted or installed again took their objects along: apply them anew.
    discovery.onChange(uninformed::forgetKind);
  }

  /**
   * Server-side applies objects, concurrently: they are independent (a pod waits for a claim or a
   * ConfigMap that is not there yet), so a new cluster's children cost one round trip, not one per
   * object. The API server's refusal of one object (HTTP 4xx: an immutable field, a quota) is
   * reported as a problem in status, in the objects' order; other errors propagate and are retried.
   */
  void apply(
      List<? extends HasMetadata> objects,
      LiveState live,
      Context<ChatchatCluster> context,
      List<Problem> problems) {
    List<CompletableFuture<List<Problem>>> each = new ArrayList<>();
    for (HasMetadata object : objects) {
      each.add(
          objects.size() == 1
              ? CompletableFuture.completedFuture(applyOne(object, live, context))
              : CompletableFuture.supplyAsync(() -> applyOne(object, live, context), APPLIERS));
    }
    RuntimeException failure = null;
    for (CompletableFuture<List<Problem>> f : each) {
      try {
        problems.addAll(f.join());
      } catch (CompletionException e) {
        failure = failure != null ? failure : unwrap(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private List<Problem> applyOne(
      HasMetadata object, LiveState live, Context<ChatchatCluster> context) {
    List<Problem> problems = new ArrayList<>(0);
    Readiness.stamp(object);
    HasMetadata actual = live.get(object.getClass(), object.getMetadata().getName());
    if (upToDate(object, actual, context)) {
      removeForeignFields(object, actual);
      return problems;
    }
    try {
      client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
      metrics.applied(object.getKind());
    } catch (KubernetesClientException e) {
      refused(
          object.getKind(),
          object.getMetadata().getName(),
          SpecFields.renderedFrom(object),
          e,
          problems);
    }
    return problems;
  }

  private static RuntimeException unwrap(CompletionException e) {
    return e.getCause() instanceof RuntimeException r ? r : e;
  }

  /**
   * The API server's refusal of one object (HTTP 4xx: an immutable field, a quota) is reported as a
   * problem in status; other errors propagate and are retried.
   */
  static void refused(
      String kind,
      String name,
      String renderedFrom,
      KubernetesClientException e,
      List<Problem> problems) {
    if (namespaceTerminating(e)) {
      throw new NamespaceTerminatingException(e);
    }
    if (e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 409 && e.getCode() != 429) {
      problems.add(
          new Problem(
              "ApplyRejected",
              kind
                  + " "
                  + name
                  + renderedFrom
                  + " was rejected by the API server: "
                  + rootMessage(e)));
    } else if (e.getCode() >= 500) {
      throw new KubernetesClientException(
          kind
              + " "
              + name
              + " could not be applied, the API server answered HTTP "
              + e.getCode()
              + ": "
              + rootMessage(e),
          e);
    } else {
      throw e;
    }
  }

  /** Field manager of the JSON patches that take out what other managers added. */
  static final String DRIFT_FIELD_MANAGER = FIELD_MANAGER + "-drift";

  /**
   * Takes out what other field managers added to the parts of an up-to-date object the operator
   * owns wholesale ({@link ForeignFields}).
   */
  private void removeForeignFields(HasMetadata desired, HasMetadata actual) {
    List<Map<String, Object>> ops = ForeignFields.removals(desired, actual);
    if (ops.isEmpty()) {
      return;
    }
    try {
      client
          .resource(actual)
          .patch(
              new PatchContext.Builder()
                  .withPatchType(PatchType.JSON)
                  .withFieldManager(DRIFT_FIELD_MANAGER)
                  .build(),
              MAPPER.writeValueAsString(ops));
      metrics.applied(desired.getKind());
      LOG.info(
          "took out what other managers added to {} {}/{}: {}",
          desired.getKind(),
          desired.getMetadata().getNamespace(),
          desired.getMetadata().getName(),
          ops.stream().map(o -> o.get("op") + " " + o.get("path")).toList());
    } catch (KubernetesClientException e) {
      if (namespaceTerminating(e)) {
        throw new NamespaceTerminatingException(e);
      }
      // A concurrent change: the next reconciliation looks again.
      LOG.debug("drift patch of {} failed: {}", desired.getMetadata().getName(), e.toString());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * HTTPRoutes are applied without an informer (the Gateway API CRDs may be absent, and an informer
   * on a missing type fails the operator's start), when {@link UninformedMemory} says they changed
   * or are due. Routes are removed when the spec changed and no longer asks for them.
   */
  void applyRoutes(ChatchatCluster cr, List<Problem> problems) {
    List<HTTPRoute> routes = Traffic.routes(cr);
    for (HTTPRoute route : routes) {
      if (!uninformed.needsApply(route)) {
        continue;
      }
      try {
        client.resource(route).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        uninformed.applied(route);
        metrics.applied(route.getKind());
      } catch (KubernetesClientException e) {
        if (namespaceTerminating(e)) {
          throw new NamespaceTerminatingException(e);
        }
        if (e.getCode() == 404) {
          problems.add(
              new Problem(
                  "GatewayAPIMissing",
                  "gateway.enabled is set but the Gateway API CRDs (HTTPRoute,"
                      + " gateway.networking.k8s.io/v1) are not installed in this cluster"));
        } else if (e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 409) {
          problems.add(
              new Problem(
                  "ApplyRejected",
                  "HTTPRoute "
                      + route.getMetadata().getName()
                      + " was rejected by the API server: "
                      + rootMessage(e)));
        } else {
          throw e;
        }
      }
    }
    // Routes exist only after a pass saw a spec that asked for them: a new cluster has none.
    if (specChanged(cr)) {
      String ns = cr.getMetadata().getNamespace();
      for (String name : List.of(Names.api(cr), Names.webui(cr))) {
        if (routes.stream().noneMatch(r -> r.getMetadata().getName().equals(name))
            && uninformed.mayExist("HTTPRoute", ns, name)) {
          deleteIgnoringAbsent(
              () -> client.resources(HTTPRoute.class).inNamespace(ns).withName(name).delete());
          uninformed.absent("HTTPRoute", ns, name);
        }
      }
    }
  }

  /**
   * Objects exist only after a pass saw a spec that asked for them: a new cluster has none, and an
   * unchanged spec removes none.
   */
  static boolean specChanged(ChatchatCluster cr) {
    boolean seenBefore = cr.getStatus() != null && cr.getStatus().observedGeneration != null;
    return seenBefore
        && !Objects.equals(cr.getStatus().observedGeneration, cr.getMetadata().getGeneration());
  }

  private static void deleteIgnoringAbsent(Runnable delete) {
    try {
      delete.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /**
   * Deletes this cluster's PodMonitors and KEDA ScaledObjects the spec no longer asks for, before
   * anything is applied: a ScaledObject must be gone before the HPA that replaces it comes (KEDA's
   * admission refuses a ScaledObject on a target an HPA already scales, and two HPAs on one target
   * stop both). Each name is deleted at most once per process, answered 404 or not.
   *
   * @param possible the kind and names of every such object this cluster may have, for the kinds it
   *     may have some of
   */
  void removeExtras(
      ChatchatCluster cr,
      List<GenericKubernetesResource> extras,
      Map<String, List<String>> possible) {
    String ns = cr.getMetadata().getNamespace();
    possible.forEach(
        (kind, names) -> {
          for (String name : names) {
            boolean wanted =
                extras.stream()
                    .anyMatch(
                        o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name));
            if (!wanted && uninformed.mayExist(kind, ns, name)) {
              String apiVersion = ApiDiscovery.apiVersionOf(kind);
              deleteIgnoringAbsent(
                  () ->
                      client
                          .genericKubernetesResources(ApiDiscovery.context(apiVersion, kind))
                          .inNamespace(ns)
                          .withName(name)
                          .delete());
              uninformed.absent(kind, ns, name);
            }
          }
        });
  }

  /**
   * PodMonitors and KEDA ScaledObjects, applied like the HTTPRoutes: without an informer, when
   * {@link UninformedMemory} says they changed or are due. A kind that disappeared since discovery
   * (its CRD was deleted) is forgotten, so the next pass finds it absent.
   */
  void applyExtras(List<GenericKubernetesResource> extras, List<Problem> problems) {
    for (GenericKubernetesResource o : extras) {
      if (!uninformed.needsApply(o)) {
        continue;
      }
      try {
        client
            .genericKubernetesResources(ApiDiscovery.context(o.getApiVersion(), o.getKind()))
            .inNamespace(o.getMetadata().getNamespace())
            .resource(o)
            .fieldManager(FIELD_MANAGER)
            .forceConflicts()
            .serverSideApply();
        uninformed.applied(o);
        metrics.applied(o.getKind());
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 && !namespaceTerminating(e)) {
          LOG.info("{} is no longer served: {}", o.getKind(), rootMessage(e));
          discovery.forget(o.getApiVersion(), o.getKind());
        } else {
          refused(o.getKind(), o.getMetadata().getName(), "", e, problems);
        }
      }
    }
  }

  /**
   * Deletes the operator's objects of this cluster that the spec no longer asks for (a disabled
   * WebUI or HPA; a store or model server switched to an external one). Claims are never deleted
   * here: data goes only with deletionPolicy Delete. The dependents' kinds are JOSDK's to delete.
   */
  void prune(ChatchatCluster cr, LiveState live, List<HasMetadata> infra) {
    Set<String> keep = new HashSet<>();
    for (HasMetadata o : infra) {
      keep.add(o.getKind() + "/" + o.getMetadata().getName());
    }
    keep.add("Deployment/" + Names.api(cr));
    // The canary goes only once the stable pods serve (DesiredState.canaryToDelete).
    keep.add("Deployment/" + Names.apiCanary(cr));
    // Settings that running pods read.
    for (Pod pod : live.pods()) {
      if (pod.getSpec() != null && pod.getSpec().getVolumes() != null) {
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getConfigMap() != null)
            .forEach(v -> keep.add("ConfigMap/" + v.getConfigMap().getName()));
      }
    }
    if (ApiComponent.singleWriter(cr)) {
      keep.add("Deployment/" + Names.knowledgeBaseWriter(cr));
    }
    if (cr.getSpec().webui.enabled) {
      keep.add("Deployment/" + Names.webui(cr));
    }
    for (Class<? extends HasMetadata> type :
        List.of(
            Deployment.class,
            StatefulSet.class,
            Service.class,
            ConfigMap.class,
            // PodDisruptionBudgets, NetworkPolicies and Ingresses: their JOSDK dependents.
            HorizontalPodAutoscaler.class)) {
      for (HasMetadata o : live.all(type)) {
        Map<String, String> labels = o.getMetadata().getLabels();
        // KEDA copies a ScaledObject's labels onto the HPA it creates: labels alone do not make
        // an object ours, its controller does.
        boolean ours =
            labels != null
                && cr.getMetadata().getName().equals(labels.get(Labels.INSTANCE))
                && controlledBy(o, cr);
        if (ours
            && o.getMetadata().getDeletionTimestamp() == null
            && !keep.contains(o.getKind() + "/" + o.getMetadata().getName())) {
          LOG.info(
              "deleting {} {}/{}: the spec no longer asks for it",
              o.getKind(),
              o.getMetadata().getNamespace(),
              o.getMetadata().getName());
          client.resource(o).delete();
        }
      }
    }
  }

  private static boolean controlledBy(HasMetadata o, ChatchatCluster cr) {
    return o.getMetadata().getOwnerReferences() != null
        && o.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                r ->
                    Boolean.TRUE.equals(r.getController())
                        && cr.getKind().equals(r.getKind())
                        && cr.getMetadata().getName().equals(r.getName()));
  }

  /**
   * True when the cached object already holds every field we apply, as owned by our field manager
   * (JOSDK's SSA matcher): then no request is sent. A field someone else changed is no longer ours,
   * so the object does not match and is applied again, which restores it.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean upToDate(
      HasMetadata desired, HasMetadata actual, Context<ChatchatCluster> context) {
    return actual != null
        && ((SSABasedGenericKubernetesResourceMatcher) MATCHER).matches(actual, desired, context);
  }

  /** Deletes objects (background propagation); one already gone or going is fine. */
  void delete(List<? extends HasMetadata> objects, String why) {
    for (HasMetadata o : objects) {
      if (o.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      LOG.info(
          "deleting {} {}/{}: {}",
          o.getKind(),
          o.getMetadata().getNamespace(),
          o.getMetadata().getName(),
          why);
      try {
        client.resource(o).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      } catch (KubernetesClientException e) {
        if (namespaceTerminating(e)) {
          throw new NamespaceTerminatingException(e);
        }
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }

  /** The namespace is being deleted, and the cluster with it. */
  static boolean namespaceTerminating(KubernetesClientException e) {
    return e.getCode() == 403
        && e.getStatus() != null
        && e.getStatus().getDetails() != null
        && e.getStatus().getDetails().getCauses() != null
        && e.getStatus().getDetails().getCauses().stream()
            .anyMatch(c -> "NamespaceTerminating".equals(c.getReason()));
  }

  static final class NamespaceTerminatingException extends RuntimeException {
    NamespaceTerminatingException(KubernetesClientException cause) {
      super(cause);
    }
  }

  static String rootMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return e.getMessage();
  }
}
