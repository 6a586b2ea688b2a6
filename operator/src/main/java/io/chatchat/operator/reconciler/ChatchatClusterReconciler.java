package io.chatchat.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.model.ConfigHash;
import io.chatchat.operator.model.KnowledgeBaseClaim;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.SettingsConfigMap;
import io.chatchat.operator.model.WebUiComponent;
import io.chatchat.operator.status.Conditions;
import io.chatchat.operator.status.StatusComputer;
import io.chatchat.operator.validation.SpecValidator;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.SSABasedGenericKubernetesResourceMatcher;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observe, validate, reconcile: reads the Secrets the spec refers to, validates what admission
 * cannot, server-side-applies every child built by the pure builders in {@code model}, and derives
 * the status from the informer caches.
 */
@ControllerConfiguration(
    name = ChatchatClusterReconciler.NAME,
    fieldManager = ChatchatClusterReconciler.FIELD_MANAGER,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ChatchatClusterReconciler implements Reconciler<ChatchatCluster> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatchatClusterReconciler.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final SSABasedGenericKubernetesResourceMatcher<HasMetadata> MATCHER =
      SSABasedGenericKubernetesResourceMatcher.getInstance();

  public static final String NAME = "chatchatcluster";

  /** The one field manager of everything the operator applies. */
  public static final String FIELD_MANAGER = "chatchat-operator";

  /** How often an invalid cluster is checked again (Secrets are not watched). */
  static final Duration INVALID_RECHECK = Duration.ofSeconds(10);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final PrometheusMetrics metrics;

  public ChatchatClusterReconciler(
      KubernetesClient client, EventRecorder events, PrometheusMetrics metrics) {
    this.client = client;
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public List<EventSource<?, ChatchatCluster>> prepareEventSources(
      EventSourceContext<ChatchatCluster> context) {
    return List.of(
        informer(context, Deployment.class),
        informer(context, Service.class),
        informer(context, ConfigMap.class),
        informer(context, PersistentVolumeClaim.class));
  }

  /**
   * An informer on the operator's own objects only (managed-by label), mapped to their cluster by
   * the instance label: the knowledge-base claim may have no owner reference.
   */
  private static <R extends HasMetadata> InformerEventSource<R, ChatchatCluster> informer(
      EventSourceContext<ChatchatCluster> context, Class<R> type) {
    InformerEventSourceConfiguration<R> config =
        InformerEventSourceConfiguration.from(type, ChatchatCluster.class)
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withSecondaryToPrimaryMapper(
                r -> {
                  String instance =
                      r.getMetadata().getLabels() == null
                          ? null
                          : r.getMetadata().getLabels().get(Labels.INSTANCE);
                  return instance == null
                      ? Set.of()
                      : Set.of(new ResourceID(instance, r.getMetadata().getNamespace()));
                })
            .build();
    return new InformerEventSource<>(config, context);
  }

  @Override
  public UpdateControl<ChatchatCluster> reconcile(
      ChatchatCluster cr, Context<ChatchatCluster> context) {
    String ns = cr.getMetadata().getNamespace();

    // Observe: the Secrets the pods will read (one GET each; the operator does not cache Secrets).
    Map<String, Optional<Secret>> secrets = new HashMap<>();
    Function<String, Secret> lookup =
        name ->
            secrets
                .computeIfAbsent(
                    name,
                    n -> Optional.ofNullable(client.secrets().inNamespace(ns).withName(n).get()))
                .orElse(null);

    // Validate.
    List<Problem> problems = new ArrayList<>(SpecValidator.validate(cr.getSpec(), lookup));

    // Reconcile.
    if (problems.isEmpty()) {
      Map<String, String> digests = new HashMap<>();
      for (SecretKeyRef ref : ChatchatSettings.referencedSecretKeys(cr.getSpec())) {
        digests.put(ref.name, ConfigHash.digest(lookup.apply(ref.name).getData()));
      }
      String hash = ConfigHash.of(cr, digests);
      try {
        problems.addAll(applyAll(cr, hash, context));
      } catch (NamespaceTerminatingException e) {
        LOG.debug(
            "namespace {} is being deleted; {} is not reconciled", ns, cr.getMetadata().getName());
        return UpdateControl.noUpdate();
      }
    }

    Deployment api = secondary(context, Deployment.class, Names.api(cr));
    Deployment webui =
        cr.getSpec().webui.enabled ? secondary(context, Deployment.class, Names.webui(cr)) : null;
    ChatchatClusterStatus status = StatusComputer.compute(cr, problems, api, webui, Instant.now());
    recordTransitions(cr, cr.getStatus(), status);

    if (!sameStatus(cr.getStatus(), status)) {
      // Read-after-write: the next reconciliation must see this status, not an older cached one,
      // or a skipped "unchanged" patch could leave a stale status behind (a status-only change
      // triggers no reconciliation).
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(
          cr, statusPatch(cr, status), context);
    }
    UpdateControl<ChatchatCluster> control = UpdateControl.noUpdate();
    return problems.isEmpty() ? control : control.rescheduleAfter(INVALID_RECHECK);
  }

  /**
   * Applies every child. The API server's refusal of one object (HTTP 4xx: an immutable field, a
   * quota) is reported as a problem in status; other errors propagate and are retried.
   */
  private List<Problem> applyAll(
      ChatchatCluster cr, String configHash, Context<ChatchatCluster> context) {
    List<Problem> problems = new ArrayList<>();
    List<HasMetadata> desired = new ArrayList<>();
    desired.add(KnowledgeBaseClaim.build(cr));
    desired.add(SettingsConfigMap.build(cr));
    desired.add(ApiComponent.service(cr));
    desired.add(ApiComponent.deployment(cr, configHash));
    if (cr.getSpec().webui.enabled) {
      desired.add(WebUiComponent.service(cr));
      desired.add(WebUiComponent.deployment(cr, configHash));
    }
    for (HasMetadata object : desired) {
      if (upToDate(object, context)) {
        continue;
      }
      try {
        client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        metrics.applied(object.getKind());
      } catch (KubernetesClientException e) {
        if (namespaceTerminating(e)) {
          throw new NamespaceTerminatingException(e);
        }
        if (e.getCode() >= 400 && e.getCode() < 500 && e.getCode() != 409 && e.getCode() != 429) {
          problems.add(
              new Problem(
                  "ApplyRejected",
                  object.getKind()
                      + " "
                      + object.getMetadata().getName()
                      + " was rejected by the API server: "
                      + rootMessage(e)));
        } else {
          throw e;
        }
      }
    }
    if (!cr.getSpec().webui.enabled) {
      deleteIfPresent(context, Deployment.class, Names.webui(cr));
      deleteIfPresent(context, Service.class, Names.webui(cr));
    }
    return problems;
  }

  /**
   * True when the cached object already holds every field we apply, as owned by our field manager
   * (JOSDK's SSA matcher): then no request is sent. A field someone else changed is no longer ours,
   * so the object does not match and is applied again, which restores it.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean upToDate(HasMetadata desired, Context<ChatchatCluster> context) {
    HasMetadata actual = secondary(context, desired.getClass(), desired.getMetadata().getName());
    return actual != null
        && ((SSABasedGenericKubernetesResourceMatcher) MATCHER).matches(actual, desired, context);
  }

  private <R extends HasMetadata> void deleteIfPresent(
      Context<ChatchatCluster> context, Class<R> type, String name) {
    R existing = secondary(context, type, name);
    if (existing != null) {
      LOG.info(
          "deleting {} {}/{}", type.getSimpleName(), existing.getMetadata().getNamespace(), name);
      client.resource(existing).delete();
    }
  }

  private static <R extends HasMetadata> R secondary(
      Context<ChatchatCluster> context, Class<R> type, String name) {
    return context.getSecondaryResources(type).stream()
        .filter(r -> name.equals(r.getMetadata().getName()))
        .findFirst()
        .orElse(null);
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

  private static final class NamespaceTerminatingException extends RuntimeException {
    NamespaceTerminatingException(KubernetesClientException cause) {
      super(cause);
    }
  }

  private static boolean isNotFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 404) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    return e.getMessage();
  }

  /** Events for the transitions a user cares about. */
  private void recordTransitions(
      ChatchatCluster cr, ChatchatClusterStatus before, ChatchatClusterStatus after) {
    Condition validBefore =
        before == null ? null : Conditions.find(before.conditions, Conditions.CONFIG_VALID);
    Condition validAfter = Conditions.find(after.conditions, Conditions.CONFIG_VALID);
    boolean wasValid = validBefore == null || Conditions.TRUE.equals(validBefore.getStatus());
    if (Conditions.FALSE.equals(validAfter.getStatus())
        && (wasValid || !validAfter.getMessage().equals(validBefore.getMessage()))) {
      events.record(cr, EventRecorder.WARNING, validAfter.getReason(), validAfter.getMessage());
    } else if (!wasValid && Conditions.TRUE.equals(validAfter.getStatus())) {
      events.record(cr, EventRecorder.NORMAL, "ConfigValid", "The spec is valid again");
    }
    Phase from = before == null ? null : before.phase;
    if (from != after.phase) {
      switch (after.phase) {
        case Ready:
          events.record(
              cr,
              EventRecorder.NORMAL,
              "Ready",
              "All components are ready (API " + after.apiReady + ")");
          break;
        case Degraded:
          events.record(
              cr,
              EventRecorder.WARNING,
              "Degraded",
              Conditions.find(after.conditions, Conditions.DEGRADED).getMessage());
          break;
        case Progressing:
          events.record(
              cr,
              EventRecorder.NORMAL,
              "Progressing",
              Conditions.find(after.conditions, Conditions.PROGRESSING).getMessage());
          break;
        default:
          break;
      }
    }
  }

  private static boolean sameStatus(ChatchatClusterStatus a, ChatchatClusterStatus b) {
    return a != null && MAPPER.valueToTree(a).equals(MAPPER.valueToTree(b));
  }

  /** A fresh object with only identity and status: what server-side apply of status needs. */
  private static ChatchatCluster statusPatch(ChatchatCluster cr, ChatchatClusterStatus status) {
    ChatchatCluster patch = new ChatchatCluster();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(cr.getMetadata().getName())
            .withNamespace(cr.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }

  @Override
  public ErrorStatusUpdateControl<ChatchatCluster> updateErrorStatus(
      ChatchatCluster cr, Context<ChatchatCluster> context, Exception e) {
    if (isNotFound(e)) {
      // The cluster was deleted while it was being reconciled: nothing to report or retry.
      LOG.debug(
          "{}/{} is gone: {}",
          cr.getMetadata().getNamespace(),
          cr.getMetadata().getName(),
          e.toString());
      return ErrorStatusUpdateControl.<ChatchatCluster>noStatusUpdate().withNoRetry();
    }
    LOG.warn(
        "reconciling {}/{} failed: {}",
        cr.getMetadata().getNamespace(),
        cr.getMetadata().getName(),
        e.toString());
    ChatchatClusterStatus status =
        cr.getStatus() == null ? new ChatchatClusterStatus() : cr.getStatus();
    List<Condition> prev = new ArrayList<>(status.conditions);
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    Conditions.set(
        prev,
        status.conditions,
        Conditions.READY,
        false,
        "ReconcileError",
        "The operator could not reconcile (it retries): "
            + (message.length() > 500 ? message.substring(0, 500) : message),
        cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration(),
        Instant.now());
    return ErrorStatusUpdateControl.patchStatus(statusPatch(cr, status));
  }
}
