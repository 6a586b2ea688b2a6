package io.chatchat.e2e.runner;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One pod run as a local process: its container's lifecycle (start, probes, restarts, exit code,
 * termination message) as the kubelet drives it, reported as the pod's status.
 */
final class PodProcess implements Runnable {
  private final PodRunner runner;
  private final Pod pod;
  private final Container container;
  final Path dir;

  /** The pod's Unix sockets: short, for the 108-byte limit of socket paths. */
  final Path net;

  final String podIp;
  private final Instant startTime = Instant.now();
  private final Consumer<Map<String, Object>> statusWriter;

  private volatile boolean stopping;
  private volatile boolean ready;
  private volatile boolean partitioned;
  private volatile Process process;
  private volatile long initPid;
  private Map<String, String> env = Map.of();
  private int restarts;
  private Map<String, Object> lastState;
  private final CriLog criLog;

  PodProcess(PodRunner runner, Pod pod, Path dir, String podIp, Consumer<Map<String, Object>> w) {
    this.runner = runner;
    this.pod = pod;
    this.container = pod.getSpec().getContainers().get(0);
    this.dir = dir;
    this.net = runner.sockets.resolve("p").resolve(pod.getMetadata().getUid().substring(0, 8));
    this.podIp = podIp;
    this.statusWriter = w;
    this.criLog = new CriLog(logFile());
  }

  /** The container's log, in the CRI format (kwok serves it for `kubectl logs`). */
  Path logFile() {
    return dir.resolve("logs").resolve(container.getName() + ".log");
  }

  Pod pod() {
    return pod;
  }

  boolean ready() {
    return ready;
  }

  /** Cut off from the network (a fault test): Services and pod ports refuse new connections. */
  boolean partitioned() {
    return partitioned;
  }

  void partition(boolean cutOff) {
    partitioned = cutOff;
  }

  /** Ports the pod serves: declared container ports and the ports its probes use. */
  Set<Integer> inboundPorts() {
    Set<Integer> ports = new LinkedHashSet<>();
    for (ContainerPort p :
        container.getPorts() == null ? List.<ContainerPort>of() : container.getPorts()) {
      ports.add(p.getContainerPort());
    }
    for (Probe pr : probes()) {
      if (pr.getHttpGet() != null) {
        ports.add(Probes.port(container, pr.getHttpGet().getPort()));
      } else if (pr.getTcpSocket() != null) {
        ports.add(Probes.port(container, pr.getTcpSocket().getPort()));
      }
    }
    return ports;
  }

