package io.chatchat.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.model.ConfigHash;
import io.chatchat.operator.model.Credentials;
import io.chatchat.operator.model.Endpoints;
import io.chatchat.operator.model.KnowledgeBaseClaim;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.Scaling;
import io.chatchat.operator.model.SettingsConfigMap;
import io.chatchat.operator.model.Stores;
import io.chatchat.operator.model.Traffic;
import io.chatchat.operator.model.WebUiComponent;
import io.chatchat.operator.status.Conditions;
import io.chatchat.operator.status.StatusComputer;
import io.chatchat.operator.status.StatusComputer.Gate;
import io.chatchat.operator.status.StatusComputer.GateState;
import io.chatchat.operator.status.StatusComputer.Observed;
import io.chatchat.operator.status.StatusComputer.Workload;
import io.chatchat.operator.validation.SpecValidator;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
        informer(context, StatefulSet.class),
        informer(context, Service.class),
        informer(context, ConfigMap.class),
        informer(context, PersistentVolumeClaim.class),
        informer(context, Job.class),
        informer(context, Pod.class),
        informer(context, HorizontalPodAutoscaler.class),
        informer(context, PodDisruptionBudget.class),
        informer(context, Ingress.class),
        informer(context, NetworkPolicy.class));
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

    Observed observed = Observed.NONE;
    List<Problem> problems = new ArrayList<>();
    try {
      // Generated credentials exist before anything reads them.
      ensureCredentials(cr, lookup, secrets);

      // Validate.
      problems.addAll(SpecValidator.validate(cr, lookup));

      // Reconcile.
      if (problems.isEmpty()) {
        Map<String, String> digests = new HashMap<>();
        for (SecretKeyRef ref : ChatchatSettings.referencedSecretKeys(cr)) {
          digests.put(ref.name, ConfigHash.digest(lookup.apply(ref.name).getData()));
        }
        String hash = ConfigHash.of(cr, digests);
        observed = applyAll(cr, hash, digests, lookup, context, problems);
      }
    } catch (NamespaceTerminatingException e) {
      LOG.debug(
          "namespace {} is being deleted; {} is not reconciled", ns, cr.getMetadata().getName());
      return UpdateControl.noUpdate();
    }

    Deployment api = secondary(context, Deployment.class, Names.api(cr));
    Deployment webui =
        cr.getSpec().webui.enabled ? secondary(context, Deployment.class, Names.webui(cr)) : null;
    ChatchatClusterStatus status =
        StatusComputer.compute(cr, problems, api, webui, observed, Instant.now());
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
   * Creates the managed stores' credentials Secrets once; never regenerates them (the store's data
   * directory was initialised with them). Their owner reference follows deletionPolicy.
   */
  private void ensureCredentials(
      ChatchatCluster cr, Function<String, Secret> lookup, Map<String, Optional<Secret>> cache) {
    List<Secret> wanted = new ArrayList<>();
    if (cr.getSpec().metadataStore.type == MetadataStoreSpec.Type.Managed) {
      wanted.add(Credentials.database(cr, Credentials::randomPassword));
    }
    if (cr.getSpec().vectorStore.type == VectorStoreSpec.Type.PGVector
        && cr.getSpec().vectorStore.managed != null) {
      wanted.add(Credentials.vectorStore(cr, Credentials::randomPassword));
    }
    for (Secret want : wanted) {
      String name = want.getMetadata().getName();
      Secret have = lookup.apply(name);
      if (have == null) {
        try {
          have = client.resource(want).create();
          events.record(
              cr,
              EventRecorder.NORMAL,
              "CredentialsGenerated",
              "Generated credentials in Secret " + name + "; they are never regenerated");
        } catch (KubernetesClientException e) {
          if (namespaceTerminating(e)) {
            throw new NamespaceTerminatingException(e);
          }
          if (e.getCode() != 409) {
            throw e;
          }
          have = client.secrets().inNamespace(cr.getMetadata().getNamespace()).withName(name).get();
        }
        cache.put(name, Optional.ofNullable(have));
      } else if (!nullToEmpty(have.getMetadata().getOwnerReferences())
          .equals(nullToEmpty(want.getMetadata().getOwnerReferences()))) {
        // deletionPolicy changed: the Secret follows the data it unlocks.
        Secret patched =
            client
                .secrets()
                .inNamespace(cr.getMetadata().getNamespace())
                .withName(name)
                .edit(
                    s -> {
                      s.getMetadata().setOwnerReferences(want.getMetadata().getOwnerReferences());
                      return s;
                    });
        cache.put(name, Optional.of(patched));
      }
    }
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  /**
   * Applies every child in dependency order: settings, stores and model servers first; then the
   * driver preflight and the table initialisation of this Chatchat version; the chat tier only once
   * both passed; the knowledge-base build once the embedding service is ready.
   */
  private Observed applyAll(
      ChatchatCluster cr,
      String configHash,
      Map<String, String> secretDigests,
      Function<String, Secret> lookup,
      Context<ChatchatCluster> context,
      List<Problem> problems) {
    ChatchatClusterSpec spec = cr.getSpec();
    Deployment llm = secondary(context, Deployment.class, Names.llm(cr));
    Deployment embedding = secondary(context, Deployment.class, Names.embedding(cr));

    List<HasMetadata> infra = new ArrayList<>();
    infra.add(KnowledgeBaseClaim.build(cr));
    infra.add(SettingsConfigMap.build(cr));
    infra.addAll(Stores.desired(cr));
    infra.addAll(Scaling.storePolicies(cr));
    infra.addAll(ModelServers.desired(cr, replicasOf(llm), replicasOf(embedding)));
    infra.addAll(Scaling.budgets(cr));
    if (spec.api.autoscaling.enabled) {
      infra.add(Scaling.apiAutoscaler(cr));
    }
    infra.add(ApiComponent.service(cr));
    if (ApiComponent.singleWriter(cr)) {
      infra.add(ApiComponent.writerService(cr));
    }
    if (spec.webui.enabled) {
      infra.add(WebUiComponent.service(cr));
    }
    infra.addAll(Traffic.desired(cr));
    apply(infra, context, problems);
    applyRoutes(cr, problems);

    // Gates of this Chatchat version.
    StatefulSet db = secondary(context, StatefulSet.class, Names.database(cr));
    List<String> modules = Endpoints.requiredModules(cr, databaseScheme(cr, lookup));
    Gate preflight = Gate.NOT_NEEDED;
    if (!modules.isEmpty()) {
      preflight =
          jobGate(
              cr,
              context,
              ChatchatJobs.preflight(cr, modules, configHash),
              "Checking that " + spec.image + " imports " + String.join(", ", modules),
              "The image " + spec.image + " imports " + String.join(", ", modules),
              problems);
      if (preflight.state() == GateState.FAILED) {
        problems.add(
            new Problem(
                REASON_DRIVER_MISSING,
                "The Chatchat image "
                    + spec.image
                    + " cannot import the drivers this spec needs ("
                    + String.join(", ", modules)
                    + "): "
                    + preflight.message()
                    + ". Build an image that adds them (see the README, 'Chatchat image'), or"
                    + " choose stores whose drivers the image has; no pod of this image was"
                    + " started"));
      }
    }
    boolean preflightOk =
        preflight.state() == GateState.NOT_NEEDED || preflight.state() == GateState.SUCCEEDED;

    Gate init = Gate.NOT_NEEDED;
    if (spec.initJob && spec.metadataStore.type != MetadataStoreSpec.Type.SQLite) {
      if (!preflightOk) {
        init = new Gate(GateState.WAITING, "Waiting for the driver preflight");
      } else if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed && !ready(db)) {
        init = new Gate(GateState.WAITING, "Waiting for the database " + Names.database(cr));
      } else {
        String dbSecret = Endpoints.databaseUri(cr).name;
        init =
            jobGate(
                cr,
                context,
                ChatchatJobs.init(
                    cr,
                    ChatchatJobs.initHash(cr, secretDigests.getOrDefault(dbSecret, "")),
                    configHash),
                "Creating the database tables for " + spec.image,
                "Tables created and verified for " + spec.image,
                problems);
      }
    }
    boolean initOk = init.state() == GateState.NOT_NEEDED || init.state() == GateState.SUCCEEDED;

    if (preflightOk && initOk) {
      List<HasMetadata> chat = new ArrayList<>();
      if (ApiComponent.singleWriter(cr)) {
        chat.add(ApiComponent.writer(cr, configHash));
      }
      chat.add(ApiComponent.deployment(cr, configHash));
      if (spec.webui.enabled) {
        chat.add(WebUiComponent.deployment(cr, configHash));
      }
      apply(chat, context, problems);
    }

    Deployment writer = secondary(context, Deployment.class, Names.knowledgeBaseWriter(cr));
    Gate build = Gate.NOT_NEEDED;
    if (spec.knowledgeBase.build.enabled) {
      if (!initOk || !preflightOk) {
        build = new Gate(GateState.WAITING, "Waiting for the initialisation");
      } else if (spec.embedding.tei != null && !ready(embedding)) {
        build = new Gate(GateState.WAITING, "Waiting for the embedding service");
      } else if (ApiComponent.singleWriter(cr) && !ready(writer)) {
        build = new Gate(GateState.WAITING, "Waiting for the knowledge-base writer");
      } else {
        build =
            jobGate(
                cr,
                context,
                ChatchatJobs.build(cr, configHash),
                "Building " + String.join(", ", ChatchatJobs.buildTargets(spec)),
                "Built and verified " + String.join(", ", ChatchatJobs.buildTargets(spec)),
                problems);
      }
    }

    prune(cr, context, infra);
    return observe(cr, context, preflight, init, build, db, llm, embedding, writer);
  }

  static final String REASON_DRIVER_MISSING = "DriverMissing";

  /** What the status reports of the stores, model servers, writer and pods. */
  private Observed observe(
      ChatchatCluster cr,
      Context<ChatchatCluster> context,
      Gate preflight,
      Gate init,
      Gate build,
      StatefulSet db,
      Deployment llm,
      Deployment embedding,
      Deployment writer) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<Workload> workloads = new ArrayList<>();
    if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed) {
      workloads.add(
          Workload.of(Labels.COMPONENT_DATABASE, "Database", Conditions.DATABASE_READY, db));
    }
    if (spec.vectorStore.managed != null) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_VECTOR_STORE,
              "Vector store",
              Conditions.VECTOR_STORE_READY,
              secondary(context, StatefulSet.class, Names.vectorStore(cr))));
    }
    if (spec.embedding.tei != null) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_EMBEDDING,
              "Embedding",
              Conditions.EMBEDDING_READY,
              embedding,
              desired(spec.embedding.tei, embedding)));
    }
    if (spec.llm.vllm != null) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_LLM, "LLM", Conditions.LLM_READY, llm, desired(spec.llm.vllm, llm)));
    }
    if (ApiComponent.singleWriter(cr)) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_KB_WRITER,
              "Knowledge-base writer",
              Conditions.KB_WRITER_READY,
              writer,
              1));
    }
    // Pods the scheduler cannot place, most often for want of GPUs.
    String unschedulable = null;
    boolean gpu = false;
    for (Pod pod : context.getSecondaryResources(Pod.class)) {
      if (pod.getStatus() == null
          || pod.getStatus().getConditions() == null
          || pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType())
            && "False".equals(c.getStatus())
            && "Unschedulable".equals(c.getReason())) {
          String msg = c.getMessage() == null ? "" : c.getMessage();
          String gpuResource = gpuResource(spec, pod);
          boolean wantsGpu = msg.contains("Insufficient " + gpuResource);
          if (unschedulable == null || (wantsGpu && !gpu)) {
            unschedulable =
                "Pod "
                    + pod.getMetadata().getName()
                    + " cannot be scheduled"
                    + (wantsGpu ? ": no node has enough free " + gpuResource + ". " : ". ")
                    + msg;
            gpu = gpu || wantsGpu;
          }
        }
      }
    }
    return new Observed(workloads, preflight, init, build, unschedulable, gpu);
  }

  private static String gpuResource(ChatchatClusterSpec spec, Pod pod) {
    String component =
        pod.getMetadata().getLabels() == null
            ? null
            : pod.getMetadata().getLabels().get(Labels.COMPONENT);
    if (Labels.COMPONENT_EMBEDDING.equals(component) && spec.embedding.tei != null) {
      return spec.embedding.tei.gpuResource;
    }
    return spec.llm.vllm != null ? spec.llm.vllm.gpuResource : "nvidia.com/gpu";
  }

  private static int desired(ModelServerSpec m, Deployment live) {
    if (m.autoscaling.enabled) {
      Integer r = replicasOf(live);
      return r != null ? r : m.autoscaling.minReplicas;
    }
    return m.replicas;
  }

  private static Integer replicasOf(Deployment d) {
    return d == null || d.getSpec() == null ? null : d.getSpec().getReplicas();
  }

  private static boolean ready(Deployment d) {
    return d != null
        && d.getStatus() != null
        && d.getStatus().getReadyReplicas() != null
        && d.getStatus().getReadyReplicas() > 0;
  }

  private static boolean ready(StatefulSet s) {
    return s != null
        && s.getStatus() != null
        && s.getStatus().getReadyReplicas() != null
        && s.getStatus().getReadyReplicas() > 0;
  }

  /** The scheme of an external database URI (for the driver preflight), or null. */
  private static String databaseScheme(ChatchatCluster cr, Function<String, Secret> lookup) {
    if (cr.getSpec().metadataStore.type != MetadataStoreSpec.Type.External) {
      return null;
    }
    SecretKeyRef ref = cr.getSpec().metadataStore.external.uriSecretRef;
    Secret s = lookup.apply(ref.name);
    String uri = s == null ? null : SpecValidator.value(s, ref.key);
    return uri == null || !uri.contains("://") ? null : uri.substring(0, uri.indexOf("://"));
  }

  /**
   * Creates a gate Job when it does not exist and reads its outcome; once it succeeded, the Jobs of
   * earlier inputs are deleted.
   */
  private Gate jobGate(
      ChatchatCluster cr,
      Context<ChatchatCluster> context,
      Job desired,
      String running,
      String succeeded,
      List<Problem> problems) {
    String name = desired.getMetadata().getName();
    Job job = secondary(context, Job.class, name);
    if (job == null) {
      apply(List.of(desired), context, problems);
      return new Gate(GateState.RUNNING, running + " (Job " + name + ")");
    }
    String component = desired.getMetadata().getLabels().get(Labels.COMPONENT);
    if (hasCondition(job, "Complete")) {
      for (Job old : context.getSecondaryResources(Job.class)) {
        Map<String, String> l = old.getMetadata().getLabels();
        if (l != null
            && cr.getMetadata().getName().equals(l.get(Labels.INSTANCE))
            && component.equals(l.get(Labels.COMPONENT))
            && !name.equals(old.getMetadata().getName())
            && old.getMetadata().getDeletionTimestamp() == null) {
          LOG.info("deleting superseded Job {}", old.getMetadata().getName());
          client.resource(old).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        }
      }
      return new Gate(GateState.SUCCEEDED, succeeded + " (Job " + name + ")");
    }
    if (hasCondition(job, "Failed")) {
      return new Gate(
          GateState.FAILED,
          "Job "
              + name
              + " failed: "
              + terminationMessage(context, name)
              + ". Delete the Job to run it again");
    }
    return new Gate(GateState.RUNNING, running + " (Job " + name + ")");
  }

  private static boolean hasCondition(Job job, String type) {
    return job.getStatus() != null
        && job.getStatus().getConditions() != null
        && job.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** What the Job's last failed container wrote to its termination log. */
  private static String terminationMessage(Context<ChatchatCluster> context, String job) {
    String message = null;
    for (Pod pod : context.getSecondaryResources(Pod.class)) {
      if (pod.getMetadata().getLabels() == null
          || !job.equals(pod.getMetadata().getLabels().get("job-name"))
          || pod.getStatus() == null
          || pod.getStatus().getContainerStatuses() == null) {
        continue;
      }
      for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
        if (c.getState() != null && c.getState().getTerminated() != null) {
          ContainerStateTerminated t = c.getState().getTerminated();
          message =
              (t.getMessage() != null && !t.getMessage().isBlank())
                  ? t.getMessage().trim()
                  : "exit code " + t.getExitCode();
        }
      }
    }
    if (message == null) {
      return "no pod output recorded";
    }
    return message.length() > 400 ? message.substring(message.length() - 400) : message;
  }

  /**
   * Server-side applies objects. The API server's refusal of one object (HTTP 4xx: an immutable
   * field, a quota) is reported as a problem in status; other errors propagate and are retried.
   */
  private void apply(
      List<? extends HasMetadata> objects,
      Context<ChatchatCluster> context,
      List<Problem> problems) {
    for (HasMetadata object : objects) {
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
  }

  /**
   * HTTPRoutes are applied without an informer (the Gateway API CRDs may be absent, and an informer
   * on a missing type fails the operator's start). Routes are removed when the spec changed and no
   * longer asks for them.
   */
  private void applyRoutes(ChatchatCluster cr, List<Problem> problems) {
    List<HTTPRoute> routes = Traffic.routes(cr);
    for (HTTPRoute route : routes) {
      try {
        client.resource(route).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
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
    boolean specChanged =
        cr.getStatus() == null
            || !Objects.equals(cr.getStatus().observedGeneration, cr.getMetadata().getGeneration());
    if (specChanged) {
      for (String name : List.of(Names.api(cr), Names.webui(cr))) {
        if (routes.stream().noneMatch(r -> r.getMetadata().getName().equals(name))) {
          try {
            client
                .resources(HTTPRoute.class)
                .inNamespace(cr.getMetadata().getNamespace())
                .withName(name)
                .delete();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
              throw e;
            }
          }
        }
      }
    }
  }

  /**
   * Deletes the operator's objects of this cluster that the spec no longer asks for (a disabled
   * WebUI, HPA or Ingress; a store or model server switched to an external one). Claims are never
   * deleted here: data goes only with deletionPolicy Delete.
   */
  private void prune(
      ChatchatCluster cr, Context<ChatchatCluster> context, List<HasMetadata> infra) {
    Set<String> keep = new HashSet<>();
    for (HasMetadata o : infra) {
      keep.add(o.getKind() + "/" + o.getMetadata().getName());
    }
    keep.add("Deployment/" + Names.api(cr));
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
            HorizontalPodAutoscaler.class,
            PodDisruptionBudget.class,
            Ingress.class,
            NetworkPolicy.class)) {
      for (HasMetadata o : context.getSecondaryResources(type)) {
        Map<String, String> labels = o.getMetadata().getLabels();
        boolean ours =
            labels != null && cr.getMetadata().getName().equals(labels.get(Labels.INSTANCE));
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
    for (String type :
        List.of(
            Conditions.DRIVERS_AVAILABLE,
            Conditions.INITIALIZED,
            Conditions.KNOWLEDGE_BASE_BUILT,
            Conditions.SCHEDULED)) {
      Condition was = before == null ? null : Conditions.find(before.conditions, type);
      Condition now = Conditions.find(after.conditions, type);
      if (now == null) {
        continue;
      }
      boolean failing =
          Conditions.FALSE.equals(now.getStatus())
              && List.of("Failed", "InsufficientGPU", "Unschedulable").contains(now.getReason());
      boolean wasFailing =
          was != null
              && Conditions.FALSE.equals(was.getStatus())
              && List.of("Failed", "InsufficientGPU", "Unschedulable").contains(was.getReason());
      if (failing && (!wasFailing || !now.getReason().equals(was.getReason()))) {
        events.record(
            cr,
            EventRecorder.WARNING,
            "Failed".equals(now.getReason()) ? type + "Failed" : now.getReason(),
            now.getMessage());
      } else if (Conditions.TRUE.equals(now.getStatus())
          && (was == null || !Conditions.TRUE.equals(was.getStatus()))
          && !Conditions.SCHEDULED.equals(type)) {
        events.record(cr, EventRecorder.NORMAL, type, now.getMessage());
      }
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
