package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.CacheStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.gates.VersionGates;
import io.chatchat.operator.model.AnswerCache;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ConfigHash;
import io.chatchat.operator.model.KnowledgeBaseClaim;
import io.chatchat.operator.model.ModelScalers;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Monitors;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.Scaling;
import io.chatchat.operator.model.SettingsConfigMap;
import io.chatchat.operator.model.Stores;
import io.chatchat.operator.model.WebUiComponent;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.tier.TierProgress;
import io.chatchat.operator.rollout.tier.TierProgress.ApiProgress;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.status.Observed;
import io.chatchat.operator.status.RolloutMode;
import io.chatchat.operator.status.RolloutView;
import io.chatchat.operator.status.StatusComputer;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything one pass writes, decided before anything is written: settings, stores and model
 * servers first; the driver preflight and the table initialisation of this Chatchat version; the
 * chat tier only once both passed (or, while rolling, at the spec each tier renders); the canary;
 * and what the rollout's state machine needs to know of every tier. Pure.
 *
 * @param configHash the config hash of the spec the tiers move to
 * @param infra the objects applied first (claim, settings, stores, model servers, Services);
 *     PodDisruptionBudgets, NetworkPolicies and Ingresses are the JOSDK dependents' own
 * @param storePodsToDelete pods of a rolled-back store revision that never got Ready
 * @param chat the API, writer and WebUI Deployments
 * @param canaryToDelete the API canary, once the stable pods serve (null: keep it)
 * @param canary what the API canary decided (null outside the API tier)
 * @param notices what the GPU surge policy tells
 * @param cache the answer cache's epoch and mode, for the status (null when it is off)
 * @param extras objects of optional APIs (PodMonitors, KEDA ScaledObjects), which have no informer
 * @param capabilities which of those APIs the API server serves
 */
