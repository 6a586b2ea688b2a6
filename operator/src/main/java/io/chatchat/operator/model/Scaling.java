package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ApiAutoscaling;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpecBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Autoscaling of the API tier, disruption budgets, and the stores' network policy. */
public final class Scaling {
  private Scaling() {}

  /** The API tier's HPA. It scales the ChatchatCluster (scale subresource), not the Deployment. */
  public static HorizontalPodAutoscaler apiAutoscaler(ChatchatCluster cr) {
    ApiAutoscaling a = cr.getSpec().api.autoscaling;
    List<MetricSpec> metrics = new ArrayList<>();
    if (a.targetCPUUtilizationPercentage > 0) {
      metrics.add(
          new MetricSpecBuilder()
              .withType("Resource")
              .withNewResource()
              .withName("cpu")
              .withNewTarget()
              .withType("Utilization")
              .withAverageUtilization(a.targetCPUUtilizationPercentage)
              .endTarget()
              .endResource()
              .build());
    }
    metrics.addAll(a.metrics);
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(OwnerRefs.owned(cr, Names.api(cr), Labels.COMPONENT_API))
        .withNewSpec()
        .withNewScaleTargetRef()
        .withApiVersion(cr.getApiVersion())
        .withKind(cr.getKind())
        .withName(cr.getMetadata().getName())
        .endScaleTargetRef()
        .withMinReplicas(a.minReplicas)
        .withMaxReplicas(a.maxReplicas)
        .withMetrics(metrics)
        .withNewBehavior()
        .withNewScaleDown()
        .withStabilizationWindowSeconds(a.scaleDownStabilizationSeconds)
        .addNewPolicy()
        .withType("Pods")
        .withValue(1)
        .withPeriodSeconds(120)
        .endPolicy()
        .endScaleDown()
        .endBehavior()
        .endSpec()
        .build();
  }

  /**
   * PodDisruptionBudgets: a voluntary eviction (node drain, cluster upgrade) takes at most one pod
   * of a tier at a time. Only tiers that can have more than one pod get one for the chat and model
   * tiers; the stores always get one, so a drain of a single-replica store is a visible, one-pod
   * disruption rather than an unbounded one.
   */
  public static List<PodDisruptionBudget> budgets(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<PodDisruptionBudget> out = new ArrayList<>();
    int apiMax =
        spec.api.autoscaling.enabled ? spec.api.autoscaling.maxReplicas : spec.api.replicas;
    if (apiMax > 1) {
      out.add(budget(cr, Names.api(cr), Labels.COMPONENT_API));
    }
    if (spec.webui.enabled && spec.webui.replicas > 1) {
      out.add(budget(cr, Names.webui(cr), Labels.COMPONENT_WEBUI));
    }
    if (multi(spec.llm.vllm)) {
      out.add(budget(cr, Names.llm(cr), Labels.COMPONENT_LLM));
    }
    if (multi(spec.embedding.tei)) {
      out.add(budget(cr, Names.embedding(cr), Labels.COMPONENT_EMBEDDING));
    }
    if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed) {
      out.add(budget(cr, Names.database(cr), Labels.COMPONENT_DATABASE));
    }
    if (spec.vectorStore.managed != null) {
      out.add(budget(cr, Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE));
    }
    if (spec.cache.enabled && spec.cache.proxy.replicas > 1) {
      out.add(budget(cr, Names.cacheProxy(cr), Labels.COMPONENT_CACHE_PROXY));
    }
    if (spec.cache.managesStore()) {
      out.add(budget(cr, Names.cacheStore(cr), Labels.COMPONENT_CACHE_STORE));
    }
    return out;
  }

  private static boolean multi(ModelServerSpec m) {
    return m != null && (m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas) > 1;
  }

  static PodDisruptionBudget budget(ChatchatCluster cr, String name, String component) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, component))
        .endSelector()
        .endSpec()
        .build();
  }

  /**
   * The managed stores accept connections only from this cluster's Chatchat pods (and each other,
   * for an Elasticsearch cluster): they run without TLS inside the namespace.
   */
  public static List<HasMetadata> storePolicies(ChatchatCluster cr) {
    List<HasMetadata> out = new ArrayList<>();
    ChatchatClusterSpec spec = cr.getSpec();
    if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed) {
      out.add(storePolicy(cr, Names.database(cr), Labels.COMPONENT_DATABASE));
    }
    if (spec.vectorStore.managed != null) {
      out.add(storePolicy(cr, Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE));
    }
    if (spec.cache.enabled) {
      // Only Chatchat pods reach the proxy; only the proxy reaches the cache store.
      NetworkPolicy proxy =
          onlyFrom(cr, Names.cacheProxy(cr), Labels.COMPONENT_CACHE_PROXY, chatchatPods(cr));
      if (spec.monitoring.enabled) {
        // The Prometheus that scrapes the proxy's /metrics/ (same port as its API).
        proxy.getSpec().getIngress().get(0).getFrom().addAll(spec.monitoring.scrapeFrom);
      }
      out.add(proxy);
    }
    if (spec.cache.managesStore()) {
      out.add(
          onlyFrom(
              cr,
              Names.cacheStore(cr),
              Labels.COMPONENT_CACHE_STORE,
              Labels.selector(cr, Labels.COMPONENT_CACHE_PROXY)));
    }
    return out;
  }

  private static Map<String, String> chatchatPods(ChatchatCluster cr) {
    return Map.of(Labels.INSTANCE, cr.getMetadata().getName(), Labels.STORE_CLIENT, "true");
  }

  /** Ingress to a component's pods only from the pods each of these label sets selects. */
  @SafeVarargs
  static NetworkPolicy onlyFrom(
      ChatchatCluster cr, String name, String component, Map<String, String>... from) {
    List<NetworkPolicyPeer> peers = new ArrayList<>();
    for (Map<String, String> labels : from) {
      peers.add(
          new NetworkPolicyPeerBuilder()
              .withNewPodSelector()
              .withMatchLabels(labels)
              .endPodSelector()
              .build());
    }
    return new NetworkPolicyBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(Labels.selector(cr, component))
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .withFrom(peers)
        .endIngress()
        .endSpec()
        .build();
  }

  /** A store admits this cluster's Chatchat pods and its own peers. */
  static NetworkPolicy storePolicy(ChatchatCluster cr, String name, String component) {
    return onlyFrom(cr, name, component, chatchatPods(cr), Labels.selector(cr, component));
  }
}
