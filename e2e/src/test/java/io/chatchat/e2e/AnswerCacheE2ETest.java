package io.chatchat.e2e;

import static io.chatchat.e2e.RealChatchatE2ETest.JSON;
import static io.chatchat.e2e.RealChatchatE2ETest.START;
import static io.chatchat.e2e.RealChatchatE2ETest.body;
import static io.chatchat.e2e.RealChatchatE2ETest.createAndUpload;
import static io.chatchat.e2e.RealChatchatE2ETest.streamedAnswer;
import static io.chatchat.e2e.RealChatchatE2ETest.upload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.rollout.SmokeGates;
import io.chatchat.operator.status.Conditions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * The answer cache against the real things: Chatchat 0.3.1.3's kb_chat through the real LiteLLM
 * proxy into a real Valkey, the model stand-in (two pods) behind them. What the stand-in counts is
 * what reached the LLM.
 */
class AnswerCacheE2ETest extends E2ETest {
  private static final String QUESTION =
      "{\"query\":\"What is the launch code of project Zephyr?\",\"mode\":\"local_kb\","
          + "\"kb_name\":\"facts\",\"model\":\"standin-llm\",\"stream\":%s}";

  @Test
  void repeatedQuestionsAreAnsweredFromTheCacheUntilDocumentsOrTheLlmChange() throws Exception {
    applyFile(Path.of("src/test/resources/real/cache.yaml"));
    ChatchatCluster ready =
        awaitStatus(
            "cached",
            x ->
                readyForGeneration(x)
                    && Conditions.isTrue(x.getStatus().conditions, Conditions.CACHE_READY),
            START,
            Duration.ofSeconds(2));
    String epoch = ready.getStatus().cache.epoch;
    assertEquals("Stored", ready.getStatus().cache.mode);
    int api = cluster.servicePort(ns, "cached-api", 7861);
    String fact = "ZEPHYR-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    createAndUpload(
        api, "facts", "faiss", "zephyr.md", "The launch code of project Zephyr is " + fact + ".\n");

    assertSecondAskIsAHit(api, "false", fact);
    assertSecondAskIsAHit(api, "true", fact);

