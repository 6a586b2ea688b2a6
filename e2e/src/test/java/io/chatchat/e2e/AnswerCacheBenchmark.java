package io.chatchat.e2e;

import static io.chatchat.e2e.RealChatchatE2ETest.START;
import static io.chatchat.e2e.RealChatchatE2ETest.body;
import static io.chatchat.e2e.RealChatchatE2ETest.createAndUpload;
import static io.chatchat.e2e.RealChatchatE2ETest.upload;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.e2e.bench.Stats;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The answer cache's benchmark (e2e/bench/cache.sh; not part of {@code mvn verify}): a workload of
 * kb_chat questions, hot ones repeated and one-off ones, against the real Chatchat, LiteLLM proxy
 * and Valkey, the LLM stand-in answering after a fixed delay. One client asks one question at a
 * time, so each request is a hit or a miss by what reached the LLM. Prints the hit rate and the
 * latency of hits and misses side by side, and writes them to
 * e2e/target/bench-cache-&lt;date&gt;.md.
 */
class AnswerCacheBenchmark extends E2ETest {
  private static final int QUESTIONS = Integer.getInteger("bench.questions", 20);
  private static final int REQUESTS = Integer.getInteger("bench.requests", 200);
  private static final int LLM_DELAY_MS = Integer.getInteger("bench.llmDelayMs", 1500);
  private static final double ZIPF = Double.parseDouble(System.getProperty("bench.zipf", "1.1"));

  /** The share of requests that are one-off questions, never asked again. */
  private static final double ONE_OFF =
      Double.parseDouble(System.getProperty("bench.oneOff", "0.3"));

  @Test
  void repeatedQuestions() throws Exception {
    applyFile(Path.of("src/test/resources/real/cache.yaml"));
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName("models")
        .edit(
            d -> {
              d.getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .getArgs()
                  .addAll(List.of("--delay-ms", String.valueOf(LLM_DELAY_MS)));
              return d;
            });
    awaitStatus(
        "cached",
        x ->
            readyForGeneration(x)
                && Conditions.isTrue(x.getStatus().conditions, Conditions.CACHE_READY)
                && modelsReady(),
        START,
        Duration.ofSeconds(2));
    int api = cluster.servicePort(ns, "cached-api", 7861);
    createAndUpload(api, "facts", "faiss", "fact-0.md", fact(0));
    for (int i = 1; i < QUESTIONS; i++) {
      upload(api, "facts", "fact-" + i + ".md", fact(i), false);
    }
    Random random = new Random(42);
    double[] weights = zipfWeights();
    List<Double> hits = new ArrayList<>();
    List<Double> misses = new ArrayList<>();
    for (int r = 0; r < REQUESTS; r++) {
      String ask =
          random.nextDouble() < ONE_OFF
              ? question("Vega" + r)
              : question(codename(draw(weights, random)));
      int before = AnswerCacheE2ETest.llmRequests(this);
      long t0 = System.nanoTime();
      body(api, "/chat/kb_chat", ask);
      double seconds = (System.nanoTime() - t0) / 1e9;
      (AnswerCacheE2ETest.llmRequests(this) == before ? hits : misses).add(seconds);
    }
    String table = report(hits, misses);
    System.out.println(table);
    Path out = Path.of("target/bench-cache-" + LocalDate.now() + ".md");
    Files.writeString(out, table);
    assertTrue(hits.size() + misses.size() == REQUESTS);
  }

  private boolean modelsReady() {
    Deployment d = client.apps().deployments().inNamespace(ns).withName("models").get();
    return d != null
        && d.getStatus() != null
        && d.getStatus().getUpdatedReplicas() != null
        && d.getStatus().getUpdatedReplicas() == 2
        && d.getStatus().getReadyReplicas() != null
        && d.getStatus().getReadyReplicas() == 2
        && d.getStatus().getReplicas() == 2;
  }

  private static String fact(int i) {
    return "Project " + codename(i) + " reports to office " + (100 + i) + ".\n";
  }

  private static String codename(int i) {
    return "Orion" + (char) ('A' + i % 26) + i;
  }

  private static String question(String project) {
    return "{\"query\":\"Which office does project "
        + project
        + " report to?\",\"mode\":\"local_kb\",\"kb_name\":\"facts\",\"model\":\"standin-llm\","
        + "\"stream\":false}";
  }

  /** Question i is asked with weight 1/(i+1)^s: a few hot questions, a long tail. */
  private static double[] zipfWeights() {
    double[] w = new double[QUESTIONS];
    double sum = 0;
    for (int i = 0; i < QUESTIONS; i++) {
      w[i] = 1 / Math.pow(i + 1, ZIPF);
      sum += w[i];
    }
    for (int i = 0; i < QUESTIONS; i++) {
      w[i] /= sum;
    }
    return w;
  }

  private static int draw(double[] weights, Random random) {
    double x = random.nextDouble();
    for (int i = 0; i < weights.length; i++) {
      x -= weights[i];
      if (x <= 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  private static String report(List<Double> hits, List<Double> misses) throws IOException {
    double rate = 100.0 * hits.size() / (hits.size() + misses.size());
    StringBuilder sb = new StringBuilder();
    sb.append("# Answer cache benchmark, ").append(LocalDate.now()).append("\n\n");
    sb.append(
        String.format(
            "%d kb_chat requests (non-streamed), one at a time: %.0f %% one-off questions, the"
                + " rest over %d questions drawn with Zipf s=%.1f (seed 42); the LLM stand-in"
                + " answers after %d ms; real Chatchat 0.3.1.3, LiteLLM 1.100.5, Valkey 8.1.1 on"
                + " process-backed pods; load average %s.%n%n",
            REQUESTS, 100 * ONE_OFF, QUESTIONS, ZIPF, LLM_DELAY_MS, loadAverage()));
    sb.append("| | requests | p50 | p90 | mean |\n|---|---|---|---|---|\n");
    sb.append(row("hit (answered from the cache)", hits));
    sb.append(row("miss (answered by the LLM)", misses));
    double spent = sum(hits) + sum(misses);
    double uncached = (hits.size() + misses.size()) * sum(misses) / Math.max(1, misses.size());
    sb.append(String.format("%nhit rate: %.1f %%%n", rate));
    sb.append(
        String.format(
            "time for the workload: %.0f s (every request a miss, at the misses' mean: %.0f s)%n",
            spent, uncached));
    return sb.toString();
  }

  private static String row(String name, List<Double> seconds) {
    if (seconds.isEmpty()) {
      return "| " + name + " | 0 | - | - | - |\n";
    }
    double mean = seconds.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    Stats s = Stats.of(seconds);
    return String.format(
        "| %s | %d | %.3f s | %.3f s | %.3f s |%n", name, s.n(), s.median(), s.p90(), mean);
  }

  private static double sum(List<Double> seconds) {
    return seconds.stream().mapToDouble(Double::doubleValue).sum();
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
  }
}
