package io.chatchat.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** /healthz (liveness), /readyz (readiness) and /metrics (Prometheus text format). */
public final class HttpEndpoints implements AutoCloseable {
  private final HttpServer server;

  /** Why the operator is not live or not ready; null when it is. */
  public interface Check extends Supplier<String> {}

  public HttpEndpoints(
      String bindAddress, int port, Check liveness, Check readiness, CollectorRegistry registry)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
    server.createContext("/healthz", ex -> check(ex, liveness));
    server.createContext("/readyz", ex -> check(ex, readiness));
    server.createContext(
        "/metrics",
        ex -> {
          StringWriter w = new StringWriter();
          TextFormat.write004(w, registry.metricFamilySamples());
          respond(ex, 200, TextFormat.CONTENT_TYPE_004, w.toString());
        });
    server.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "http-endpoints");
              t.setDaemon(true);
              return t;
            }));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void check(HttpExchange ex, Check check) throws IOException {
    String problem = check.get();
    if (problem == null) {
      respond(ex, 200, "text/plain", "ok\n");
    } else {
      respond(ex, 503, "text/plain", problem + "\n");
    }
  }

  private static void respond(HttpExchange ex, int code, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