    // A changed document changes what is retrieved, so the prompt, so the key.
    String corrected = "ZEPHYR-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    upload(
        api,
        "facts",
        "zephyr.md",
        "The launch code of project Zephyr is " + corrected + ".\n",
        true);
    int before = llmRequests();
    String after = answer(api, "false");
    assertEquals(before + 1, llmRequests(), "after the upload the LLM answers again");
    assertTrue(after.contains(corrected) && !after.contains(fact), after);

    assertProxyCountsHits();
    assertProxyReachesEveryLlmPod(api);
    assertSmokeGatesBypassTheCache(api);

    // The LLM moves to another endpoint: a new epoch, nothing stored before is served.
    editCluster("cached", c -> c.getSpec().llm.external.baseUrl = "http://models-b:8000/v1");
    String moved = awaitRolledOut().getStatus().cache.epoch;
    assertNotEquals(epoch, moved);
    before = llmRequests();
    assertTrue(answer(api, "false").contains(corrected));
    assertEquals(before + 1, llmRequests(), "the new epoch answers from the LLM");

    // A flush: another epoch again.
    editCluster("cached", c -> c.getSpec().cache.flush = "1");
    assertNotEquals(moved, awaitRolledOut().getStatus().cache.epoch);
    before = llmRequests();
    answer(api, "false");
    assertEquals(before + 1, llmRequests(), "a flush serves nothing stored before it");
  }

  /** Asks twice: the first reaches the LLM at most once, the second not at all, same answer. */
  private void assertSecondAskIsAHit(int api, String stream, String fact) throws IOException {
    int before = llmRequests();
    String first = answer(api, stream);
    int afterFirst = llmRequests();
    String second = answer(api, stream);
    assertTrue(first.contains(fact), "grounded in the document: " + first);
    assertTrue(afterFirst - before <= 1, "one LLM request at most: " + (afterFirst - before));
    assertEquals(afterFirst, llmRequests(), "stream=" + stream + ": the second is a cache hit");
    assertEquals(first, second, "the cached answer is the LLM's");
  }

  private String answer(int api, String stream) throws IOException {
    String raw = body(api, "/chat/kb_chat", String.format(QUESTION, stream));
    if ("true".equals(stream)) {
      return streamedAnswer(raw);
    }
    // Non-streamed, the body is a JSON string holding the JSON answer (chatchat.md §5.4).
    JsonNode parsed = JSON.readTree(JSON.readTree(raw).asText());
    return parsed.path("choices").path(0).path("message").path("content").asText();
  }

  private int llmRequests() throws IOException {
    return llmRequests(this);
  }

  /** Chat requests that reached the LLM stand-in's pods of a test's namespace, summed. */
  static int llmRequests(E2ETest test) throws IOException {
    int total = 0;
    for (int n : perLlmPod(test)) {
      total += n;
    }
    return total;
  }

  private List<Integer> perLlmPod() throws IOException {
    return perLlmPod(this);
  }

  private static List<Integer> perLlmPod(E2ETest t) throws IOException {
    List<Integer> counts = new ArrayList<>();
    for (var pod : t.client.pods().inNamespace(t.ns).withLabel("app", "models").list().getItems()) {
      int port = t.cluster.podPort(t.ns, pod.getMetadata().getName(), 8000);
      JsonNode stats = JSON.readTree(get("http://127.0.0.1:" + port + "/stats"));
      counts.add(stats.path("requests").path("chat").asInt(0));
    }
    return counts;
  }

  /** The proxy's /metrics/ (LiteLLM's Prometheus callback) counts the hits. */
  private void assertProxyCountsHits() throws IOException {
    var proxy = pods("cache-proxy", "cached").get(0);
    int port = cluster.podPort(ns, proxy.getMetadata().getName(), 4000);
    String metrics = get("http://127.0.0.1:" + port + "/metrics/");
    double hits =
        metrics
            .lines()
            .filter(l -> l.startsWith("litellm_cache_hits_metric_total{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
            .sum();
    assertTrue(hits >= 2, "two hits counted: " + hits);
  }

  /** Distinct questions through Chatchat: each LLM pod answers some (no keep-alive pinning). */
  private void assertProxyReachesEveryLlmPod(int api) throws IOException {
    List<Integer> before = perLlmPod();
    for (int i = 0; i < 6; i++) {
      body(
          api,
          "/chat/chat/completions",
          "{\"model\":\"standin-llm\",\"stream\":false,\"messages\":[{\"role\":\"user\","
              + "\"content\":\"spread "
              + i
              + " "
              + UUID.randomUUID()
              + "\"}]}");
    }
    List<Integer> after = perLlmPod();
    assertEquals(2, after.size());
    for (int i = 0; i < after.size(); i++) {
      assertTrue(after.get(i) > before.get(i), "every LLM pod answered: " + before + after);
    }
  }

  /** The operator's chat gate, twice with the same query: the LLM answers both. */
  private void assertSmokeGatesBypassTheCache(int api) throws IOException {
    SmokeGates gates = new SmokeGates(new OkHttpClient());
    var config =
        new SmokeGates.Config(
            false,
            false,
            null,
            "What is the annual leave policy?",
            0,
            true,
            "standin-llm",
            Duration.ofSeconds(60),
            1,
            Duration.ofSeconds(1));
    HttpUrl pod = HttpUrl.get("http://127.0.0.1:" + api + "/");
    for (int run = 0; run < 2; run++) {
      int before = llmRequests();
      assertTrue(SmokeGates.passed(gates.run(pod, config)));
      assertEquals(before + 1, llmRequests(), "gate run " + run + " reached the LLM");
    }
  }

  private ChatchatCluster awaitRolledOut() {
    return awaitStatus(
        "cached",
        x ->
            readyForGeneration(x)
                && x.getStatus().rollout != null
                && x.getStatus().rollout.phase == RolloutStatus.Phase.Completed
                && "Stored".equals(x.getStatus().cache.mode),
        START,
        Duration.ofSeconds(2));
  }

  private static String get(String url) throws IOException {
    try {
      HttpResponse<String> r =
          RealChatchatE2ETest.HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), url + " -> " + r.body());
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