public record DesiredState(
    String configHash,
    List<HasMetadata> infra,
    List<Pod> storePodsToDelete,
    VersionGates gates,
    List<HasMetadata> chat,
    Deployment canaryToDelete,
    CanaryStep canary,
    TierProgress progress,
    List<Notice> notices,
    CacheStatus cache,
    List<GenericKubernetesResource> extras,
    ApiCapabilities capabilities) {

  /** Every object the pass keeps (what pruning must not delete). */
  public List<HasMetadata> kept() {
    List<HasMetadata> kept = new ArrayList<>(infra);
    kept.addAll(chat);
    return kept;
  }

  /** What the status is computed from after this pass: the spec the tiers move to, the gates. */
  public StatusComputer.Inputs statusInputs(
      Plan plan, RolloutView view, LiveState live, List<Problem> problems, Instant now) {
    ChatchatCluster shown = plan.want();
    return new StatusComputer.Inputs(
        shown,
        problems,
        live.deployment(Names.api(shown)),
        shown.getSpec().webui.enabled ? live.deployment(Names.webui(shown)) : null,
        Observed.of(shown, live, gates.preflight(), gates.init(), gates.build()),
        view,
        capabilities,
        now);
  }

  /** The model tier is about to roll a GPU server: free GPUs must be counted. */
  public static boolean needsCapacity(Plan plan, LiveState live) {
    return plan.rolling()
        && plan.tier() == Tier.Models
        && GpuSurgePolicy.needsCapacity(models(plan.at(Tier.Models), live), plan.want(), live);
  }

  public static DesiredState decide(
      TierSpecs specs,
      LiveState live,
      SecretsView secrets,
      RolloutInputs inputs,
      ApiCapabilities capabilities) {
    Plan plan = specs.plan();
    ChatchatCluster cr = plan.want();
    List<HasMetadata> stores = Stores.desired(plan.at(Tier.Stores));
    List<HasMetadata> rendered = models(plan.at(Tier.Models), live);
    // In the model tier every pass decides: a server already rolling keeps its strategy.
    GpuSurgePolicy.Decision gpu =
        plan.rolling() && plan.tier() == Tier.Models
            ? GpuSurgePolicy.decide(rendered, cr, live, inputs.capacity())
            : GpuSurgePolicy.Decision.SURGE;
    CacheModes.Decision cache =
        CacheModes.decide(plan, live, gpu.waiting() != null, cacheStatus(cr));
    List<HasMetadata> cacheObjects =
        AnswerCache.desired(
            cache.spec(), cache.mode(), cache.round(), proxySecretsDigest(cache.spec(), secrets));
    boolean cacheSettled = Readiness.allSettled(cacheObjects, live);
    // The LLM waits until no proxy stores answers any more: none may be kept from the new model
    // under the old epoch.
    boolean holdLlm = CacheModes.llmWaitsForProxy(plan, cache.mode()) && !cacheSettled;
    List<HasMetadata> models =
        withGpuPolicy(rendered, gpu.holding(holdLlm ? Names.llm(cr) : null), plan, live);
    ModelScalers.Scalers scalers =
        ModelScalers.desired(
            plan.at(Tier.Models),
            new ModelScalers.Inputs(
                capabilities, rollingModelServers(plan, models, live), liveHpas(live)));
    List<HasMetadata> infra = infra(specs, stores, models, cacheObjects);
    infra.addAll(scalers.hpas());
    List<GenericKubernetesResource> extras = new ArrayList<>();
    if (capabilities.podMonitors()) {
      extras.addAll(Monitors.desired(cr));
    }
    extras.addAll(scalers.scaledObjects());
    VersionGates gates = VersionGates.evaluate(specs, live, secrets);
    CanaryStep canary =
        plan.rolling() && plan.tier() == Tier.API ? canary(specs, live, inputs) : null;
    List<HasMetadata> chat = chat(specs, gates, canary, live);
    TierProgress progress =
        new TierProgress(
            gates.preflight(),
            gates.init(),
            Readiness.allSettled(stores, live),
            StoreRollback.singlePodWindow(stores, live),
            Readiness.allSettled(models, live) && !holdLlm,
            cacheSettled,
            canary == null
                ? ApiProgress.NONE
                : new ApiProgress(canary.done(), canary.advanced(), canary.failure()),
            Readiness.allSettled(
                chat.stream()
                    .filter(o -> !o.getMetadata().getName().equals(Names.api(cr)))
                    .toList(),
                live),
            gpu.waiting());
    return new DesiredState(
        specs.configHash(),
        infra,
        plan.mode() == RolloutMode.ROLLED_BACK
            ? StoreRollback.podsToDelete(stores, live)
            : List.of(),
        gates,
        chat,
        canaryToDelete(specs, chat, canary, live),
        canary,
        progress,
        gpu.notices(),
        cache.spec().getSpec().cache.enabled ? cache.status() : null,
        extras,
        capabilities);
  }

  private static Set<String> liveHpas(LiveState live) {
    Set<String> names = new HashSet<>();
    for (HorizontalPodAutoscaler h : live.all(HorizontalPodAutoscaler.class)) {
      names.add(h.getMetadata().getName());
    }
    return names;
  }

  /**
   * The model Deployments a rollout is rolling (in the Models tier, not yet at their template and
   * Ready): their autoscaler must not take a pod away meanwhile.
   */
  private static Set<String> rollingModelServers(
      Plan plan, List<HasMetadata> models, LiveState live) {
    if (!plan.rolling() || plan.tier() != Tier.Models) {
      return Set.of();
    }
    Set<String> rolling = new HashSet<>();
    for (HasMetadata o : models) {
      if (o instanceof Deployment && !Readiness.allSettled(List.of(o), live)) {
        rolling.add(o.getMetadata().getName());
      }
    }
    return rolling;
  }

  private static CacheStatus cacheStatus(ChatchatCluster cr) {
    return cr.getStatus() == null ? null : cr.getStatus().cache;
  }

  /** A digest of the Secrets the cache's proxy reads ("" when it reads none). */
  private static String proxySecretsDigest(ChatchatCluster cr, SecretsView secrets) {
    if (!cr.getSpec().cache.enabled) {
      return "";
    }
    StringBuilder digests = new StringBuilder();
    for (var ref : AnswerCache.proxySecrets(cr)) {
      var secret = secrets.get(ref.name);
      digests.append(ConfigHash.digest(secret == null ? null : secret.getData()));
    }
    return digests.isEmpty() ? "" : "-" + ConfigHash.sha256(digests.toString()).substring(0, 12);
  }

  private static List<HasMetadata> models(ChatchatCluster cr, LiveState live) {
    return ModelServers.desired(
        cr,
        LiveState.replicasOf(live.deployment(Names.llm(cr))),
        LiveState.replicasOf(live.deployment(Names.embedding(cr))));
  }

  /** The model servers with the strategies the policy chose; held ones at the stable spec. */
  private static List<HasMetadata> withGpuPolicy(
      List<HasMetadata> models, GpuSurgePolicy.Decision gpu, Plan plan, LiveState live) {
    List<HasMetadata> out = new ArrayList<>();
    for (HasMetadata o : models) {
      String name = o.getMetadata().getName();
      if (o instanceof Deployment d && gpu.held().contains(name)) {
        Integer replicas = LiveState.replicasOf(live.deployment(name));
        ModelServers.desired(plan.stable(), replicas, replicas).stream()
            .filter(s -> s instanceof Deployment && s.getMetadata().getName().equals(name))
            .findFirst()
            .ifPresentOrElse(out::add, () -> out.add(d));
      } else if (o instanceof Deployment d && gpu.strategies().containsKey(name)) {
        out.add(ModelServers.withStrategy(d, gpu.strategies().get(name)));
      } else {
        out.add(o);
      }
    }
    return out;
  }

  private static List<HasMetadata> infra(
      TierSpecs specs,
      List<HasMetadata> stores,
      List<HasMetadata> models,
      List<HasMetadata> cache) {
    ChatchatCluster cr = specs.plan().want();
    List<HasMetadata> infra = new ArrayList<>();
    infra.add(KnowledgeBaseClaim.build(cr));
    infra.add(SettingsConfigMap.build(cr, specs.configHash()));
    infra.addAll(stores);
    infra.addAll(models);
    infra.addAll(cache);
    if (cr.getSpec().api.autoscaling.enabled) {
      infra.add(Scaling.apiAutoscaler(cr));
    }
    infra.add(ApiComponent.service(cr));
    if (ApiComponent.singleWriter(cr)) {
      infra.add(ApiComponent.writerService(cr));
    }
    if (cr.getSpec().webui.enabled) {
      infra.add(WebUiComponent.service(cr));
    }
    if (specs.keepsStableSettings()) {
      // The stable pods' settings stay while they run.
      infra.add(SettingsConfigMap.build(specs.plan().stable(), specs.stableApiHash()));
    }
    return infra;
  }

  private static CanaryStep canary(TierSpecs specs, LiveState live, RolloutInputs inputs) {
    Plan plan = specs.plan();
    ChatchatCluster cr = plan.want();
    return ApiCanary.step(
        new ApiCanary.Inputs(
            cr,
            specs.configHash(),
            plan.stable(),
            specs.stableApiHash(),
            plan.rollout(),
            live.deployment(Names.api(cr)),
            live.deployment(Names.apiCanary(cr)),
            live.pods(),
            inputs.readyEndpoints(),
            inputs.smoke()));
  }

  /** The chat tier: the stable pods before the API tier, the canary in it, the spec after it. */
  private static List<HasMetadata> chat(
      TierSpecs specs, VersionGates gates, CanaryStep canary, LiveState live) {
    Plan plan = specs.plan();
    if (plan.rolling() && plan.tier().ordinal() < Tier.API.ordinal()) {
      return specs.stableChat(true, live);
    }
    if (canary != null) {
      List<HasMetadata> chat = new ArrayList<>(specs.stableChat(false, live));
      chat.addAll(canary.apply());
      return chat;
    }
    return plan.rolling() || gates.chatMayStart() ? specs.targetChat() : List.of();
  }

  /**
   * A canary outside its step (rolled back, or the spec changed) serves until the stable Deployment
   * does at full strength; in its step, the canary says when it goes.
   */
  private static Deployment canaryToDelete(
      TierSpecs specs, List<HasMetadata> chat, CanaryStep canary, LiveState live) {
    ChatchatCluster cr = specs.plan().want();
    Deployment liveCanary = live.deployment(Names.apiCanary(cr));
    if (liveCanary == null) {
      return null;
    }
    if (canary != null) {
      return canary.deleteCanary() ? liveCanary : null;
    }
    Deployment api =
        chat.stream()
            .filter(o -> o instanceof Deployment && Names.api(cr).equals(o.getMetadata().getName()))
            .map(Deployment.class::cast)
            .findFirst()
            .orElse(null);
    return api != null && Readiness.settled(api, live.deployment(Names.api(cr)))
        ? liveCanary
        : null;
  }
}
