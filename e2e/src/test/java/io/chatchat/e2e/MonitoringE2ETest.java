package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec.KedaScaling;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.chatchat.operator.model.ModelScalers;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.monitoring} and KEDA on the real API server, with the Prometheus Operator's, KEDA's
 * and the Grafana operator's CRDs from their Go modules (e2e/scripts/optional-crds.sh): absent
 * first (status says so, the LLM gets an HPA), then installed (PodMonitors and a ScaledObject that
 * follow the spec, paused scale-in while the LLM rolls), and the chart's monitoring objects are
 * accepted. No Prometheus Operator or KEDA controller runs: what the API server accepts and what
 * the operator writes are the subject. The CRDs are removed again afterwards.
 */
class MonitoringE2ETest extends E2ETest {
  private static final List<String> INTEGRATIONS =
      List.of("prometheus-operator", "keda", "grafana-operator");

  @BeforeAll
  static void withoutTheCrds() {
    removeCrds();
  }

  @AfterAll
  static void removeCrds() {
    for (String which : INTEGRATIONS) {
      LocalCluster.get()
          .kubectl("delete", "--ignore-not-found", "--wait=true", "-f", crdDir(which).toString());
    }
  }

  private static java.nio.file.Path crdDir(String which) {
    String out = LocalCluster.runScript("optional-crds.sh", which);
    List<String> lines = out.lines().toList();
    return java.nio.file.Path.of(lines.get(lines.size() - 1).trim());
  }

