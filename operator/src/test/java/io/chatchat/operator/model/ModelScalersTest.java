package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec.KedaScaling;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The model tiers' scalers: KEDA ScaledObjects when asked for and served, HPAs otherwise. */
class ModelScalersTest {
  private static final ApiCapabilities KEDA = new ApiCapabilities(false, true);

  private static ChatchatCluster bothOnKeda() {
    ChatchatCluster c = TestClusters.managed();
    c.getMetadata().setNamespace("team-a");
    for (var m : List.of(c.getSpec().llm.vllm, c.getSpec().embedding.tei)) {
      m.autoscaling.enabled = true;
      m.autoscaling.minReplicas = 1;
      m.autoscaling.maxReplicas = 4;
      m.autoscaling.keda = new KedaScaling();
      m.autoscaling.keda.serverAddress = "http://prometheus-operated.monitoring.svc:9090";
    }
    return c;
  }

  private static ModelScalers.Inputs inputs(ApiCapabilities caps, Set<String> paused) {
    return new ModelScalers.Inputs(caps, paused, Set.of());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource o) {
    return (Map<String, Object>) o.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> trigger(GenericKubernetesResource o) {
    return ((List<Map<String, Object>>) spec(o).get("triggers")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> triggerMetadata(GenericKubernetesResource o) {
    return (Map<String, Object>) trigger(o).get("metadata");
  }

  @Test
  void eachTierQueriesItsQueueSummedToOneSeriesOverItsOwnPods() {
    ChatchatCluster c = bothOnKeda();
    ModelScalers.Scalers s = ModelScalers.desired(c, inputs(KEDA, Set.of()));
    assertTrue(s.hpas().isEmpty());
    assertEquals(2, s.scaledObjects().size());
    GenericKubernetesResource llm = s.scaledObjects().get(0);
    assertEquals("keda.sh/v1alpha1", llm.getApiVersion());
    assertEquals("demo-llm", llm.getMetadata().getName());
    assertEquals(
        "sum(vllm:num_requests_waiting{namespace=\"team-a\",pod=~\"demo-llm-[a-z0-9]+-[a-z0-9]+\"})",
        triggerMetadata(llm).get("query"));
    assertEquals(
        "sum(te_queue_size{namespace=\"team-a\",pod=~\"demo-embedding-[a-z0-9]+-[a-z0-9]+\"})",
        triggerMetadata(s.scaledObjects().get(1)).get("query"));
    assertEquals("prometheus", trigger(llm).get("type"));
    assertEquals("AverageValue", trigger(llm).get("metricType"));
    assertEquals("5", triggerMetadata(llm).get("threshold"));
    assertEquals(
        "http://prometheus-operated.monitoring.svc:9090",
        triggerMetadata(llm).get("serverAddress"));
    assertEquals(
        Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "demo-llm"),
        spec(llm).get("scaleTargetRef"));
    assertEquals(1, spec(llm).get("minReplicaCount"));
    assertEquals(4, spec(llm).get("maxReplicaCount"));
    assertEquals(15, spec(llm).get("pollingInterval"));
    assertEquals("chatchat-operator", llm.getMetadata().getLabels().get(Labels.MANAGED_BY));
    assertEquals(1, llm.getMetadata().getOwnerReferences().size(), "deleted with the cluster");
    assertEquals(
        Labels.MANAGED_BY,
        llm.getMetadata().getAnnotations().get(ModelScalers.HPA_EXCLUDED_LABELS),
        "KEDA's HPA must not look like the operator's");
    assertFalse(llm.getMetadata().getAnnotations().containsKey(ModelScalers.PAUSED_SCALE_IN));
    assertNull(trigger(llm).get("authenticationRef"));
  }

  @Test
  void aQueryOfYourOwnAMilliThresholdAndAnAuthenticationAreKept() {
    ChatchatCluster c = bothOnKeda();
    var a = c.getSpec().llm.vllm.autoscaling;
    a.targetAverageValue = "500m";
    a.keda.query = "sum(rate(vllm:request_success_total{namespace=\"team-a\"}[1m]))";
    a.keda.authenticationRef = "prometheus-auth";
    a.keda.pollingIntervalSeconds = 30;
    GenericKubernetesResource llm =
        ModelScalers.desired(c, inputs(KEDA, Set.of("demo-llm"))).scaledObjects().get(0);
    assertEquals("0.5", triggerMetadata(llm).get("threshold"), "KEDA parses a float");
    assertEquals(a.keda.query, triggerMetadata(llm).get("query"));
    assertEquals(Map.of("name", "prometheus-auth"), trigger(llm).get("authenticationRef"));
    assertEquals(30, spec(llm).get("pollingInterval"));
    assertEquals("true", llm.getMetadata().getAnnotations().get(ModelScalers.PAUSED_SCALE_IN));
  }

  @Test
  void withoutKedasCrdsOrWithoutKedaTheTiersGetHpas() {
    ChatchatCluster c = bothOnKeda();
    ModelScalers.Scalers absent = ModelScalers.desired(c, inputs(ApiCapabilities.NONE, Set.of()));
    assertTrue(absent.scaledObjects().isEmpty());
    assertEquals(
        List.of("vllm:num_requests_waiting", "te_queue_size"),
        absent.hpas().stream()
            .map(h -> h.getSpec().getMetrics().get(0).getPods().getMetric().getName())
            .toList());
    c.getSpec().embedding.tei.autoscaling.keda = null;
    ModelScalers.Scalers mixed = ModelScalers.desired(c, inputs(KEDA, Set.of()));
    assertEquals(1, mixed.scaledObjects().size());
    assertEquals("demo-embedding", mixed.hpas().get(0).getMetadata().getName());
    c.getSpec().llm.vllm.autoscaling.enabled = false;
    c.getSpec().embedding.tei.autoscaling.enabled = false;
    ModelScalers.Scalers none = ModelScalers.desired(c, inputs(KEDA, Set.of()));
    assertTrue(none.hpas().isEmpty() && none.scaledObjects().isEmpty());
  }

  @Test
  void withItsPodMonitorsTheQuerySelectsByTheirLabelsAndLongNamesByPrefix() {
    ChatchatCluster c = bothOnKeda();
    c.getSpec().monitoring.enabled = true;
    assertEquals(
        "sum(vllm:num_requests_waiting{namespace=\"team-a\",chatchat_cluster=\"demo\","
            + "chatchat_component=\"llm\"})",
        triggerMetadata(ModelScalers.desired(c, inputs(KEDA, Set.of())).scaledObjects().get(0))
            .get("query"));
    c.getSpec().monitoring.enabled = false;
    c.getMetadata().setName("a-cluster-name-of-forty-characters-long");
    String query =
        (String)
            triggerMetadata(ModelScalers.desired(c, inputs(KEDA, Set.of())).scaledObjects().get(1))
                .get("query");
    String deployment = c.getMetadata().getName() + "-embedding";
    // 49 characters: the API server cuts "<name>-<hash>-" to 58, so only that prefix is sure.
    assertEquals(49, deployment.length());
    assertEquals(
        "sum(te_queue_size{namespace=\"team-a\",pod=~\"" + deployment + "-[a-z0-9-]*\"})", query);
  }

  @Test
  void aTierMovingToKedaGetsItsScaledObjectOnlyOnceItsHpaIsGone() {
    ChatchatCluster c = bothOnKeda();
    ModelScalers.Scalers s =
        ModelScalers.desired(c, new ModelScalers.Inputs(KEDA, Set.of(), Set.of("demo-llm")));
    assertEquals(
        List.of("demo-embedding"),
        s.scaledObjects().stream().map(o -> o.getMetadata().getName()).toList());
    assertTrue(s.hpas().isEmpty(), "the llm HPA is pruned in this pass");
  }
}
