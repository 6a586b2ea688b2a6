package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chart's Grafana dashboards (helm/chatchat-operator/files/dashboards): every query is valid
 * PromQL (promtool checks it as a recording rule), and every metric it reads is served by a running
 * operator or is one of the documented names of vLLM, text-embeddings-inference and the LiteLLM
 * proxy (whose cache metrics AnswerCacheE2ETest scrapes from the real proxy).
 */
class DashboardsTest extends E2ETest {
  static final Path DIR = LocalCluster.REPO.resolve("helm/chatchat-operator/files/dashboards");

  /**
   * Metric names of the model servers and the cache proxy, as documented (vLLM >= 0.10, TEI 1.8).
   */
  static final Set<String> DOCUMENTED =
      Set.of(
          "vllm:num_requests_waiting",
          "vllm:num_requests_running",
          "vllm:kv_cache_usage_perc",
          "vllm:time_to_first_token_seconds_bucket",
          "vllm:inter_token_latency_seconds_bucket",
          "vllm:time_per_output_token_seconds_bucket",
          "vllm:request_success_total",
          "vllm:generation_tokens_total",
          "te_queue_size",
          "te_request_count",
          "te_request_failure",
          "litellm_cache_hits_metric_total",
          "litellm_proxy_total_requests_metric_total");

  @Test
  void everyQueryIsValidPromqlOnServedOrDocumentedMetrics() throws Exception {
    Map<String, String> queries = queries();
    assertTrue(queries.size() >= 20, "queries: " + queries.size());

    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
    int n = 0;
    for (String expr : queries.values()) {
      String concrete =
          expr.replace("$namespace", "team").replace("$cluster", "chat").replace("$job", ".*");
      rules
          .append("      - record: dashboard:query")
          .append(n++)
          .append("\n        expr: ")
          .append(new ObjectMapper().writeValueAsString(concrete))
          .append('\n');
    }
    Path file = Files.createTempFile("dashboards", ".rules.yaml");
    Files.writeString(file, rules);
    String check = PrometheusRulesTest.promtool("check", "rules", file.toString());
    assertTrue(check.contains("SUCCESS: " + queries.size() + " rules found"), check);

    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    String served = PrometheusRulesTest.scrape(cluster);
    for (Map.Entry<String, String> q : queries.entrySet()) {
      for (String name : PrometheusRulesTest.metrics(q.getValue())) {
        boolean ours =
            name.startsWith("chatchat_") || name.startsWith("jvm_") || name.startsWith("process_");
        assertTrue(
            ours ? PrometheusRulesTest.served(served, name) : DOCUMENTED.contains(name),
            q.getKey() + " reads " + name + (ours ? ", not served" : ", not a documented name"));
      }
    }
  }

  /** Panels of the operator dashboard that must show data once a cluster became Ready. */
  static final Set<String> MUST_SHOW =
      Set.of(
          "Reconciliations/s",
          "Reconciliation duration p90",
          "Server-side applies/s",
          "Spec change to Ready",
          "Operator memory");

  /**
   * A real Prometheus (built from Go modules, on 127.0.0.1) scrapes the operator every second while
   * a cluster comes up; every query of the operator dashboard runs, and those that a Ready cluster
   * must fill return data.
   */
  @Test
  void aRealPrometheusScrapingTheOperatorAnswersTheOperatorDashboard() throws Exception {
    Path dir = Files.createTempDirectory("prometheus");
    int port;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Files.writeString(
        dir.resolve("prometheus.yml"),
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            + "scrape_configs:\n"
            + "  - job_name: chatchat-operator\n"
            + "    static_configs: [{targets: ['127.0.0.1:"
            + cluster.operatorHttpPort()
            + "']}]\n");
    Process prometheus =
        new ProcessBuilder(
                LocalCluster.prometheus().toString(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    try {
      String api = "http://127.0.0.1:" + port;
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(() -> query(api, "up{job=\"chatchat-operator\"} == 1").size() == 1);
      applyFile(example("quickstart.yaml"));
      awaitReady("quickstart");
      Map<String, String> panels = new LinkedHashMap<>();
      queries()
          .forEach(
              (k, v) -> {
                if (k.startsWith("chatchat-operator.json")) {
                  panels.put(k, v.replace("$job", "chatchat-operator"));
                }
              });
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(60))
          .pollInterval(java.time.Duration.ofSeconds(2))
          .untilAsserted(
              () -> {
                List<String> empty = new ArrayList<>();
                for (Map.Entry<String, String> q : panels.entrySet()) {
                  if (!hasNumber(query(api, q.getValue()))) {
                    empty.add(q.getKey());
                  }
                }
                for (String title : MUST_SHOW) {
                  assertTrue(
                      empty.stream().noneMatch(e -> e.contains("/ " + title + " #")),
                      title + " shows no data; empty: " + empty);
                }
                assertTrue(
                    hasNumber(
                        query(
                            api,
                            "chatchat_cluster_ready{namespace=\""
                                + ns
                                + "\",cluster=\"quickstart\"} == 1")),
                    "the Ready cluster, as the Clusters Ready panel counts it");
                System.out.println("[prometheus] operator dashboard, empty panels: " + empty);
              });
    } finally {
      prometheus.destroy();
      prometheus.waitFor();
    }
  }

  /** The result vector of an instant query (the query must succeed). */
  private static JsonNode query(String api, String promql) throws Exception {
    var r =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(
                            api
                                + "/api/v1/query?query="
                                + java.net.URLEncoder.encode(
                                    promql, java.nio.charset.StandardCharsets.UTF_8)))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    JsonNode body = new ObjectMapper().readTree(r.body());
    org.junit.jupiter.api.Assertions.assertEquals(
        "success", body.path("status").asText(), promql + " -> " + r.body());
    return body.path("data").path("result");
  }

  /** Some series of the result holds a number (not NaN). */
  private static boolean hasNumber(JsonNode result) {
    for (JsonNode series : result) {
      String v = series.path("value").path(1).asText();
      if (!v.isEmpty() && !v.equals("NaN")) {
        return true;
      }
    }
    return false;
  }

  /** Each panel query, by dashboard and panel title. */
  private static Map<String, String> queries() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    try (var s = Files.list(DIR)) {
      s.filter(p -> p.toString().endsWith(".json")).sorted().forEach(files::add);
    }
    for (Path f : files) {
      JsonNode d = new ObjectMapper().readTree(f.toFile());
      for (JsonNode panel : d.path("panels")) {
        int i = 0;
        for (JsonNode t : panel.path("targets")) {
          out.put(
              f.getFileName() + " / " + panel.path("title").asText() + " #" + i++,
              t.path("expr").asText());
        }
      }
    }
    return out;
  }
}