  private void installCrds() {
    for (String which : INTEGRATIONS) {
      String dir = crdDir(which).toString();
      cluster.kubectl(
          "apply", "--server-side", "--force-conflicts", "--field-manager=e2e", "-f", dir);
      cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "-f", dir);
    }
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      kind(String group, String version, String kind, String plural) {
    return client.genericKubernetesResources(
        new ResourceDefinitionContext.Builder()
            .withGroup(group)
            .withVersion(version)
            .withKind(kind)
            .withPlural(plural)
            .withNamespaced(true)
            .build());
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      podMonitors() {
    return kind("monitoring.coreos.com", "v1", "PodMonitor", "podmonitors");
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      scaledObjects() {
    return kind("keda.sh", "v1alpha1", "ScaledObject", "scaledobjects");
  }

  private static ChatchatCluster monitored() {
    ChatchatCluster c = Clusters.valid("mon");
    c.getSpec().webui.enabled = false;
    c.getSpec().llm.external = null;
    c.getSpec().llm.vllm = new VllmSpec();
    c.getSpec().llm.vllm.model = "Qwen/Qwen2.5-7B-Instruct";
    c.getSpec().llm.vllm.servedModelName = "qwen2.5-7b";
    c.getSpec().llm.vllm.autoscaling.enabled = true;
    c.getSpec().llm.vllm.autoscaling.maxReplicas = 3;
    c.getSpec().llm.vllm.autoscaling.keda = new KedaScaling();
    c.getSpec().llm.vllm.autoscaling.keda.serverAddress =
        "http://prometheus-operated.monitoring.svc:9090";
    c.getSpec().cache.enabled = true;
    c.getSpec().cache.proxy.replicas = 1;
    c.getSpec().monitoring.enabled = true;
    c.getSpec().monitoring.labels.put("release", "kube-prometheus-stack");
    return c;
  }

  private static Condition condition(ChatchatCluster c, String type) {
    return Conditions.find(c.getStatus().conditions, type);
  }

  private static boolean conditionIs(ChatchatCluster c, String type, String status) {
    Condition cond = condition(c, type);
    return cond != null && status.equals(cond.getStatus());
  }

  private HorizontalPodAutoscaler hpa(String name) {
    return client
        .autoscaling()
        .v2()
        .horizontalPodAutoscalers()
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  @Test
  void monitorsAndScaledObjectsFollowTheSpecAndTheCrds() throws Exception {
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db.example:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(monitored()).inNamespace(ns).create();

    // 1. Without the CRDs: reported, an HPA on the custom-metrics API instead of KEDA.
    ChatchatCluster ready =
        awaitStatus(
            "mon",
            c ->
                readyForGeneration(c)
                    && conditionIs(c, Conditions.MONITORING_READY, "False")
                    && conditionIs(c, Conditions.KEDA_AVAILABLE, "False"));
    assertEquals(
        "PrometheusOperatorMissing", condition(ready, Conditions.MONITORING_READY).getReason());
    assertEquals("KedaMissing", condition(ready, Conditions.KEDA_AVAILABLE).getReason());
    assertNotNull(hpa("mon-llm"), "the fallback HPA");
    awaitEvent(e -> "PrometheusOperatorMissing".equals(e.getReason()));
    System.out.println(
        "[monitoring] without CRDs: " + condition(ready, Conditions.KEDA_AVAILABLE).getMessage());

    // 2. The CRDs arrive: the operator finds them by itself.
    installCrds();
    long installed = System.nanoTime();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    ChatchatCluster found;
    try (Watch h = hpas().withName("mon-llm").watch(record("hpa", order));
        Watch w = scaledObjects().inNamespace(ns).withName("mon-llm").watch(record("so", order))) {
      found =
          awaitStatus(
              "mon",
              c ->
                  conditionIs(c, Conditions.MONITORING_READY, "True")
                      && conditionIs(c, Conditions.KEDA_AVAILABLE, "True"),
              Duration.ofSeconds(90),
              Duration.ofMillis(250));
      System.out.printf(
          "[monitoring] CRDs installed -> conditions True in %.1f s%n",
          (System.nanoTime() - installed) / 1e9);
      await().atMost(Duration.ofSeconds(30)).until(() -> order.contains("so ADDED"));
    }
    System.out.println("[monitoring] moving to KEDA: " + order);
    assertTrue(
        order.indexOf("hpa DELETED") >= 0
            && order.indexOf("hpa DELETED") < order.indexOf("so ADDED"),
        "the HPA goes before the ScaledObject comes: " + order);
    assertEquals(
        "PodMonitors scrape vLLM, the cache proxy",
        condition(found, Conditions.MONITORING_READY).getMessage());
    assertNull(hpa("mon-llm"));

    GenericKubernetesResource llmMonitor = podMonitors().inNamespace(ns).withName("mon-llm").get();
    assertEquals("kube-prometheus-stack", llmMonitor.getMetadata().getLabels().get("release"));
    Map<String, Object> endpoint = firstEndpoint(llmMonitor);
    assertEquals("http", endpoint.get("port"));
    assertEquals("/metrics", endpoint.get("path"));
    assertEquals("30s", endpoint.get("interval"));
    assertEquals(
        "/metrics/",
        firstEndpoint(podMonitors().inNamespace(ns).withName("mon-cache-proxy").get()).get("path"));
    assertNull(podMonitors().inNamespace(ns).withName("mon-embedding").get(), "external TEI");

    GenericKubernetesResource so = scaledObjects().inNamespace(ns).withName("mon-llm").get();
    Map<String, Object> trigger = trigger(so);
    assertEquals(
        "sum(vllm:num_requests_waiting{namespace=\""
            + ns
            + "\",chatchat_cluster=\"mon\",chatchat_component=\"llm\"})",
        ((Map<?, ?>) trigger.get("metadata")).get("query"));
    assertEquals(3, ((Number) spec(so).get("maxReplicaCount")).intValue());
    // Kept by the CRDs' structural schemas (unknown fields would have been pruned silently).
    assertEquals(2, ((List<?>) firstEndpoint(llmMonitor).get("relabelings")).size());
    assertEquals(15, ((Number) spec(so).get("pollingInterval")).intValue());
    assertNotNull(((Map<?, ?>) spec(so).get("advanced")).get("horizontalPodAutoscalerConfig"));
    assertEquals("5", ((Map<?, ?>) trigger.get("metadata")).get("threshold"));
    assertValidPromql((String) ((Map<?, ?>) trigger.get("metadata")).get("query"));
    assertFalse(annotations(so).containsKey(ModelScalers.PAUSED_SCALE_IN));
    assertEquals(1, deployment("mon-llm").getSpec().getReplicas());

    // 3. A rollout of the LLM pauses KEDA's scale-in while it rolls, and only then.
    List<String> pauses = Collections.synchronizedList(new ArrayList<>());
    try (Watch w = scaledObjects().inNamespace(ns).withName("mon-llm").watch(recordPause(pauses))) {
      editCluster("mon", x -> x.getSpec().llm.vllm.model = "Qwen/Qwen2.5-7B-Instruct-AWQ");
      awaitRolledOut("mon", Duration.ofSeconds(180));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  !annotations(scaledObjects().inNamespace(ns).withName("mon-llm").get())
                      .containsKey(ModelScalers.PAUSED_SCALE_IN));
    }
    System.out.println("[monitoring] paused-scale-in through the LLM rollout: " + pauses);
    assertTrue(pauses.contains("true"), "paused while the LLM rolled: " + pauses);
    assertEquals("none", pauses.get(pauses.size() - 1), "resumed after: " + pauses);

    // 4. Switched off: the PodMonitors and the ScaledObject go, then the HPA comes back.
    order.clear();
    try (Watch h = hpas().withName("mon-llm").watch(record("hpa", order));
        Watch w = scaledObjects().inNamespace(ns).withName("mon-llm").watch(record("so", order))) {
      editCluster(
          "mon",
          x -> {
            x.getSpec().monitoring.enabled = false;
            x.getSpec().llm.vllm.autoscaling.keda = null;
          });
      await()
          .atMost(TIMEOUT)
          .until(
              () ->
                  podMonitors().inNamespace(ns).list().getItems().isEmpty()
                      && scaledObjects().inNamespace(ns).list().getItems().isEmpty()
                      && hpa("mon-llm") != null
                      && order.contains("hpa ADDED"));
    }
    System.out.println("[monitoring] moving back to the HPA: " + order);
    assertTrue(
        order.indexOf("so DELETED") >= 0
            && order.indexOf("so DELETED") < order.indexOf("hpa ADDED"),
        "the ScaledObject goes before the HPA comes: " + order);
    ChatchatCluster off = awaitReady("mon");
    assertNull(condition(off, Conditions.MONITORING_READY));
    assertNull(condition(off, Conditions.KEDA_AVAILABLE));

    // 5. The chart's ServiceMonitor, PrometheusRule and dashboards are accepted.
    List<HasMetadata> chart =
        Chart.render(
            Map.of(
                "metrics.serviceMonitor.enabled", "true",
                "metrics.prometheusRule.enabled", "true",
                "dashboards.enabled", "true",
                "dashboards.grafanaOperator.enabled", "true"));
    List<String> accepted = new ArrayList<>();
    for (HasMetadata o : chart) {
      if (List.of("ServiceMonitor", "PrometheusRule", "GrafanaDashboard").contains(o.getKind())
          || o.getMetadata().getName().contains("-dashboard-")) {
        o.getMetadata().setNamespace(ns);
        client.resource(o).inNamespace(ns).create();
        accepted.add(o.getKind() + "/" + o.getMetadata().getName());
      }
    }
    System.out.println("[monitoring] chart objects accepted: " + accepted);
    for (String k : List.of("ServiceMonitor", "PrometheusRule", "GrafanaDashboard", "ConfigMap")) {
      assertTrue(accepted.stream().anyMatch(a -> a.startsWith(k + "/")), k + " in " + accepted);
    }
  }

  /** promtool parses the query as a recording rule's expression. */
  private static void assertValidPromql(String query) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("keda", ".rules.yaml");
    java.nio.file.Files.writeString(
        file,
        "groups:\n  - name: keda\n    rules:\n      - record: keda:query\n        expr: "
            + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(query)
            + "\n");
    String check = PrometheusRulesTest.promtool("check", "rules", file.toString());
    assertTrue(check.contains("SUCCESS: 1 rules found"), check);
  }

  /** Records the ScaledObject's paused-scale-in value ("none" when unset) as it changes. */
  private static Watcher<GenericKubernetesResource> recordPause(List<String> pauses) {
    return record(
        pauses, (action, so) -> annotations(so).getOrDefault(ModelScalers.PAUSED_SCALE_IN, "none"));
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          HorizontalPodAutoscaler,
          io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerList,
          Resource<HorizontalPodAutoscaler>>
      hpas() {
    return client.autoscaling().v2().horizontalPodAutoscalers().inNamespace(ns);
  }

  /** Records "<what> <ADDED|MODIFIED|DELETED>" of each event, without repeats in a row. */
  private static <T> Watcher<T> record(String what, List<String> order) {
    return record(order, (action, resource) -> what + " " + action);
  }

  /** Records what each event says, without repeats in a row. */
  private static <T> Watcher<T> record(
      List<String> order, java.util.function.BiFunction<Watcher.Action, T, String> says) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        String e = says.apply(action, resource);
        synchronized (order) {
          if (order.isEmpty() || !order.get(order.size() - 1).equals(e)) {
            order.add(e);
          }
        }
      }

      @Override
      public void onClose(WatcherException e) {}
    };
  }

  private static Map<String, String> annotations(GenericKubernetesResource o) {
    return o.getMetadata().getAnnotations() == null ? Map.of() : o.getMetadata().getAnnotations();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource o) {
    return (Map<String, Object>) o.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> firstEndpoint(GenericKubernetesResource monitor) {
    return ((List<Map<String, Object>>) spec(monitor).get("podMetricsEndpoints")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> trigger(GenericKubernetesResource so) {
    return ((List<Map<String, Object>>) spec(so).get("triggers")).get(0);
  }
}
