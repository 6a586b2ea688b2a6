package io.chatchat.operator.reconciler;

import static io.chatchat.operator.reconciler.ReconcileSupport.secondary;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
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
import io.chatchat.operator.rollout.GpuCapacity;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.chatchat.operator.rollout.RolloutPlan;
import io.chatchat.operator.rollout.SmokeGates;
import io.chatchat.operator.status.Conditions;
import io.chatchat.operator.status.RolloutConditions;
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
import io.fabric8.kubernetes.api.model.Node;
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
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import okhttp3.OkHttpClient;
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
    // Spec changes and the retry annotation, not status updates (RolloutCommandFilter).
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = RolloutCommandFilter.class),
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ChatchatClusterReconciler implements Reconciler<ChatchatCluster> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatchatClusterReconciler.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static final String NAME = "chatchatcluster";

  /** The one field manager of everything the operator applies. */
  public static final String FIELD_MANAGER = "chatchat-operator";

  /** How often an invalid cluster is checked again (Secrets are not watched). */
  static final Duration INVALID_RECHECK = Duration.ofSeconds(10);

  /** How often a rollout looks at its gates and deadlines between events. */
  static final Duration ROLLOUT_POLL = Duration.ofSeconds(2);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final PrometheusMetrics metrics;
  private final ChildWriter writer;

  private final ApiCanary canary;

  public ChatchatClusterReconciler(
      KubernetesClient client,
      EventRecorder events,
      PrometheusMetrics metrics,
      PodAddressResolver resolver) {
    this.client = client;
    this.events = events;
    this.metrics = metrics;
    this.writer = new ChildWriter(client, metrics);
    this.canary = new ApiCanary(client, new SmokeGates(new OkHttpClient()), resolver, metrics);
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
    Instant now = Instant.now();
    Plan plan = null;
    try {
      // Generated credentials exist before anything reads them.
      ensureCredentials(cr, lookup, secrets);

      // Validate.
      problems.addAll(SpecValidator.validate(cr, lookup));

      // Reconcile.
      if (problems.isEmpty()) {
        Map<String, String> digests = secretDigests(cr, lookup);
        repairUnreadableStableSpec(cr, digests);
        plan = plan(cr, digests, now);
        observed = applyAll(plan, lookup, context, problems, now);
      }
    } catch (ChildWriter.NamespaceTerminatingException e) {
      LOG.debug(
          "namespace {} is being deleted; {} is not reconciled", ns, cr.getMetadata().getName());
      return UpdateControl.noUpdate();
    }

    ChatchatCluster shown = plan == null ? cr : plan.want();
    Deployment api = secondary(context, Deployment.class, Names.api(cr));
    Deployment webui =
        shown.getSpec().webui.enabled
            ? secondary(context, Deployment.class, Names.webui(cr))
            : null;
    ChatchatClusterStatus status =
        StatusComputer.compute(
            shown,
            problems,
            api,
            webui,
            observed.withApiCanary(secondary(context, Deployment.class, Names.apiCanary(cr))),
            now);
    RolloutConditions.apply(
        status,
        cr.getStatus(),
        plan == null ? null : plan.rollout(),
        plan == null ? null : plan.mode().name(),
        plan == null ? null : plan.revision(),
        cr.getSpec(),
        now);
    RolloutConditions.blockedBy(status, problems.stream().map(Problem::message).toList());
    recordTransitions(cr, cr.getStatus(), status);

    if (!sameStatus(cr.getStatus(), status)) {
      // Read-after-write: the next reconciliation must see this status, not an older cached one,
      // or a skipped "unchanged" patch could leave a stale status behind (a status-only change
      // triggers no reconciliation).
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(
          cr, statusPatch(cr, status), context);
    }
    UpdateControl<ChatchatCluster> control = UpdateControl.noUpdate();
    if (!problems.isEmpty()) {
      return control.rescheduleAfter(INVALID_RECHECK);
    }
    // A rollout polls its gates and deadlines.
    return plan != null && plan.mode() == Mode.ROLLING
        ? control.rescheduleAfter(ROLLOUT_POLL)
        : control;
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
              EventReason.CredentialsGenerated,
              "Generated credentials in Secret " + name + "; they are never regenerated");
        } catch (KubernetesClientException e) {
          if (ChildWriter.namespaceTerminating(e)) {
            throw new ChildWriter.NamespaceTerminatingException(e);
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

  /** How one reconciliation renders the cluster. */
  enum Mode {
    /** No rollout: every tier at the spec (first install, or the spec is the stable one). */
    STEADY,
    /** A rollout to the spec: tiers up to the current one at the spec, the rest stable. */
    ROLLING,
    /** The spec failed and was rolled back: every tier at the last stable spec. */
    ROLLED_BACK
  }

  /**
   * What this reconciliation aims at.
   *
   * @param want the spec the tiers move to (the last stable spec after a rollback)
   * @param stable the last stable spec, while rolling
   * @param rollout the rollout state (updated in place), or null when there never was one
   */
  record Plan(
      Mode mode,
      ChatchatCluster want,
      ChatchatCluster stable,
      RolloutStatus rollout,
      String revision) {}

  /**
   * A status.lastStableSpec that is not a readable spec (edited through the status subresource, or
   * written by another version) is replaced by the current spec, which then counts as stable;
   * reported by a Warning Event. Without this every reconciliation would fail on it.
   */
  private void repairUnreadableStableSpec(ChatchatCluster cr, Map<String, String> digests) {
    ChatchatClusterStatus s = cr.getStatus();
    String problem = s == null ? null : RolloutPlan.unreadableStableSpec(s.lastStableSpec);
    if (problem == null) {
      return;
    }
    s.lastStableSpec = RolloutPlan.toJson(cr.getSpec());
    s.stableRevision = RolloutPlan.revision(cr.getSpec(), digests);
    events.record(
        cr,
        EventReason.StableSpecRepaired,
        "status.lastStableSpec could not be read ("
            + problem
            + "); the current spec now counts as the stable one, and a rollout in progress is"
            + " not rolled back to the unreadable spec");
  }

  /** Annotate the cluster with a new value of this to roll out a rolled-back spec again. */
  public static final String RETRY_ANNOTATION = "chatchat.io/retry-rollout";

  private Plan plan(ChatchatCluster cr, Map<String, String> digests, Instant now) {
    ChatchatClusterStatus s = cr.getStatus();
    String rev = RolloutPlan.revision(cr.getSpec(), digests);
    RolloutStatus st = s == null || s.rollout == null ? null : s.rollout.copy();
    if (s == null || s.lastStableSpec == null || rev.equals(s.stableRevision)) {
      if (st != null && active(st)) {
        st.phase = RolloutStatus.Phase.Completed;
        st.tier = null;
        st.step = null;
        st.position = null;
        st.message = "The spec is back at the stable revision " + rev;
      }
      return new Plan(Mode.STEADY, cr, null, st, rev);
    }
    ChatchatCluster stable =
        RolloutPlan.withSpec(
            cr,
            RolloutPlan.stableWithCurrentScale(
                RolloutPlan.fromJson(s.lastStableSpec), cr.getSpec()));
    String retry =
        cr.getMetadata().getAnnotations() == null
            ? null
            : cr.getMetadata().getAnnotations().get(RETRY_ANNOTATION);
    boolean retried = retry != null && !retry.equals(st == null ? null : st.retryToken);
    if (st != null
        && st.phase == RolloutStatus.Phase.RolledBack
        && rev.equals(st.failedRevision)
        && !retried) {
      return new Plan(Mode.ROLLED_BACK, stable, null, st, rev);
    }
    if (st == null || !rev.equals(st.revision) || !active(st) || retried) {
      String token = retried ? retry : (st == null ? null : st.retryToken);
      String failed = st == null ? null : st.failedRevision;
      st = new RolloutStatus();
      st.phase = RolloutStatus.Phase.Progressing;
      st.revision = rev;
      st.tier = RolloutStatus.Tier.Preflight;
      st.stepStartedAt = now.toString();
      st.retryToken = token;
      st.failedRevision = failed;
      st.message =
          (retried ? "Retrying the rollout of revision " : "Rolling out revision ")
              + rev
              + " (from "
              + s.stableRevision
              + ")";
      events.record(cr, EventReason.RolloutStarted, st.message);
      metrics.rollout("started");
    }
    return new Plan(Mode.ROLLING, cr, stable, st, rev);
  }

  /**
   * Digest of each Secret a spec references, by name; a Secret that is gone (a stable spec may name
   * one the user has since deleted) digests as empty.
   */
  static Map<String, String> secretDigests(ChatchatCluster c, Function<String, Secret> lookup) {
    Map<String, String> digests = new HashMap<>();
    for (SecretKeyRef ref : ChatchatSettings.referencedSecretKeys(c)) {
      Secret secret = lookup.apply(ref.name);
      digests.put(ref.name, ConfigHash.digest(secret == null ? null : secret.getData()));
    }
    return digests;
  }

  private static boolean active(RolloutStatus st) {
    return st.phase == RolloutStatus.Phase.Progressing
        || st.phase == RolloutStatus.Phase.Paused
        || st.phase == RolloutStatus.Phase.WaitingForGPU;
  }

  /**
   * Applies every child in dependency order: settings, stores and model servers first; then the
   * driver preflight and the table initialisation of this Chatchat version; the chat tier only once
   * both passed; the knowledge-base build once the embedding service is ready. While rolling, the
   * tiers after the current one keep the last stable spec, and the current one moves under its gate
   * (see {@link #advance}).
   */
  private Observed applyAll(
      Plan plan,
      Function<String, Secret> lookup,
      Context<ChatchatCluster> context,
      List<Problem> problems,
      Instant now) {
    ChatchatCluster cr = plan.want();
    ChatchatClusterSpec spec = cr.getSpec();
    boolean rolling = plan.mode() == Mode.ROLLING;
    RolloutStatus st = plan.rollout();
    ChatchatCluster stable = plan.stable();
    RolloutStatus.Tier tier = rolling ? st.tier : RolloutStatus.Tier.Done;
    Function<RolloutStatus.Tier, ChatchatCluster> at =
        t -> !rolling || t.ordinal() <= tier.ordinal() ? cr : stable;
    // Each spec hashes the Secrets it references itself: the stable spec (rolling or rolled back)
    // may reference others than the current one.
    String configHash = ConfigHash.of(cr, secretDigests(cr, lookup));

    Deployment llm = secondary(context, Deployment.class, Names.llm(cr));
    Deployment embedding = secondary(context, Deployment.class, Names.embedding(cr));
    Deployment liveApi = secondary(context, Deployment.class, Names.api(cr));
    Deployment liveCanary = secondary(context, Deployment.class, Names.apiCanary(cr));
    Deployment liveWriter = secondary(context, Deployment.class, Names.knowledgeBaseWriter(cr));
    Deployment liveWebui = secondary(context, Deployment.class, Names.webui(cr));

    List<HasMetadata> infra = new ArrayList<>();
    infra.add(KnowledgeBaseClaim.build(cr));
    infra.add(SettingsConfigMap.build(cr, configHash));
    List<HasMetadata> stores = Stores.desired(at.apply(RolloutStatus.Tier.Stores));
    infra.addAll(stores);
    infra.addAll(Scaling.storePolicies(cr));
    List<HasMetadata> models =
        ModelServers.desired(
            at.apply(RolloutStatus.Tier.Models), replicasOf(llm), replicasOf(embedding));
    String gpuWait = null;
    if (rolling && tier == RolloutStatus.Tier.Models) {
      gpuWait = gpuAware(cr, stable, models, context);
    }
    infra.addAll(models);
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
    // The stable pods' settings stay while they run.
    String stableConfigHash = rolling ? ConfigHash.of(stable, secretDigests(stable, lookup)) : null;
    String stableApiHash =
        rolling
            ? stableHash(liveApi, stableConfigHash, h -> ApiComponent.deployment(stable, h))
            : null;
    if (rolling && stableApiHash != null && !stableApiHash.equals(configHash)) {
      infra.add(SettingsConfigMap.build(stable, stableApiHash));
    }
    writer.apply(infra, context, problems);
    writer.applyRoutes(cr, problems);
    if (plan.mode() == Mode.ROLLED_BACK) {
      forceStoreRollback(stores, context);
    }

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
      if (preflight.state() == GateState.FAILED && rolling) {
        preflight =
            new Gate(
                GateState.FAILED,
                "the image "
                    + spec.image
                    + " cannot import the drivers this spec needs ("
                    + String.join(", ", modules)
                    + "): "
                    + preflight.message());
      }
      if (preflight.state() == GateState.FAILED && !rolling) {
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

    ChatchatCluster initCr = at.apply(RolloutStatus.Tier.Init);
    String initConfigHash = initCr == cr ? configHash : stableConfigHash;
    Gate init = Gate.NOT_NEEDED;
    if (initCr.getSpec().initJob
        && initCr.getSpec().metadataStore.type != MetadataStoreSpec.Type.SQLite) {
      if (!preflightOk && initCr == cr) {
        init = new Gate(GateState.WAITING, "Waiting for the driver preflight");
      } else if (initCr.getSpec().metadataStore.type == MetadataStoreSpec.Type.Managed
          && !ready(db)) {
        init = new Gate(GateState.WAITING, "Waiting for the database " + Names.database(cr));
      } else {
        String dbSecret = Endpoints.databaseUri(initCr).name;
        init =
            jobGate(
                initCr,
                context,
                ChatchatJobs.init(
                    initCr,
                    ChatchatJobs.initHash(
                        initCr, secretDigests(initCr, lookup).getOrDefault(dbSecret, "")),
                    initConfigHash,
                    !rolling),
                "Creating the database tables for " + initCr.getSpec().image,
                "Tables created and verified for " + initCr.getSpec().image,
                problems);
      }
    }
    boolean initOk = init.state() == GateState.NOT_NEEDED || init.state() == GateState.SUCCEEDED;

    // The chat tier.
    List<HasMetadata> chat = new ArrayList<>();
    boolean apiDone = false;
    String failure = null;
    boolean stepAdvanced = false;
    if (rolling && tier.ordinal() < RolloutStatus.Tier.API.ordinal()) {
      // Not there yet: the stable pods at full strength; a canary of an earlier target goes once
      // they serve.
      chat.addAll(stableChat(stable, stableConfigHash, true, liveApi, liveWriter, liveWebui));
    } else if (rolling && tier == RolloutStatus.Tier.API) {
      chat.addAll(stableChat(stable, stableConfigHash, false, liveApi, liveWriter, liveWebui));
      ApiCanary.Outcome o =
          canary.step(
              cr,
              configHash,
              stable,
              stableApiHash,
              st,
              liveApi,
              liveCanary,
              context.getSecondaryResources(Pod.class).stream().toList());
      chat.addAll(o.apply());
      apiDone = o.done();
      failure = o.failure();
      stepAdvanced = o.advanced();
    } else if (rolling || (preflightOk && initOk)) {
      // Steady, rolled back, or rolling past the API tier: the whole chat tier at the spec.
      if (ApiComponent.singleWriter(cr)) {
        chat.add(ApiComponent.writer(cr, configHash));
      }
      chat.add(ApiComponent.deployment(cr, configHash));
      if (spec.webui.enabled) {
        chat.add(WebUiComponent.deployment(cr, configHash));
      }
    }
    if (!(rolling && tier == RolloutStatus.Tier.API) && liveCanary != null) {
      // A canary outside its step (rolled back, or the spec changed): it serves until the
      // stable Deployment does at full strength.
      Deployment api =
          chat.stream()
              .filter(
                  o -> o instanceof Deployment && Names.api(cr).equals(o.getMetadata().getName()))
              .map(Deployment.class::cast)
              .findFirst()
              .orElse(null);
      if (api != null && ReconcileSupport.settled(api, liveApi)) {
        LOG.info(
            "deleting the API canary of {}: the stable pods serve", cr.getMetadata().getName());
        ReconcileSupport.delete(client, liveCanary);
      }
    }
    writer.apply(chat, context, problems);

    Gate build = Gate.NOT_NEEDED;
    if (spec.knowledgeBase.build.enabled) {
      if (rolling) {
        build = new Gate(GateState.WAITING, "Waiting for the rollout to finish");
      } else if (!initOk || !preflightOk) {
        build = new Gate(GateState.WAITING, "Waiting for the initialisation");
      } else if (spec.embedding.tei != null && !ready(embedding)) {
        build = new Gate(GateState.WAITING, "Waiting for the embedding service");
      } else if (ApiComponent.singleWriter(cr) && !ready(liveWriter)) {
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

    List<HasMetadata> kept = new ArrayList<>(infra);
    kept.addAll(chat);
    writer.prune(cr, context, kept);

    if (rolling) {
      advance(
          plan,
          now,
          preflight,
          init,
          stores,
          models,
          chat,
          gpuWait,
          apiDone,
          stepAdvanced,
          failure,
          context);
    }
    return observe(cr, context, preflight, init, build, db, llm, embedding, liveWriter);
  }

  /**
   * A StatefulSet does not replace a pod of a bad revision that never became Ready, even once its
   * template is reverted (Kubernetes' "forced rollback"): after a rollback the operator deletes
   * such pods, and the StatefulSet recreates them at the stable revision.
   */
  private void forceStoreRollback(List<HasMetadata> stores, Context<ChatchatCluster> context) {
    for (HasMetadata o : stores) {
      if (!(o instanceof StatefulSet want)) {
        continue;
      }
      StatefulSet live = secondary(context, StatefulSet.class, want.getMetadata().getName());
      if (live == null
          || live.getStatus() == null
          || live.getStatus().getUpdateRevision() == null
          || !ReconcileSupport.sameTemplate(want, live)) {
        continue;
      }
      String revision = live.getStatus().getUpdateRevision();
      Map<String, String> selector = live.getSpec().getSelector().getMatchLabels();
      for (Pod pod : context.getSecondaryResources(Pod.class)) {
        Map<String, String> l = pod.getMetadata().getLabels();
        if (l != null
            && l.entrySet().containsAll(selector.entrySet())
            && l.get("controller-revision-hash") != null
            && !revision.equals(l.get("controller-revision-hash"))
            && !ReconcileSupport.podReady(pod)) {
          LOG.info(
              "deleting store pod {}/{} of a rolled-back revision that is not Ready",
              pod.getMetadata().getNamespace(),
              pod.getMetadata().getName());
          ReconcileSupport.delete(client, pod);
        }
      }
    }
  }

  /**
   * The chat tier at the last stable spec, on the config hashes its pods run (the API Deployment
   * only {@code withApi}).
   */
  private static List<HasMetadata> stableChat(
      ChatchatCluster stable,
      String computed,
      boolean withApi,
      Deployment liveApi,
      Deployment liveWriter,
      Deployment liveWebui) {
    List<HasMetadata> chat = new ArrayList<>();
    if (ApiComponent.singleWriter(stable)) {
      chat.add(
          ApiComponent.writer(
              stable, stableHash(liveWriter, computed, h -> ApiComponent.writer(stable, h))));
    }
    if (withApi) {
      chat.add(
          ApiComponent.deployment(
              stable, stableHash(liveApi, computed, h -> ApiComponent.deployment(stable, h))));
    }
    if (stable.getSpec().webui.enabled) {
      chat.add(
          WebUiComponent.deployment(
              stable, stableHash(liveWebui, computed, h -> WebUiComponent.deployment(stable, h))));
    }
    return chat;
  }

  /**
   * The config hash of a stable Chatchat Deployment: the one its live pods run when the stable spec
   * renders exactly its live template with it (a rotated Secret must not roll the old pods), else
   * the stable spec's own.
   */
  private static String stableHash(
      Deployment live, String computed, Function<String, Deployment> render) {
    String hash = liveHash(live, null);
    if (hash != null
        && !hash.equals(computed)
        && ReconcileSupport.sameTemplate(render.apply(hash), live)) {
      return hash;
    }
    return computed;
  }

  /** The config hash a live Chatchat Deployment's pods run, else the fallback. */
  private static String liveHash(Deployment live, String fallback) {
    if (live == null
        || live.getSpec().getTemplate().getMetadata().getAnnotations() == null
        || !live.getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .containsKey(ConfigHash.ANNOTATION)) {
      return fallback;
    }
    return live.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION);
  }

  /**
   * Before a GPU tier replaces pods: surge one pod when an eligible node has the GPUs for it; else,
   * by the CR's policy, replace one at a time (more than one replica) or hold the tier at the
   * stable spec. Returns why the tier waits, or null. A tier already rolling keeps its strategy.
   */
  private String gpuAware(
      ChatchatCluster cr,
      ChatchatCluster stable,
      List<HasMetadata> models,
      Context<ChatchatCluster> context) {
    List<Node> nodes = null;
    List<Pod> pods = null;
    String wait = null;
    for (int i = 0; i < models.size(); i++) {
      if (!(models.get(i) instanceof Deployment want)) {
        continue;
      }
      Deployment live = secondary(context, Deployment.class, want.getMetadata().getName());
      String resource = gpuResource(cr.getSpec(), want);
      long gpus = GpuCapacity.requested(want.getSpec().getTemplate().getSpec(), resource);
      if (live == null || gpus == 0) {
        continue;
      }
      if (ReconcileSupport.sameTemplate(want, live)) {
        // Rolling already: keep the strategy it started with.
        want.getSpec().setStrategy(live.getSpec().getStrategy());
        continue;
      }
      if (nodes == null) {
        // Free GPUs are counted over the whole cluster, once per reconciliation.
        nodes = client.nodes().list().getItems();
        pods = client.pods().inAnyNamespace().list().getItems();
      }
      if (GpuCapacity.fitsOneMore(nodes, pods, want.getSpec().getTemplate().getSpec(), resource)) {
        continue;
      }
      int replicas = want.getSpec().getReplicas();
      if (cr.getSpec().rollout.whenNoFreeGpu == RolloutSpec.GpuPolicy.ReplaceOneAtATime
          && replicas > 1) {
        ModelServers.replaceOneAtATime(want);
        events.record(
            cr,
            EventReason.ReplacingOneAtATime,
            want.getMetadata().getName()
                + ": no eligible node has "
                + gpus
                + " free "
                + resource
                + " for an extra pod; replacing its "
                + replicas
                + " pods one at a time (whenNoFreeGpu: ReplaceOneAtATime)");
        continue;
      }
      // Hold this server at the stable spec.
      for (HasMetadata o : ModelServers.desired(stable, replicasOf(live), replicasOf(live))) {
        if (o instanceof Deployment
            && o.getMetadata().getName().equals(want.getMetadata().getName())) {
          models.set(i, o);
        }
      }
      wait =
          want.getMetadata().getName()
              + " needs "
              + gpus
              + " free "
              + resource
              + " on one eligible node to start a new pod before an old one stops, and no node"
              + " has them"
              + (replicas > 1
                  ? "; whenNoFreeGpu is Wait"
                  : "; with 1 replica, replacing the pod in place would stop the service")
              + ". Free GPUs (or add nodes) and the rollout continues"
              + (replicas > 1 ? ", or set rollout.whenNoFreeGpu: ReplaceOneAtATime" : "");
    }
    return wait;
  }

  /**
   * Moves the rollout on: the current tier done → the next one; a failed gate or a missed deadline
   * → back to the last stable spec. Pausing holds everything where it is.
   */
  private void advance(
      Plan plan,
      Instant now,
      Gate preflight,
      Gate init,
      List<HasMetadata> stores,
      List<HasMetadata> models,
      List<HasMetadata> chat,
      String gpuWait,
      boolean apiDone,
      boolean stepAdvanced,
      String failure,
      Context<ChatchatCluster> context) {
    ChatchatCluster cr = plan.want();
    RolloutStatus st = plan.rollout();
    int deadline = cr.getSpec().rollout.stepDeadlineSeconds;
    if (cr.getSpec().rollout.paused) {
      if (st.phase != RolloutStatus.Phase.Paused) {
        st.phase = RolloutStatus.Phase.Paused;
        events.record(cr, EventReason.RolloutPaused, "Rollout paused at " + position(st));
      }
      st.position = position(st);
      return;
    }
    if (st.phase == RolloutStatus.Phase.Paused) {
      st.phase = RolloutStatus.Phase.Progressing;
      st.stepStartedAt = now.toString();
      events.record(cr, EventReason.RolloutResumed, "Rollout resumed at " + position(st));
    }
    if (gpuWait != null) {
      if (st.phase != RolloutStatus.Phase.WaitingForGPU) {
        events.record(cr, EventReason.InsufficientGPU, gpuWait);
      }
      st.phase = RolloutStatus.Phase.WaitingForGPU;
      st.message = gpuWait;
      st.position = position(st);
      return;
    }
    if (st.phase == RolloutStatus.Phase.WaitingForGPU) {
      st.phase = RolloutStatus.Phase.Progressing;
      st.stepStartedAt = now.toString();
    }

    String failed = failure;
    boolean done = false;
    String detail = null;
    switch (st.tier) {
      case Preflight -> {
        if (preflight.state() == GateState.FAILED) {
          failed = "driver preflight: " + preflight.message();
        }
        done =
            preflight.state() == GateState.NOT_NEEDED || preflight.state() == GateState.SUCCEEDED;
        detail = preflight.message();
      }
      case Stores -> {
        done = allSettled(stores, context);
        detail = "stores not rolled and Ready yet";
        String window = singleReplicaStoreWindow(stores, context);
        if (window != null && !window.equals(st.message)) {
          events.record(cr, EventReason.DisruptionWindow, window);
        }
        if (window != null) {
          st.message = window;
        }
      }
      case Models -> {
        done = allSettled(models, context);
        detail = "model servers not rolled and Ready yet";
        if (!done) {
          st.message = "Model servers: rolling to the new spec";
        }
      }
      case Init -> {
        if (init.state() == GateState.FAILED) {
          failed = "initialisation: " + init.message();
        }
        done = init.state() == GateState.NOT_NEEDED || init.state() == GateState.SUCCEEDED;
        detail = init.message();
      }
      case API -> {
        done = apiDone;
        detail = st.message;
        if (stepAdvanced) {
          events.record(cr, EventReason.CanaryStepPassed, st.message);
          st.stepStartedAt = now.toString();
        }
      }
      case WebUI -> {
        List<HasMetadata> rest =
            chat.stream().filter(o -> !o.getMetadata().getName().equals(Names.api(cr))).toList();
        done = allSettled(rest, context);
        detail = "WebUI or knowledge-base writer not rolled and Ready yet";
      }
      default -> done = true;
    }
    if (failed == null
        && !done
        && Instant.parse(st.stepStartedAt).plusSeconds(deadline).isBefore(now)) {
      failed =
          st.tier
              + (st.step != null && st.tier == RolloutStatus.Tier.API
                  ? " step " + st.step + "/" + st.steps
                  : "")
              + " did not finish within its deadline of "
              + deadline
              + "s"
              + (detail == null ? "" : ": " + detail);
    }
    if (failed != null) {
      st.phase = RolloutStatus.Phase.RolledBack;
      st.failedRevision = st.revision;
      st.message =
          "Rollout of revision "
              + st.revision
              + " failed at "
              + position(st)
              + ": "
              + failed
              + ". Rolled back to revision "
              + cr.getStatus().stableRevision;
      st.position = position(st);
      events.record(cr, EventReason.RolloutFailed, st.message);
      metrics.rollout("rolled_back");
      return;
    }
    if (done) {
      RolloutStatus.Tier next = RolloutStatus.Tier.values()[st.tier.ordinal() + 1];
      st.tier = next;
      st.stepStartedAt = now.toString();
      if (next != RolloutStatus.Tier.API) {
        st.step = null;
        st.steps = null;
      }
      if (next == RolloutStatus.Tier.Done) {
        st.phase = RolloutStatus.Phase.Completed;
        st.message = "Revision " + st.revision + " rolled out to every tier";
        st.position = null;
        events.record(cr, EventReason.RolloutCompleted, st.message);
        metrics.rollout("completed");
        return;
      }
    }
    st.position = position(st);
  }

  private static String position(RolloutStatus st) {
    if (st.tier == null) {
      return null;
    }
    if (st.tier == RolloutStatus.Tier.API && st.step != null && st.steps != null) {
      return st.step > st.steps ? "API promote" : "API " + st.step + "/" + st.steps;
    }
    return st.tier.name();
  }

  private static boolean allSettled(List<HasMetadata> desired, Context<ChatchatCluster> context) {
    for (HasMetadata o : desired) {
      if (o instanceof Deployment || o instanceof StatefulSet) {
        HasMetadata live = secondary(context, o.getClass(), o.getMetadata().getName());
        if (!ReconcileSupport.settled(o, live)) {
          return false;
        }
      }
    }
    return true;
  }

  /** A store whose only pod is being replaced: its clients lose it for a while. Not hidden. */
  private static String singleReplicaStoreWindow(
      List<HasMetadata> stores, Context<ChatchatCluster> context) {
    for (HasMetadata o : stores) {
      if (o instanceof StatefulSet want && want.getSpec().getReplicas() == 1) {
        StatefulSet live = secondary(context, StatefulSet.class, want.getMetadata().getName());
        if (live != null && !ReconcileSupport.settled(want, live)) {
          return "Disruption window: "
              + want.getMetadata().getName()
              + " has a single pod, which is being replaced; its clients get errors until the"
              + " new pod is Ready";
        }
      }
    }
    return null;
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

  /** The GPU resource a model server's pod or Deployment requests (by its component label). */
  private static String gpuResource(ChatchatClusterSpec spec, HasMetadata o) {
    String component =
        o.getMetadata().getLabels() == null
            ? null
            : o.getMetadata().getLabels().get(Labels.COMPONENT);
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
      writer.apply(List.of(desired), context, problems);
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
    Integer failed = job.getStatus() == null ? null : job.getStatus().getFailed();
    String retrying =
        failed == null || failed == 0
            ? ""
            : "; attempt "
                + failed
                + " failed, Kubernetes retries with back-off: "
                + terminationMessage(context, name);
    return new Gate(GateState.RUNNING, running + " (Job " + name + retrying + ")");
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
    if (message.length() <= 400) {
      return message;
    }
    // The end of a log (a Python traceback ends with the exception), from a line start.
    String tail = message.substring(message.length() - 400);
    int line = tail.indexOf('\n');
    return line >= 0 && line < tail.length() - 1 ? tail.substring(line + 1) : tail;
  }

  private static boolean isNotFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 404) {
        return true;
      }
    }
    return false;
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
      events.record(cr, EventReason.ConfigValid, "The spec is valid again");
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
              cr, EventReason.Ready, "All components are ready (API " + after.apiReady + ")");
          break;
        case Degraded:
          events.record(
              cr,
              EventReason.Degraded,
              Conditions.find(after.conditions, Conditions.DEGRADED).getMessage());
          break;
        case Progressing:
          events.record(
              cr,
              EventReason.Progressing,
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
        "The operator could not reconcile (it retries with back-off): "
            + (message.length() > 500 ? message.substring(0, 500) : message),
        cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration(),
        Instant.now());
    status.phase = ChatchatClusterStatus.Phase.Degraded;
    Condition ready = Conditions.find(status.conditions, Conditions.READY);
    Condition before = Conditions.find(prev, Conditions.READY);
    if (before == null || !Objects.equals(before.getMessage(), ready.getMessage())) {
      events.record(cr, EventReason.ReconcileError, ready.getMessage());
    }
    return ErrorStatusUpdateControl.patchStatus(statusPatch(cr, status));
  }
}
