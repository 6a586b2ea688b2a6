package io.chatchat.e2e.bench;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's own local cluster (named chatchat-bench, so it never meets the end-to-end tests'
 * cluster): the real control plane of local-cluster.sh with its audit log on and a /16 Service
 * range, plus enough fake kwok nodes and PersistentVolumes for the clusters it creates.
 */
final class BenchCluster implements AutoCloseable {
  static final String NAME = "chatchat-bench";
  static final String USER_AGENT = "chatchat-scale-benchmark";

  /** The controller-manager's API request rate; empty: Kubernetes' default (20 per second). */
  static final String CONTROLLER_QPS = System.getProperty("bench.controllerQps", "").trim();

  final Path repo;
  final Path kubeconfig;
  final Path auditLog;
  final KubernetesClient client;

  private BenchCluster(Path repo, Path kubeconfig) throws IOException {
    this.repo = repo;
    this.kubeconfig = kubeconfig;
    this.auditLog = kubeconfig.resolveSibling("logs").resolve("audit.log");
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    // The benchmark's own requests are told apart from the operator's in the audit log.
    config.setUserAgent(USER_AGENT);
    config.setRequestTimeout(60_000);
    this.client = new KubernetesClientBuilder().withConfig(config).build();
  }

  static BenchCluster up(Path repo) throws IOException, InterruptedException {
    String out = script(repo, "up");
    String[] lines = out.trim().split("\n");
    return new BenchCluster(repo, Path.of(lines[lines.length - 1].trim()));
  }

  private static String script(Path repo, String... args) throws IOException, InterruptedException {
    var command =
        new java.util.ArrayList<>(
            java.util.List.of("bash", repo.resolve("e2e/scripts/local-cluster.sh").toString()));
    command.addAll(java.util.List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("CHATCHAT_CLUSTER_NAME", NAME);
    pb.environment().put("CHATCHAT_CLUSTER_AUDIT", "true");
    if (!CONTROLLER_QPS.isEmpty()) {
      pb.environment().put("CHATCHAT_CLUSTER_CONTROLLER_QPS", CONTROLLER_QPS);
    }
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " failed");
    }
    return out;
  }

  /** Installs the CRD from crds/ and waits until it serves. */
  void installCrd() throws IOException {
    try (var in = Files.newInputStream(repo.resolve("crds/chatchatclusters.chatchat.io-v1.yml"))) {
      for (HasMetadata o : client.load(in).items()) {
        client.resource(o).forceConflicts().serverSideApply();
      }
    }
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("chatchatclusters.chatchat.io")
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
            60,
            TimeUnit.SECONDS);
  }

  /** A new, empty namespace with the Secrets the example specs name. */
  void freshNamespace(String ns) {
    if (client.namespaces().withName(ns).get() != null) {
      client.namespaces().withName(ns).delete();
      client.namespaces().withName(ns).waitUntilCondition(n -> n == null, 10, TimeUnit.MINUTES);
    }
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("chatchat-db")
                .withNamespace(ns)
                .endMetadata()
                .addToStringData(
                    "uri", "mysql+pymysql://chatchat:bench@mysql.databases.svc:3306/chatchat")
                .build())
        .create();
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("hf-token")
                .withNamespace(ns)
                .endMetadata()
                .addToStringData("token", "hf_bench")
                .build())
        .create();
  }

  /**
   * Fake CPU nodes for the benchmark's pods (the cluster's four nodes hold 110 pods each), managed
   * by kwok like the others; their IPs come from a documentation range and are never dialled.
   */
  void benchNodes(int count, int podsEach) {
    for (int i = 0; i < count; i++) {
      String name = "kwok-bench-" + i;
      Map<String, Quantity> capacity =
          Map.of(
              "cpu", new Quantity("256"),
              "memory", new Quantity("1Ti"),
              "pods", new Quantity(String.valueOf(podsEach)));
      client
          .resource(
              new NodeBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .addToAnnotations("kwok.x-k8s.io/node", "fake")
                  .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                  .addToLabels("kubernetes.io/hostname", name)
                  .addToLabels("kubernetes.io/os", "linux")
                  .addToLabels("kubernetes.io/arch", "amd64")
                  .addToLabels("type", "kwok")
                  .addToLabels("topology.kubernetes.io/zone", i % 2 == 0 ? "zone-a" : "zone-b")
                  .endMetadata()
                  .withNewStatus()
                  .withAllocatable(capacity)
                  .withCapacity(capacity)
                  .endStatus()
                  .build())
          .forceConflicts()
          .serverSideApply();
    }
  }

  /** At least this many unbound PersistentVolumes. */
  void pvPool(int available) throws IOException, InterruptedException {
    script(repo, "pv-pool", String.valueOf(available));
  }

  static void sleep(Duration d) throws InterruptedException {
    Thread.sleep(d.toMillis());
  }

  @Override
  public void close() {
    client.close();
  }
}
