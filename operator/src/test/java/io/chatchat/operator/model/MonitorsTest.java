package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PodMonitors for the tiers that serve metrics, and the proxy's policy letting Prometheus in. */
class MonitorsTest {
  @SuppressWarnings("unchecked")
  private static Map<String, Object> endpoint(GenericKubernetesResource o) {
    Map<String, Object> spec = (Map<String, Object>) o.getAdditionalProperties().get("spec");
    return ((List<Map<String, Object>>) spec.get("podMetricsEndpoints")).get(0);
  }

  @Test
  void offByDefaultThenOnePodMonitorPerServingTier() {
    ChatchatCluster c = TestClusters.managed();
    assertTrue(Monitors.desired(c).isEmpty());
    c.getSpec().monitoring.enabled = true;
    c.getSpec().monitoring.interval = "15s";
    c.getSpec().monitoring.labels.put("release", "kube-prometheus-stack");
    c.getSpec().cache.enabled = true;
    List<GenericKubernetesResource> monitors = Monitors.desired(c);
    assertEquals(
        List.of("demo-llm", "demo-embedding", "demo-cache-proxy"),
        monitors.stream().map(m -> m.getMetadata().getName()).toList());
    GenericKubernetesResource llm = monitors.get(0);
    assertEquals("monitoring.coreos.com/v1", llm.getApiVersion());
    assertEquals("PodMonitor", llm.getKind());
    assertEquals("kube-prometheus-stack", llm.getMetadata().getLabels().get("release"));
    assertEquals("chatchat-operator", llm.getMetadata().getLabels().get(Labels.MANAGED_BY));
    assertEquals(1, llm.getMetadata().getOwnerReferences().size());
    assertEquals(
        Map.of("matchLabels", Labels.selector(c, Labels.COMPONENT_LLM)),
        ((Map<?, ?>) llm.getAdditionalProperties().get("spec")).get("selector"));
    assertEquals("http", endpoint(llm).get("port"));
    assertEquals("/metrics", endpoint(llm).get("path"));
    assertEquals("15s", endpoint(llm).get("interval"));
    assertEquals("/metrics/", endpoint(monitors.get(2)).get("path"), "LiteLLM's path");
    assertEquals(
        List.of(
            Map.of(
                "action",
                "replace",
                "sourceLabels",
                List.of("__meta_kubernetes_pod_label_app_kubernetes_io_instance"),
                "targetLabel",
                "chatchat_cluster"),
            Map.of(
                "action",
                "replace",
                "sourceLabels",
                List.of("__meta_kubernetes_pod_label_app_kubernetes_io_component"),
                "targetLabel",
                "chatchat_component")),
        endpoint(llm).get("relabelings"));
  }

  @Test
  void externalModelsHaveNoMonitor() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().monitoring.enabled = true;
    assertTrue(Monitors.desired(c).isEmpty());
  }

  @Test
  void theCacheProxyAdmitsTheScraperOnlyWithMonitoringOn() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().cache.enabled = true;
    NetworkPolicyPeer prometheus =
        new NetworkPolicyPeerBuilder()
            .withNewNamespaceSelector()
            .withMatchLabels(Map.of("kubernetes.io/metadata.name", "monitoring"))
            .endNamespaceSelector()
            .build();
    c.getSpec().monitoring.scrapeFrom.add(prometheus);
    assertEquals(1, peers(c).size(), "monitoring off: Chatchat's pods only");
    c.getSpec().monitoring.enabled = true;
    assertEquals(2, peers(c).size());
    assertEquals(prometheus, peers(c).get(1));
  }

  private static List<NetworkPolicyPeer> peers(ChatchatCluster c) {
    return Scaling.storePolicies(c).stream()
        .map(NetworkPolicy.class::cast)
        .filter(p -> p.getMetadata().getName().equals(Names.cacheProxy(c)))
        .findFirst()
        .orElseThrow()
        .getSpec()
        .getIngress()
        .get(0)
        .getFrom();
  }
}
