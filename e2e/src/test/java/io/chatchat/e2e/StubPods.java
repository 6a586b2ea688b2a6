package io.chatchat.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;

/**
 * The pod-address resolver of the e2e operator: one stub Chatchat API server on 127.0.0.1 per fake
 * pod, started the first time the operator asks for that pod. The stub answers like Chatchat:
 * healthy, or, for a pod whose first image is {@link #BAD_ANSWERS_IMAGE}, with the HTTP 200 and
 * error code Chatchat gives when its database is unreachable. Fake pod IPs are never dialled.
 */
final class StubPods implements PodAddressResolver {
  /** A Chatchat image whose pods become Ready (kwok) but answer with database errors. */
  static final String BAD_ANSWERS_IMAGE = "registry.invalid/chatchat-broken:bad-answers";

  /** Bound on the stubs one test run may start (each is a small server thread). */
  private static final int MAX_STUBS = 400;

  private final Map<String, HttpServer> servers = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();

  @Override
  public HttpUrl baseUrl(Pod pod, int port) {
    String key = pod.getMetadata().getUid();
    HttpServer server =
        servers.computeIfAbsent(
            key,
            k -> {
              if (servers.size() >= MAX_STUBS) {
                throw new IllegalStateException("more than " + MAX_STUBS + " stub pods");
              }
              return start(BAD_ANSWERS_IMAGE.equals(image(pod)));
            });
    return new HttpUrl.Builder()
        .scheme("http")
        .host("127.0.0.1")
        .port(server.getAddress().getPort())
        .build();
  }

  /** Requests the stubs answered so far. */
  int requests() {
    return requests.get();
  }

  /** Stubs started so far (one per pod the operator gated). */
  int stubs() {
    return servers.size();
  }

  void close() {
    servers.values().forEach(s -> s.stop(0));
    servers.clear();
  }

  private static String image(Pod pod) {
    return pod.getSpec().getContainers().get(0).getImage();
  }

  private HttpServer start(boolean broken) {
    try {
      HttpServer s =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.createContext(
          "/knowledge_base/list_knowledge_bases",
          ex ->
              answer(
                  ex,
                  broken
                      ? "{\"code\":500,\"msg\":\"(pymysql.err.OperationalError) (2003, \\\"Can't"
                          + " connect to MySQL server\\\")\",\"data\":[]}"
                      : "{\"code\":200,\"msg\":\"success\",\"data\":[\"samples\"]}"));
      s.createContext(
          "/knowledge_base/search_docs",
          ex ->
              answer(
                  ex,
                  broken
                      ? "[]"
                      : "[{\"page_content\":\"Langchain-Chatchat answers from a knowledge"
                          + " base.\",\"metadata\":{\"source\":\"README.md\"},\"score\":0.4}]"));
      s.createContext(
          "/chat/chat/completions",
          ex ->
              answer(
                  ex,
                  broken
                      ? "{\"choices\":[]}"
                      : "{\"id\":\"stub\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                          + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the"
                          + " stub.\"},\"finish_reason\":\"stop\"}]}"));
      s.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void answer(HttpExchange ex, String json) throws IOException {
    requests.incrementAndGet();
    ex.getRequestBody().readAllBytes();
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
