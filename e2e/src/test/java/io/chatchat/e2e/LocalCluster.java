package io.chatchat.e2e;

import io.chatchat.e2e.runner.PodRunner;
import io.chatchat.operator.OperatorConfig;
import io.chatchat.operator.OperatorMain;
import io.chatchat.operator.rollout.AddressFileResolver;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.client.CollectorRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The real local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, etcd and
 * kwok) that every end-to-end test runs against, started once per JVM by the same script as the
 * quick start (building the binaries on first use), plus the operator running in this JVM.
 *
 * <p>The cluster is stopped when the JVM exits unless CHATCHAT_E2E_KEEP_CLUSTER=true (handy for
 * repeated local runs; CI always stops it).
 */
public final class LocalCluster {
  public static final String CLUSTER_NAME = "chatchat-e2e";
  public static final Path REPO =
      Path.of(System.getProperty("chatchat.repoRoot", "..")).toAbsolutePath().normalize();
  private static final Path SCRIPT = REPO.resolve("e2e/scripts/local-cluster.sh");
  public static final Path CRD = REPO.resolve("crds/chatchatclusters.chatchat.io-v1.yml");

  private static LocalCluster instance;

  public final Path kubeconfig;
  public final KubernetesClient client;
  private final Path kubectl;
  private OperatorMain operator;

  /** Where the operator's smoke gates reach the fake API pods: stubs on 127.0.0.1. */
  final StubPods stubs = new StubPods();

  /** The kubelet of node proc-0, whose pods are real local processes (started with the cluster). */
  public PodRunner runner;

  private Path runnerState;

  private LocalCluster(Path kubeconfig) throws IOException {
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build();
    this.kubectl = Path.of(script("kubectl-path").trim());
  }

