package io.chatchat.operator.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The operator's own smoke queries against one Chatchat API pod (chatchat.md §5.4). Chatchat has no
 * health endpoint and reports many failures as HTTP 200 with another {@code code} in the body, so
 * every gate reads the body.
 *
 * <ul>
 *   <li>database: {@code GET /knowledge_base/list_knowledge_bases} answers {@code code: 200};
 *   <li>retrieval: {@code POST /knowledge_base/search_docs} on a canary knowledge base returns at
 *       least one document (this exercises the embedding service and the vector store);
 *   <li>chat: {@code POST /chat/chat/completions} (non-streamed) returns a non-empty answer from
 *       the LLM. Each query ends with a nonce, so the answer cache never has it: the new pods are
 *       judged by what the LLM answers them now.
 * </ul>
 */
public final class SmokeGates {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");

  /** Which gates run, with what. */
  public record Config(
      boolean database,
      boolean retrieval,
      String knowledgeBase,
      String query,
      double scoreThreshold,
      boolean chat,
      String model,
      Duration timeout,
      int attempts,
      Duration retryInterval) {}

  /** One gate's outcome on one pod, and how long it took (its retries included). */
  public record Result(String gate, boolean passed, String message, double seconds) {}

  private final OkHttpClient http;

  public SmokeGates(OkHttpClient http) {
    this.http = http;
  }

  /** Runs the configured gates in order against one pod; stops at the first that fails. */
  public List<Result> run(HttpUrl pod, Config config) {
    List<Result> results = new ArrayList<>();
    OkHttpClient client =
        http.newBuilder().callTimeout(config.timeout()).readTimeout(config.timeout()).build();
    if (config.database()) {
      results.add(withRetries("database", config, () -> database(client, pod)));
    }
    if (config.retrieval() && passed(results)) {
      results.add(
          withRetries(
              "retrieval",
              config,
              () ->
                  retrieval(
                      client,
                      pod,
                      config.knowledgeBase(),
                      config.query(),
                      config.scoreThreshold())));
    }
    if (config.chat() && passed(results)) {
      results.add(
          withRetries("chat", config, () -> chat(client, pod, config.model(), config.query())));
    }
    return results;
  }

  public static boolean passed(List<Result> results) {
    return results.stream().allMatch(Result::passed);
  }

  private interface Check {
    /** Null when the check passed, else why it failed. */
    String call() throws IOException;
  }

  private static Result withRetries(String gate, Config config, Check check) {
    String why = null;
    long start = System.nanoTime();
    for (int attempt = 1; attempt <= Math.max(1, config.attempts()); attempt++) {
      try {
        why = check.call();
      } catch (IOException e) {
        why = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      if (why == null) {
        return new Result(gate, true, gate + " gate passed", since(start));
      }
      if (attempt < config.attempts()) {
        try {
          Thread.sleep(config.retryInterval().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    return new Result(
        gate,
        false,
        gate + " gate failed after " + config.attempts() + " attempt(s): " + why,
        since(start));
  }

  private static double since(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static String database(OkHttpClient client, HttpUrl pod) throws IOException {
    Request req =
        new Request.Builder()
            .url(pod.newBuilder().addPathSegments("knowledge_base/list_knowledge_bases").build())
            .get()
            .build();
    try (Response r = client.newCall(req).execute()) {
      JsonNode body = body(r);
      if (!r.isSuccessful()) {
        return "HTTP " + r.code();
      }
      return body != null && body.path("code").asInt() == 200
          ? null
          : "list_knowledge_bases answered " + abbreviate(body);
    }
  }

  /** search_docs with the cluster's own threshold: what users of the knowledge base get. */
  static String retrieval(
      OkHttpClient client, HttpUrl pod, String kb, String query, double scoreThreshold)
      throws IOException {
    ObjectNode q = JSON.createObjectNode();
    q.put("query", query);
    q.put("knowledge_base_name", kb);
    q.put("top_k", 3);
    q.put("score_threshold", scoreThreshold);
    try (Response r = post(client, pod, "knowledge_base/search_docs", q)) {
      JsonNode body = body(r);
      if (!r.isSuccessful()) {
        return "HTTP " + r.code() + " " + abbreviate(body);
      }
      if (body != null && body.isArray() && body.size() > 0) {
        return null;
      }
      return "search_docs on knowledge base '"
          + kb
          + "' returned no documents: "
          + abbreviate(body);
    }
  }

  static String chat(OkHttpClient client, HttpUrl pod, String model, String query)
      throws IOException {
    ObjectNode q = JSON.createObjectNode();
    q.put("model", model);
    q.put("stream", false);
    ObjectNode m = q.putArray("messages").addObject();
    m.put("role", "user");
    m.put("content", withNonce(query));
    try (Response r = post(client, pod, "chat/chat/completions", q)) {
      JsonNode body = body(r);
      if (!r.isSuccessful()) {
        return "HTTP " + r.code() + " " + abbreviate(body);
      }
      String answer =
          body == null ? "" : body.path("choices").path(0).path("message").path("content").asText();
      return answer.isBlank() ? "the chat completion had no answer: " + abbreviate(body) : null;
    }
  }

  /** The query with a line no other request has: an exact cache cannot answer it. */
  static String withNonce(String query) {
    return query + "\n\n(smoke check " + java.util.UUID.randomUUID() + ")";
  }

  private static Response post(OkHttpClient client, HttpUrl pod, String path, JsonNode json)
      throws IOException {
    Request req =
        new Request.Builder()
            .url(pod.newBuilder().addPathSegments(path).build())
            .post(RequestBody.create(JSON.writeValueAsString(json), JSON_TYPE))
            .build();
    return client.newCall(req).execute();
  }

  /** The JSON body, or null when it is not JSON. */
  private static JsonNode body(Response r) throws IOException {
    ResponseBody b = r.body();
    if (b == null) {
      return null;
    }
    String text = b.string();
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  private static String abbreviate(JsonNode body) {
    String s = body == null ? "(no body)" : body.toString();
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
