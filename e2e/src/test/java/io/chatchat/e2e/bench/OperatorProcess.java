package io.chatchat.e2e.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as its own process ({@code java <options> -jar}), the way the chart runs it, with
 * its memory and CPU read from /proc and its heap from its own /metrics, all on 127.0.0.1.
 */
final class OperatorProcess implements AutoCloseable {
  private static final Pattern HEAP_USED =
      Pattern.compile("^jvm_memory_bytes_used\\{area=\"heap\",?}\\s+(\\S+)$", Pattern.MULTILINE);
  private static final Pattern HEAP_COMMITTED =
      Pattern.compile(
          "^jvm_memory_bytes_committed\\{area=\"heap\",?}\\s+(\\S+)$", Pattern.MULTILINE);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int port;
  private final long startedNanos;

  private OperatorProcess(Process process, int port, long startedNanos) {
    this.process = process;
    this.port = port;
    this.startedNanos = startedNanos;
  }

  /** Starts the operator jar watching one namespace; its output goes to {@code log}. */
  static OperatorProcess start(
      Path jar, List<String> jvmOptions, Path kubeconfig, String namespace, Path log)
      throws IOException {
    Path addresses = Files.createTempFile("bench-pod-addresses", ".json");
    // No pod is dialled: every smoke gate finds "no address yet".
    Files.writeString(addresses, "{\"pods\": {}}");
    int port = freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("WATCH_NAMESPACES", namespace);
    pb.environment().put("OPERATOR_HTTP_BIND_ADDRESS", "127.0.0.1");
    pb.environment().put("OPERATOR_HTTP_PORT", String.valueOf(port));
    pb.environment().put("OPERATOR_POD_ADDRESSES_FILE", addresses.toString());
    pb.environment().put("HOSTNAME", "scale-benchmark");
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    long t0 = System.nanoTime();
    return new OperatorProcess(pb.start(), port, t0);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  long pid() {
    return process.pid();
  }

  /** Seconds from the process start until /readyz answered 200. */
  double awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the operator exited with " + process.exitValue());
      }
      if (get("/readyz").startsWith("200")) {
        return (System.nanoTime() - startedNanos) / 1e9;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the operator was not ready after " + timeout);
  }

  /** "200 body" or "000" when nothing answers. */
  private String get(String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (IOException e) {
      return "000";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "000";
    }
  }

  /** Resident memory now, in MiB. */
  double rssMiB() {
    return procStatus("VmRSS");
  }

  /** The largest resident memory since the process started (the kernel's high-water mark). */
  double peakRssMiB() {
    return procStatus("VmHWM");
  }

  private double procStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
      }
      return Double.NaN;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** User plus system CPU seconds the process has used. */
  double cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command; 100 ticks a
      // second.
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Heap used and committed, in MiB, from the operator's /metrics; NaN when it does not answer. */
  double[] heapMiB() {
    String metrics = get("/metrics");
    return new double[] {metric(HEAP_USED, metrics), metric(HEAP_COMMITTED, metrics)};
  }

  private static double metric(Pattern p, String text) {
    Matcher m = p.matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) / (1024 * 1024) : Double.NaN;
  }

  /** Asks the JVM for a full collection (jcmd GC.run) and waits for it. */
  void fullGc() throws IOException, InterruptedException {
    jcmd("GC.run");
  }

  /** The classes with the most live bytes (jcmd GC.class_histogram), as "bytes class" lines. */
  List<String> histogram(int top) throws IOException, InterruptedException {
    List<String> rows = new ArrayList<>();
    for (String line : jcmd("GC.class_histogram")) {
      // "   1:        123456      7890123  java.lang.String (java.base@17)"
      String[] f = line.trim().split("\\s+");
      if (f.length >= 4 && f[0].endsWith(":") && rows.size() < top) {
        rows.add(String.format("%.1f MiB %s", Long.parseLong(f[2]) / 1048576.0, f[3]));
      }
    }
    return rows;
  }

  private static final Pattern NMT_TOTAL =
      Pattern.compile("^Total: reserved=\\d+KB, committed=(\\d+)KB");
  private static final Pattern NMT_CATEGORY =
      Pattern.compile("^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)");

  /**
   * The JVM's own account of its memory (jcmd VM.native_memory summary): the total, then the
   * largest categories, as "category committed" entries; empty unless the JVM runs with
   * -XX:NativeMemoryTracking.
   */
  List<String> nativeMemory(int top) throws IOException, InterruptedException {
    List<String> total = new ArrayList<>();
    List<Map.Entry<String, Long>> categories = new ArrayList<>();
    for (String line : jcmd("VM.native_memory", "summary")) {
      Matcher t = NMT_TOTAL.matcher(line.trim());
      Matcher c = NMT_CATEGORY.matcher(line.trim());
      if (t.find()) {
        total.add(String.format("total %.0f MiB", Long.parseLong(t.group(1)) / 1024.0));
      } else if (c.find()) {
        categories.add(Map.entry(c.group(1), Long.parseLong(c.group(2))));
      }
    }
    categories.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    List<String> rows = new ArrayList<>(total);
    categories.stream()
        .limit(top)
        .forEach(e -> rows.add(String.format("%s %.1f MiB", e.getKey(), e.getValue() / 1024.0)));
    return rows;
  }

  /** The output lines of jcmd for this process, once it is done (at most a minute). */
  private List<String> jcmd(String... command) throws IOException, InterruptedException {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
    List<String> args =
        new ArrayList<>(List.of(java.resolveSibling("jcmd").toString(), String.valueOf(pid())));
    args.addAll(List.of(command));
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
    p.waitFor(60, TimeUnit.SECONDS);
    return lines;
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGTERM, and SIGKILL after 30 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