  /** The cluster, started (and the operator with it) on first use. */
  public static synchronized LocalCluster get() {
    if (instance == null) {
      try {
        String out = script("up");
        String[] lines = out.trim().split("\n");
        instance = new LocalCluster(Path.of(lines[lines.length - 1].trim()));
        instance.installCrd();
        instance.startRunner();
        instance.startOperator();
        Runtime.getRuntime().addShutdownHook(new Thread(instance::shutdown, "local-cluster-stop"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return instance;
  }

  private void installCrd() throws IOException {
    try (InputStream in = Files.newInputStream(CRD)) {
      for (HasMetadata o : client.load(in).items()) {
        client.resource(o).fieldManager("e2e").forceConflicts().serverSideApply();
      }
    }
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("chatchatclusters.chatchat.io")
        .waitUntilCondition(LocalCluster::established, 60, TimeUnit.SECONDS);
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        // A brand-new CRD has a status without conditions for a moment.
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * Starts the pod runner for node proc-0 (tainted, so that only pods tolerating {@link
   * #PROCESS_TOLERATION_KEY} run there as real processes; every other pod stays on kwok's nodes).
   */
  private void startRunner() throws IOException {
    List<Path> venvs = runtimes();
    runnerState = Files.createTempDirectory(REPO.resolve("e2e/target"), "pod-runner-");
    runner =
        new PodRunner(
            client,
            PROCESS_NODE,
            runnerState,
            REPO.resolve("e2e/runtime"),
            venvs.get(3),
            venvs.get(4),
            venvs.get(2),
            venvs.get(1),
            venvs.get(0));
    runner.start(true);
  }

  private static List<Path> runtimes;

  /**
   * The runtimes, as the last five lines runtimes.sh prints: Valkey, LiteLLM, Milvus, Chatchat, and
   * Chatchat without the store drivers (built once, then cached; the script runs once per JVM).
   */
  private static synchronized List<Path> runtimes() {
    if (runtimes == null) {
      List<String> lines = List.of(script("runtimes").trim().split("\n"));
      runtimes =
          lines.subList(lines.size() - 5, lines.size()).stream()
              .map(l -> Path.of(l.trim()))
              .toList();
    }
    return runtimes;
  }

  /** The real Chatchat runtime's virtualenv. */
  public static Path chatchatVenv() {
    return runtimes().get(3);
  }

  public static final String PROCESS_NODE = "proc-0";
  public static final String PROCESS_TOLERATION_KEY = PodRunner.NODE_LABEL;

  /** Pods on proc-0 are reached where the runner says; the rest are stubs. */
  private PodAddressResolver resolver() {
    AddressFileResolver processes = new AddressFileResolver(runnerState.resolve("addresses.json"));
    return (pod, port) ->
        PROCESS_NODE.equals(pod.getSpec().getNodeName())
            ? processes.baseUrl(pod, port)
            : stubs.baseUrl(pod, port);
  }

  /** Where a port of a process-backed pod is reachable on 127.0.0.1, or -1. */
  public int podPort(String namespace, String pod, int port) {
    return address("pods", namespace + "/" + pod, port);
  }

  /** Where a Service port of a process-backed pod is reachable on 127.0.0.1, or -1. */
  public int servicePort(String namespace, String service, int port) {
    return address("services", namespace + "/" + service, port);
  }

  private int address(String kind, String key, int port) {
    try {
      var json =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .readTree(Files.readString(runnerState.resolve("addresses.json")));
      var p = json.path(kind).path(key).path(String.valueOf(port));
      return p.canConvertToInt() ? p.asInt() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** (Re)starts the in-process operator, as a fresh process would. */
  public synchronized void startOperator() {
    try {
      operator =
          OperatorMain.start(
              new OperatorConfig(Set.of(), "127.0.0.1", 0, null, 4, false),
              client,
              new CollectorRegistry(true),
              resolver());
    } catch (Exception e) {
      throw new IllegalStateException("operator did not start", e);
    }
  }

  public synchronized void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
  }

  /** Port of the operator's /healthz, /readyz and /metrics server (on 127.0.0.1). */
  public synchronized int operatorHttpPort() {
    return operator.httpPort();
  }

  /** Makes sure enough unbound PersistentVolumes exist for the claims a test creates. */
  public void ensureVolumes(int available) {
    script("pv-pool", String.valueOf(available));
  }

  /** Runs the cluster's kubectl against it and returns its standard output. */
  public String kubectl(String... args) {
    return run(kubectlCommand(args), Map.of(), false);
  }

  /** The command line of the cluster's kubectl with these arguments. */
  public List<String> kubectlCommand(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(kubectl.toString());
    cmd.add("--kubeconfig");
    cmd.add(kubeconfig.toString());
    cmd.addAll(List.of(args));
    return cmd;
  }

  private void shutdown() {
    stopOperator();
    if (runner != null) {
      runner.close();
    }
    stubs.close();
    client.close();
    if (!"true".equals(System.getenv("CHATCHAT_E2E_KEEP_CLUSTER"))) {
      script("down");
    }
  }

  private static final Map<String, Path> PROMETHEUS_TOOLS = new java.util.HashMap<>();

  /** promtool, built from Go modules by e2e/scripts/prometheus.sh (once, then cached). */
  public static Path promtool() {
    return prometheusTool("promtool");
  }

  /** The Prometheus server, built from Go modules by e2e/scripts/prometheus.sh. */
  public static Path prometheus() {
    return prometheusTool("prometheus");
  }

  private static synchronized Path prometheusTool(String tool) {
    return PROMETHEUS_TOOLS.computeIfAbsent(
        tool,
        t -> {
          String out =
              run(
                  List.of("bash", REPO.resolve("e2e/scripts/prometheus.sh").toString(), t),
                  Map.of(),
                  true);
          List<String> lines = List.of(out.trim().split("\n"));
          return Path.of(lines.get(lines.size() - 1).trim());
        });
  }

  /** Runs a script of e2e/scripts with bash and returns its standard output. */
  public static String runScript(String name, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("bash");
    cmd.add(REPO.resolve("e2e/scripts").resolve(name).toString());
    cmd.addAll(List.of(args));
    return run(cmd, Map.of(), true);
  }

  private static String script(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("bash");
    cmd.add(SCRIPT.toString());
    cmd.addAll(List.of(args));
    return run(cmd, Map.of("CHATCHAT_CLUSTER_NAME", CLUSTER_NAME), true);
  }

  /** Runs a command; its standard error goes to the test output so progress shows. */
  private static String run(List<String> cmd, Map<String, String> env, boolean showErr) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().putAll(env);
      pb.redirectError(showErr ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.PIPE);
      Process p = pb.start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Thread errReader = null;
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      if (!showErr) {
        errReader =
            new Thread(
                () -> {
                  try {
                    p.getErrorStream().transferTo(err);
                  } catch (IOException ignored) {
                    // the process ended
                  }
                });
        errReader.start();
      }
      p.getInputStream().transferTo(out);
      if (!p.waitFor(Duration.ofMinutes(60).toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + cmd);
      }
      if (errReader != null) {
        errReader.join();
      }
      String stdout = out.toString(StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "command failed ("
                + p.exitValue()
                + "): "
                + String.join(" ", cmd)
                + "\n"
                + stdout
                + err.toString(StandardCharsets.UTF_8));
      }
      return stdout;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
