package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.MonitoringSpec;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prometheus Operator PodMonitors for the pods that serve metrics: vLLM ({@code /metrics}),
 * text-embeddings-inference ({@code /metrics}) and the LiteLLM cache proxy ({@code /metrics/}).
 * Chatchat's API and WebUI serve none. Every series gains {@code chatchat_cluster} and {@code
 * chatchat_component}, which the chart's dashboard and the default KEDA queries can filter on.
 */
public final class Monitors {
  public static final String CLUSTER_LABEL = "chatchat_cluster";
  public static final String COMPONENT_LABEL = "chatchat_component";

  private Monitors() {}

  /** A PodMonitor of this cluster: which pods, on which path. */
  private record Target(String name, String component, String path) {}

  /** The PodMonitors the spec asks for (none when monitoring is off). */
  public static List<GenericKubernetesResource> desired(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    if (!spec.monitoring.enabled) {
      return List.of();
    }
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (Target t : targets(cr)) {
      out.add(podMonitor(cr, t, spec.monitoring));
    }
    return out;
  }

  /** Names of every PodMonitor this cluster may have had, to delete those no longer asked for. */
  public static List<String> possibleNames(ChatchatCluster cr) {
    return List.of(Names.llm(cr), Names.embedding(cr), Names.cacheProxy(cr));
  }

  private static List<Target> targets(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<Target> out = new ArrayList<>();
    if (spec.llm.vllm != null) {
      out.add(new Target(Names.llm(cr), Labels.COMPONENT_LLM, "/metrics"));
    }
    if (spec.embedding.tei != null) {
      out.add(new Target(Names.embedding(cr), Labels.COMPONENT_EMBEDDING, "/metrics"));
    }
    if (spec.cache.enabled) {
      // LiteLLM answers /metrics with a redirect to /metrics/.
      out.add(new Target(Names.cacheProxy(cr), Labels.COMPONENT_CACHE_PROXY, "/metrics/"));
    }
    return out;
  }

  private static GenericKubernetesResource podMonitor(
      ChatchatCluster cr, Target t, MonitoringSpec monitoring) {
    ObjectMeta meta = OwnerRefs.owned(cr, t.name(), t.component());
    Map<String, String> labels = new LinkedHashMap<>(monitoring.labels);
    labels.putAll(meta.getLabels());
    meta.setLabels(labels);
    Map<String, Object> endpoint = new LinkedHashMap<>();
    endpoint.put("port", "http");
    endpoint.put("path", t.path());
    endpoint.put("interval", monitoring.interval);
    endpoint.put(
        "relabelings",
        List.of(
            podLabel(Labels.INSTANCE, CLUSTER_LABEL), podLabel(Labels.COMPONENT, COMPONENT_LABEL)));
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("selector", Map.of("matchLabels", Labels.selector(cr, t.component())));
    spec.put("podMetricsEndpoints", List.of(endpoint));
    return OwnerRefs.custom(
        ApiCapabilities.MONITORING_GROUP_VERSION, ApiCapabilities.POD_MONITOR_KIND, meta, spec);
  }

  /** Copies a pod label into a target label of every series. */
  private static Map<String, Object> podLabel(String podLabel, String target) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("action", "replace");
    r.put(
        "sourceLabels",
        List.of("__meta_kubernetes_pod_label_" + podLabel.replaceAll("[^A-Za-z0-9_]", "_")));
    r.put("targetLabel", target);
    return r;
  }
}
