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
    PrometheusRulesTest scraper = new PrometheusRulesTest();
    scraper.cluster = cluster;
    String served = scraper.scrape();
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
