package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.ClusterCapacity;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.DesiredState;
import io.chatchat.operator.rollout.Plan;
import io.chatchat.operator.rollout.RolloutInputs;
import io.chatchat.operator.rollout.SmokeGateRunner;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads what a pass decides on: the informer caches once, the Secrets the spec names (GET by name,
 * at most once a pass, and kept a minute per cluster generation: {@link SecretReads}), and what
 * only a rollout step needs (free GPUs, the API Service's ready endpoints, the smoke-gate runs) in
 * the passes that need it.
 */
final class Observer {
  private static final String SERVICE_NAME = "kubernetes.io/service-name";

  private final KubernetesClient client;
  private final SmokeGateRunner smoke;
  private final SecretReads secretReads;
  private final ApiDiscovery discovery;
  private final SharedPreflights preflights;

  Observer(
      KubernetesClient client,
      SmokeGateRunner smoke,
      ApiDiscovery discovery,
      SharedPreflights preflights) {
    this.client = client;
    this.preflights = preflights;
    this.smoke = smoke;
    this.discovery = discovery;
    this.secretReads =
        new SecretReads((ns, name) -> client.secrets().inNamespace(ns).withName(name).get());
  }

  LiveState live(ChatchatCluster cr, Context<ChatchatCluster> context) {
    Map<Class<? extends HasMetadata>, List<?>> cached = new HashMap<>();
    for (Class<? extends HasMetadata> type : ClusterEventSources.TYPES) {
      cached.put(type, context.getSecondaryResources(type).stream().toList());
    }
    return LiveState.of(cached)
        .withSharedPreflights(preflights.sharable(cr, namespaceJobs(cr, context)));
  }

  /**
   * The Job informer's cache of the cluster's namespace: another cluster's preflight Job is no
   * secondary resource of this one.
   */
  @SuppressWarnings("unchecked")
  private static Stream<Job> namespaceJobs(ChatchatCluster cr, Context<ChatchatCluster> context) {
    var source =
        context
            .eventSourceRetriever()
            .getEventSourceFor(Job.class, ClusterEventSources.name(Job.class));
    return source instanceof InformerEventSource<?, ?> informer
        ? ((InformerEventSource<Job, ChatchatCluster>) informer)
            .list(cr.getMetadata().getNamespace(), j -> true)
        : Stream.empty();
  }

  /** Whether the optional kinds this cluster's spec uses are served. */
  ApiCapabilities capabilities(ChatchatCluster cr) {
    return discovery.of(cr);
  }

  SecretsView secrets(ChatchatCluster cr) {
    return new SecretsView(name -> secretReads.get(cr, name));
  }

  RolloutInputs rolloutInputs(Plan plan, LiveState live) {
    if (!plan.rolling()) {
      return RolloutInputs.NONE;
    }
    ClusterCapacity capacity =
        DesiredState.needsCapacity(plan, live)
            ? new ClusterCapacity(
                client.nodes().list().getItems(), client.pods().inAnyNamespace().list().getItems())
            : null;
    if (plan.tier() != Tier.API) {
      return new RolloutInputs(capacity, Set.of(), Map.of());
    }
    return new RolloutInputs(
        capacity, readyEndpoints(plan.want(), live), smoke.runsOf(live.pods()));
  }

  /** Names of the pods that are ready endpoints of the API Service (its cached slices). */
  private static Set<String> readyEndpoints(ChatchatCluster cr, LiveState live) {
    Set<String> ready = new HashSet<>();
    for (EndpointSlice slice : live.all(EndpointSlice.class)) {
      Map<String, String> labels = slice.getMetadata().getLabels();
      if (labels == null || !Names.api(cr).equals(labels.get(SERVICE_NAME))) {
        continue;
      }
      // A slice without endpoints comes as "endpoints": null.
      for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
        if (e.getTargetRef() != null
            && e.getConditions() != null
            && Boolean.TRUE.equals(e.getConditions().getReady())) {
          ready.add(e.getTargetRef().getName());
        }
      }
    }
    return ready;
  }
}
