package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The smoke gates over real sockets, against stub Chatchat servers on 127.0.0.1. */
class SmokeGatesTest {
  private HttpServer server;
  private final AtomicInteger dbCalls = new AtomicInteger();

  private static final SmokeGates.Config ALL =
      new SmokeGates.Config(
          true,
          true,
          "samples",
          "你好",
          0.0,
          true,
          "qwen2.5-7b",
          Duration.ofSeconds(2),
          2,
          Duration.ofMillis(10));

  /** A stub answering like Chatchat, with the given bodies (status 200 unless "500:" prefix). */
  private HttpUrl stub(Map<String, String> answers) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    answers.forEach(
        (path, answer) ->
            server.createContext(
                path,
                ex -> {
                  if (path.contains("list_knowledge_bases")) {
                    dbCalls.incrementAndGet();
                  }
                  if (answer.startsWith("sleep:")) {
                    try {
                      Thread.sleep(Long.parseLong(answer.substring(6)));
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  int status = answer.startsWith("500:") ? 500 : 200;
                  byte[] body =
                      (answer.startsWith("500:") ? answer.substring(4) : answer)
                          .getBytes(StandardCharsets.UTF_8);
                  ex.getResponseHeaders().add("Content-Type", "application/json");
                  ex.sendResponseHeaders(status, body.length);
                  try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                  }
                }));
    server.start();
    return new HttpUrl.Builder()
        .scheme("http")
        .host("127.0.0.1")
        .port(server.getAddress().getPort())
        .build();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static final String DB_OK = "{\"code\":200,\"msg\":\"success\",\"data\":[\"samples\"]}";
  private static final String DOCS =
      "[{\"id\":\"1\",\"page_content\":\"Chatchat\",\"metadata\":{},\"score\":0.4}]";
  private static final String ANSWER =
      "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"你好！\"}}]}";

  private final SmokeGates gates = new SmokeGates(new OkHttpClient());

  @Test
  void aHealthyPodPassesEveryGate() throws Exception {
    HttpUrl pod =
        stub(
            Map.of(
                "/knowledge_base/list_knowledge_bases", DB_OK,
                "/knowledge_base/search_docs", DOCS,
                "/chat/chat/completions", ANSWER));
    List<SmokeGates.Result> r = gates.run(pod, ALL);
    assertEquals(List.of("database", "retrieval", "chat"), r.stream().map(x -> x.gate()).toList());
    assertTrue(SmokeGates.passed(r), r.toString());
  }

  @Test
  void aDatabaseErrorReportedAsHttp200FailsAfterItsAttempts() throws Exception {
    HttpUrl pod =
        stub(
            Map.of(
                "/knowledge_base/list_knowledge_bases",
                "{\"code\":500,\"msg\":\"(pymysql.err.OperationalError) Can't connect\"}"));
    List<SmokeGates.Result> r = gates.run(pod, ALL);
    assertEquals(1, r.size(), "later gates do not run");
    assertFalse(r.get(0).passed());
    assertTrue(r.get(0).message().contains("after 2 attempt(s)"), r.get(0).message());
    assertTrue(r.get(0).message().contains("OperationalError"), r.get(0).message());
    assertEquals(2, dbCalls.get());
  }

  @Test
  void anEmptyRetrievalAndABrokenLlmFailTheirGates() throws Exception {
    HttpUrl pod =
        stub(
            Map.of(
                "/knowledge_base/list_knowledge_bases", DB_OK,
                "/knowledge_base/search_docs", "[]",
                "/chat/chat/completions", "500:{\"detail\":\"Connection error.\"}"));
    List<SmokeGates.Result> r = gates.run(pod, ALL);
    assertFalse(r.get(1).passed());
    assertTrue(r.get(1).message().contains("returned no documents"), r.get(1).message());
    SmokeGates.Config chatOnly =
        new SmokeGates.Config(
            false,
            false,
            null,
            "hi",
            0.0,
            true,
            "qwen2.5-7b",
            Duration.ofSeconds(2),
            1,
            Duration.ZERO);
    SmokeGates.Result chat = gates.run(pod, chatOnly).get(0);
    assertFalse(chat.passed());
    assertTrue(chat.message().contains("HTTP 500"), chat.message());
  }

  @Test
  void aPodThatDoesNotAnswerInTimeFails() throws Exception {
    HttpUrl pod = stub(Map.of("/knowledge_base/list_knowledge_bases", "sleep:1500"));
    SmokeGates.Config fast =
        new SmokeGates.Config(
            true, false, null, null, 0.0, false, null, Duration.ofMillis(300), 1, Duration.ZERO);
    SmokeGates.Result r = gates.run(pod, fast).get(0);
    assertFalse(r.passed());
    assertTrue(r.message().toLowerCase().contains("timeout"), r.message());
  }

  @Test
  void thePodIpResolverNeverInventsAnAddress() {
    Pod pending = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    assertNull(PodAddressResolver.POD_IP.baseUrl(pending, 7861));
    Pod running =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .endMetadata()
            .withNewStatus()
            .withPodIP("198.51.100.7")
            .endStatus()
            .build();
    assertEquals(
        "http://198.51.100.7:7861/", PodAddressResolver.POD_IP.baseUrl(running, 7861).toString());
  }
}
