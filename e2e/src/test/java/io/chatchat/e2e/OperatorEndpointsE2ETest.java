package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The operator's /healthz, /readyz and /metrics, on 127.0.0.1. */
class OperatorEndpointsE2ETest extends E2ETest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.operatorHttpPort() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReadinessAndReconcileMetricsAreServed() throws Exception {
    assertEquals(200, get("/healthz").statusCode());
    assertEquals(200, get("/readyz").statusCode());

    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                get("/metrics")
                    .body()
                    .contains(
                        "chatchat_operator_reconciliations_total{controller=\"chatchatcluster\",outcome=\"success\",}"));
    String metrics = get("/metrics").body();
    assertTrue(
        metrics.contains(
            "chatchat_operator_reconciliation_duration_seconds_count{controller=\"chatchatcluster\",}"),
        metrics);
    assertTrue(
        metrics.contains(
            "chatchat_operator_events_received_total{controller=\"chatchatcluster\",}"),
        metrics);
    assertTrue(metrics.contains("jvm_memory_bytes_used"), "JVM metrics are exported");
    assertTrue(sum(metrics, "chatchat_operator_applies_total{kind=\"Deployment\",}") >= 2);

    // Per cluster, read from the cache at the scrape; and the new cluster's time to Ready.
    String id = "namespace=\"" + ns + "\",cluster=\"quickstart\"";
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              String m = get("/metrics").body();
              assertTrue(m.contains("chatchat_cluster_ready{" + id + ",} 1.0"), m);
              assertTrue(m.contains("chatchat_cluster_phase{" + id + ",phase=\"Ready\",} 1.0"), m);
              assertTrue(
                  m.contains(
                      "chatchat_cluster_component_ready_replicas{" + id + ",component=\"api\",}"),
                  m);
              assertTrue(sum(m, "chatchat_operator_spec_to_ready_seconds_count") >= 1, m);
            });
    System.out.println(
        "[metrics] series of one Ready cluster: "
            + get("/metrics").body().lines().filter(l -> l.contains(id)).count());
    cr("quickstart").delete();
    await()
        .atMost(TIMEOUT)
        .until(() -> !get("/metrics").body().contains("chatchat_cluster_ready{" + id));
  }

  @Test
  void steadyStateReconciliationsSendNoApplies() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    // The counter is the operator's, not this cluster's: wait until nothing else applies (earlier
    // tests' namespaces still being deleted, their clusters reconciling).
    awaitNoAppliesFor(java.time.Duration.ofSeconds(5));
    String before = get("/metrics").body();
    double applies = sum(before, "chatchat_operator_applies_total{");
    double reconciles = sum(before, "chatchat_operator_reconciliations_total{");

    // Someone annotates the operator's objects: real update events that reach the operator, while
    // every field it applies stays as desired.
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName("quickstart-api")
        .edit(
            d -> {
              d.getMetadata().getAnnotations().put("example.com/owner", "team-a");
              return d;
            });
    client
        .services()
        .inNamespace(ns)
        .withName("quickstart-api")
        .edit(
            svc -> {
              svc.getMetadata().setAnnotations(java.util.Map.of("example.com/owner", "team-a"));
              return svc;
            });
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                sum(get("/metrics").body(), "chatchat_operator_reconciliations_total{")
                    >= reconciles + 2);
    assertTrue(readyForGeneration(cr("quickstart").get()));
    assertEquals(applies, sum(get("/metrics").body(), "chatchat_operator_applies_total{"));
  }

  /**
   * Waits until no namespace is terminating and the operator's apply counter stayed still for a
   * whole window.
   */
  private void awaitNoAppliesFor(java.time.Duration window) {
    double[] last = {-1};
    long[] since = {System.nanoTime()};
    await()
        .atMost(java.time.Duration.ofMinutes(3))
        .pollInterval(java.time.Duration.ofMillis(500))
        .until(
            () -> {
              double now = sum(get("/metrics").body(), "chatchat_operator_applies_total{");
              boolean terminating =
                  client.namespaces().list().getItems().stream()
                      .anyMatch(n -> "Terminating".equals(n.getStatus().getPhase()));
              if (now != last[0] || terminating) {
                last[0] = now;
                since[0] = System.nanoTime();
                return false;
              }
              return System.nanoTime() - since[0] >= window.toNanos();
            });
  }

  /** Sum of the samples whose line starts with a prefix. */
  private static double sum(String metrics, String prefix) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
