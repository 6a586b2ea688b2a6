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
  }
}
