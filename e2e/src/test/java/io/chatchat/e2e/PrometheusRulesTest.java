package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chart's alerts (helm/chatchat-operator/files/prometheus-rules.yaml): promtool (built from Go
 * modules) checks them and fires each on synthetic series; every metric they query is one the
 * running operator serves or one of vLLM's and text-embeddings-inference's documented names; every
 * alert has its runbook in the README.
 */
class PrometheusRulesTest extends E2ETest {
  static final Path RULES =
      LocalCluster.REPO.resolve("helm/chatchat-operator/files/prometheus-rules.yaml");
  static final Path TESTS = Path.of("src/test/resources/prometheus/rules-test.yaml");

  /**
   * vLLM (>= 0.10) and TEI 1.8 metric names the rules may use, as their documentation gives them.
   */
  static final Set<String> MODEL_SERVER_METRICS =
      Set.of(
          "vllm:num_requests_waiting",
          "vllm:num_requests_running",
          "vllm:kv_cache_usage_perc",
          "te_request_failure",
          "te_queue_size");

  /** A name not followed by "(": a metric, once label matchers, ranges and groupings are gone. */
  private static final Pattern NAME = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\()?");

  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "group_left", "group_right");

  /** The metric names a PromQL expression reads. */
  static Set<String> metrics(String expr) {
    String e =
        expr.replaceAll("\\{[^}]*\\}", " ")
            .replaceAll("\\[[^]]*\\]", " ")
            .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(e);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  @Test
  void promtoolChecksTheRulesAndFiresEachAlertOnSyntheticSeries() throws Exception {
    String check = promtool("check", "rules", RULES.toString());
    assertTrue(check.contains("SUCCESS: " + alerts().size() + " rules found"), check);

    Path dir = Files.createTempDirectory("rules-test");
    Files.copy(RULES, dir.resolve("rules.yaml"));
    Files.copy(TESTS, dir.resolve("rules-test.yaml"));
    String test = promtool("test", "rules", dir.resolve("rules-test.yaml").toString());
    assertTrue(test.contains("SUCCESS"), test);

    JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(TESTS.toFile());
    Set<String> fired = new TreeSet<>();
    for (JsonNode t : tests.path("tests")) {
      for (JsonNode a : t.path("alert_rule_test")) {
        if (a.path("exp_alerts").size() > 0) {
          fired.add(a.path("alertname").asText());
        }
      }
    }
    assertEquals(new TreeSet<>(alerts()), fired, "every alert is seen firing in a test");
  }

  @Test
  void everyQueriedMetricIsServedAndEveryAlertHasARunbook() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    String served = scrape();
    String readme = Files.readString(LocalCluster.REPO.resolve("README.md"));
    for (JsonNode rule : rules()) {
      Set<String> read = metrics(rule.path("expr").asText());
      assertTrue(!read.isEmpty(), rule.toString());
      for (String name : read) {
        if (name.startsWith("chatchat_")) {
          assertTrue(
              served(served, name),
              rule.path("alert").asText() + " queries " + name + ", which the operator serves not");
        } else {
          assertTrue(
              MODEL_SERVER_METRICS.contains(name),
              rule.path("alert").asText() + " queries " + name + ", not a documented name");
        }
      }
      String alert = rule.path("alert").asText();
      assertEquals(alert, rule.path("annotations").path("runbook").asText());
      assertTrue(readme.contains("\n#### " + alert + "\n"), "README has a runbook for " + alert);
    }
  }

  /** The scrape has this metric's family (a histogram's by its base name). */
  static boolean served(String scrape, String name) {
    String base = name.replaceFirst("_(bucket|sum|count)$", "");
    return scrape.contains("# TYPE " + name + " ")
        || scrape.contains("# TYPE " + base + " histogram")
        || scrape.contains("# TYPE " + name.replaceFirst("_total$", "") + " ");
  }

  private static List<JsonNode> rules() throws IOException {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode g : new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()).path("groups")) {
      g.path("rules").forEach(rules::add);
    }
    return rules;
  }

  private static List<String> alerts() throws IOException {
    return rules().stream().map(r -> r.path("alert").asText()).toList();
  }

  private String scrape() throws Exception {
    return scrape(cluster);
  }

  /** The operator's /metrics, as the local cluster's operator serves them. */
  static String scrape(LocalCluster cluster) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cluster.operatorHttpPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  static String promtool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(LocalCluster.promtool().toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
    return out;
  }
}