  private List<Probe> probes() {
    List<Probe> out = new ArrayList<>();
    for (Probe p :
        new Probe[] {
          container.getStartupProbe(), container.getReadinessProbe(), container.getLivenessProbe()
        }) {
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  private boolean restartAlways() {
    return !"Never".equals(pod.getSpec().getRestartPolicy())
        && !"OnFailure".equals(pod.getSpec().getRestartPolicy());
  }

  @Override
  public void run() {
    Thread.currentThread()
        .setName("pod-" + pod.getMetadata().getNamespace() + "-" + pod.getMetadata().getName());
    long backoff = 5_000;
    while (!stopping) {
      int code;
      try {
        code = runOnce();
      } catch (PodEnv.ConfigError e) {
        report(waiting("CreateContainerConfigError", e.getMessage()), "Pending");
        sleep(3_000);
        continue;
      } catch (UnknownImage e) {
        report(waiting("ErrImagePull", e.getMessage()), "Pending");
        sleep(5_000);
        continue;
      } catch (IOException e) {
        report(waiting("RunContainerError", String.valueOf(e)), "Pending");
        sleep(3_000);
        continue;
      }
      if (stopping) {
        return;
      }
      boolean again =
          restartAlways() || ("OnFailure".equals(pod.getSpec().getRestartPolicy()) && code != 0);
      if (!again) {
        report(terminated(code), code == 0 ? "Succeeded" : "Failed");
        return;
      }
      restarts++;
      lastState = terminated(code);
      report(waiting("CrashLoopBackOff", "back-off restarting failed container"), "Running");
      sleep(backoff);
      backoff = Math.min(backoff * 2, 40_000);
    }
  }

  static final class UnknownImage extends Exception {
    UnknownImage(String m) {
      super(m);
    }
  }

  /** Starts the container once and supervises it until it exits; returns its exit code. */
  private int runOnce() throws IOException, PodEnv.ConfigError, UnknownImage {
    Runtimes.Runtime rt = runner.runtimes.forImage(container.getImage());
    if (rt == null) {
      throw new UnknownImage(
          "no local runtime for image "
              + container.getImage()
              + " (see the runner's substitutions)");
    }
    Map<String, Path> volumes =
        PodSandbox.prepareVolumes(runner.client, pod, dir, runner.claimsDir);
    env = PodEnv.resolve(runner.client, pod, container, podIp, rt.env());
    List<String> command = rt.command(PodEnv.command(container, env));
    if (command.isEmpty()) {
      throw new PodEnv.ConfigError(
          "the process runner needs an explicit command for image " + container.getImage());
    }
    Files.createDirectories(net);
    Files.writeString(dir.resolve("termination-log"), "");
    runner.writeNetwork(this);
    Path log = logFile();
    Files.createDirectories(log.getParent());
    List<String> bwrap =
        PodSandbox.bwrap(
            pod,
            container,
            rt,
            volumes,
            env,
            dir,
            net,
            runner.svcDir,
            runner.podInit,
            runner.python,
            command);
    process = new ProcessBuilder(bwrap).redirectErrorStream(true).start();
    criLog.pump(process.getInputStream());
    initPid = awaitChild(process);
    Instant started = Instant.now();
    ready = false;
    report(running(started, false, false), "Running");
    boolean startedOk = container.getStartupProbe() == null;
    int startupFailures = 0;
    int livenessFailures = 0;
    int readinessFailures = 0;
    long nextReadiness = 0;
    long nextLiveness = 0;
    long startupBudget = budget(container.getStartupProbe());
    long t0 = System.currentTimeMillis();
    while (process.isAlive() && !stopping) {
      long now = System.currentTimeMillis();
      if (!startedOk) {
        Probe sp = container.getStartupProbe();
        if (now - t0 >= delay(sp) && Probes.run(sp, container, net, initPid, env)) {
          startedOk = true;
          report(running(started, true, false), "Running");
        } else if (now - t0 > startupBudget) {
          criLog.write(
              "[pod-runner] startup probe failed for " + startupBudget / 1000 + " s: restarting");
          kill();
          break;
        }
        sleep(1_000);
        continue;
      }
      Probe rp = container.getReadinessProbe();
      if (now >= nextReadiness) {
        boolean ok = rp == null || Probes.run(rp, container, net, initPid, env);
        readinessFailures = ok ? 0 : readinessFailures + 1;
        boolean newReady = ok || (ready && readinessFailures < threshold(rp));
        if (newReady != ready || nextReadiness == 0) {
          ready = newReady;
          report(running(started, true, ready), "Running");
        }
        nextReadiness = now + period(rp);
      }
      Probe lp = container.getLivenessProbe();
      if (lp != null && now >= nextLiveness && now - t0 >= delay(lp)) {
        livenessFailures = Probes.run(lp, container, net, initPid, env) ? 0 : livenessFailures + 1;
        if (livenessFailures >= threshold(lp)) {
          criLog.write(
              "[pod-runner] liveness probe failed " + livenessFailures + " times: restarting");
          kill();
          break;
        }
        nextLiveness = now + period(lp);
      }
      sleep(500);
    }
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ready = false;
    return process.exitValue();
  }

  private static long delay(Probe p) {
    return p.getInitialDelaySeconds() == null ? 0 : p.getInitialDelaySeconds() * 1000L;
  }

  private static long period(Probe p) {
    return p == null || p.getPeriodSeconds() == null ? 10_000 : p.getPeriodSeconds() * 1000L;
  }

  private static int threshold(Probe p) {
    return p == null || p.getFailureThreshold() == null ? 3 : p.getFailureThreshold();
  }

  private static long budget(Probe p) {
    return p == null ? 0 : delay(p) + period(p) * threshold(p);
  }

  private static long awaitChild(Process p) {
    for (int i = 0; i < 100; i++) {
      var child = p.toHandle().children().findFirst();
      if (child.isPresent()) {
        return child.get().pid();
      }
      if (!p.isAlive()) {
        break;
      }
      sleep(20);
    }
    return p.pid();
  }

  /**
   * Sends a signal (STOP, CONT, ...) to every process of the pod, for fault tests: a stopped
   * database hangs its clients as a frozen or partitioned server does.
   */
  void signalAll(String signal) throws IOException {
    Process p = process;
    if (p == null) {
      return;
    }
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
    p.descendants().forEach(h -> cmd.add(String.valueOf(h.pid())));
    try {
      new ProcessBuilder(cmd).inheritIO().start().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Ends the container: preStop hook, SIGTERM, and SIGKILL after the grace period. */
  void stop(long graceSeconds) {
    stopping = true;
    Process p = process;
    if (p == null || !p.isAlive()) {
      return;
    }
    var preStop = container.getLifecycle() == null ? null : container.getLifecycle().getPreStop();
    long deadline = System.currentTimeMillis() + graceSeconds * 1000;
    if (preStop != null && preStop.getExec() != null) {
      try {
        Probes.exec(initPid, env, preStop.getExec().getCommand(), (int) graceSeconds);
      } catch (IOException ignored) {
        // the hook failed: go on to SIGTERM as the kubelet does
      }
    }
    // The container's processes now: like a kubelet ending the container's cgroup, the stop ends
    // them all, also those that outlive the process that started them (Chatchat's workers do).
    List<ProcessHandle> tree = p.descendants().toList();
    // Never pid 0 (kill(0) would signal the runner's whole process group): before the sandbox's
    // first process is known, bwrap itself gets the SIGTERM.
    ProcessHandle.of(initPid > 1 ? initPid : p.pid()).ifPresent(ProcessHandle::destroy);
    try {
      long left = Math.max(1, deadline - System.currentTimeMillis());
      if (!p.waitFor(left, TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private void kill() {
    Process p = process;
    if (p != null) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- status ----

  private Map<String, Object> waiting(String reason, String message) {
    return Map.of("waiting", Map.of("reason", reason, "message", message));
  }

  private Map<String, Object> running(Instant started, boolean startedOk, boolean isReady) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("running", Map.of("startedAt", started.toString()));
    s.put("_started", startedOk);
    s.put("_ready", isReady);
    return s;
  }

  private Map<String, Object> terminated(int code) {
    String message = terminationMessage(code);
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("exitCode", code);
    t.put("reason", code == 0 ? "Completed" : "Error");
    if (!message.isEmpty()) {
      t.put("message", message);
    }
    t.put("startedAt", startTime.toString());
    t.put("finishedAt", Instant.now().toString());
    return Map.of("terminated", t);
  }

  private String terminationMessage(int code) {
    try {
      String m = Files.readString(dir.resolve("termination-log"));
      if (m.isEmpty()
          && code != 0
          && "FallbackToLogsOnError".equals(container.getTerminationMessagePolicy())) {
        List<String> lines = List.of(CriLog.text(logFile()).split("\n"));
        m = String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
        if (m.length() > 2048) {
          m = m.substring(m.length() - 2048);
        }
      }
      return m.length() > 4096 ? m.substring(0, 4096) : m;
    } catch (IOException e) {
      return "";
    }
  }

  private void report(Map<String, Object> state, String phase) {
    if (stopping) {
      return;
    }
    Map<String, Object> st = new LinkedHashMap<>(state);
    boolean started = Boolean.TRUE.equals(st.remove("_started"));
    boolean isReady = Boolean.TRUE.equals(st.remove("_ready"));
    String now = Instant.now().toString();
    Map<String, Object> cs = new LinkedHashMap<>();
    cs.put("name", container.getName());
    cs.put("image", container.getImage());
    cs.put("imageID", "");
    cs.put("ready", isReady);
    cs.put("started", started);
    cs.put("restartCount", restarts);
    cs.put("state", st);
    if (lastState != null) {
      cs.put("lastState", lastState);
    }
    List<Map<String, Object>> conditions = new ArrayList<>();
    conditions.add(condition("PodScheduled", true, now));
    conditions.add(condition("Initialized", true, now));
    conditions.add(condition("ContainersReady", isReady, now));
    conditions.add(condition("Ready", isReady, now));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("phase", phase);
    status.put("conditions", conditions);
    status.put("hostIP", runner.nodeIp);
    status.put("podIP", podIp);
    status.put("podIPs", List.of(Map.of("ip", podIp)));
    status.put("startTime", startTime.toString());
    status.put("containerStatuses", List.of(cs));
    statusWriter.accept(status);
  }

  private static Map<String, Object> condition(String type, boolean value, String now) {
    return Map.of("type", type, "status", value ? "True" : "False", "lastTransitionTime", now);
  }
}
