package io.chatchat.e2e.bench;

import static io.chatchat.e2e.bench.Report.f;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark of issue 14: one operator process, its own local cluster (audit log on), and
 * the figures table (start, idle memory, one cluster at a time, a burst of hundreds, idle traffic,
 * a restart). Not part of the default test run (the name does not end in Test); run it with {@code
 * e2e/bench/scale.sh}. Settings are system properties (bench.*), listed in that script.
 */
class ScaleBenchmark {
  private static final Path REPO =
      Path.of(System.getProperty("chatchat.repoRoot", "..")).toAbsolutePath().normalize();
  private static final String NS = "bench";
  private static final Predicate<String> OPERATOR =
      agent -> agent.startsWith("fabric8-kubernetes-client");

  private static final Predicate<String> CONTROLLER_MANAGER =
      agent -> agent.startsWith("kube-controller-manager/");

  private final int burst = Integer.getInteger("bench.clusters", 500);
  private final int sequential = Integer.getInteger("bench.sequential", 20);
  private final int production = Integer.getInteger("bench.production", 5);
  private final int managed = Integer.getInteger("bench.managed", 10);
  private final int idleMinutes = Integer.getInteger("bench.idleMinutes", 3);
  private final int starts = Integer.getInteger("bench.starts", 3);
  private final int rolloutCount = Integer.getInteger("bench.rollouts", 3);
  private final String label = System.getProperty("bench.label", "run");
  private final Path jar =
      Path.of(
          System.getProperty(
              "bench.operatorJar",
              REPO.resolve("operator/target/chatchat-operator.jar").toString()));
  private final List<String> jvmOptions =
      Arrays.stream(System.getProperty("bench.jvmOptions", "").trim().split("\\s+"))
          .filter(s -> !s.isEmpty())
          .toList();
  private final Path log = REPO.resolve("e2e/target/bench-operator-" + label + ".log");

  private BenchCluster cluster;
  private AuditLog audit;
  private final Report report = new Report();

  @Test
  void scale() throws Exception {
    cluster = BenchCluster.up(REPO);
    audit = new AuditLog(cluster.auditLog);
    cluster.installCrd();
    cluster.benchNodes(8, 1000);
    cluster.pvPool(burst + sequential + managed * 2 + production * 10 + 20);
    cluster.freshNamespace(NS);
    Files.deleteIfExists(log);
    header();
    try {
      measureStarts();
      try (ReadyWatch ready = new ReadyWatch(cluster.client, NS)) {
        OperatorProcess op = start();
        op.awaitReady(Duration.ofMinutes(2));
        oneAtATime(ready, "quickstart", "q", sequential, this::quickstart, 0.5, 1.5);
        oneAtATime(ready, "production", "p", production, this::production, 1.5, -1);
        createAll(ready, "m", managed, this::managedStores, Duration.ofMinutes(5));
        if (rolloutCount > 0) {
          rollouts(ready);
        }
        if (burst > 0) {
          op = burst(ready, op);
          idle();
          restart(op);
        } else {
          op.close();
        }
      }
    } finally {
      report.write(REPO.resolve("e2e/target/bench-" + label + "-" + LocalDate.now() + ".md"));
      cluster.client.namespaces().withName(NS).delete();
      cluster.close();
    }
  }

  private void header() throws IOException {
    report.header("# Scale benchmark: " + label + ", " + Instant.now());
    report.header(
        f(
            "machine: %d cores, %s; operator %s, JVM options [%s]%s",
            Runtime.getRuntime().availableProcessors(),
            memTotal(),
            jar.getFileName(),
            String.join(" ", jvmOptions),
            // The operator process inherits the environment: the C library's arenas show here.
            System.getenv("MALLOC_ARENA_MAX") == null
                ? ""
                : ", MALLOC_ARENA_MAX=" + System.getenv("MALLOC_ARENA_MAX")));
    report.header(
        f(
            "shape: %d one at a time (quickstart), %d production, %d managed-store, burst of %d"
                + " quickstart; idle %d min; controller-manager API rate %s",
            sequential,
            production,
            managed,
            burst,
            idleMinutes,
            BenchCluster.CONTROLLER_QPS.isEmpty()
                ? "20/s (Kubernetes' default)"
                : BenchCluster.CONTROLLER_QPS + "/s"));
  }

  private static String memTotal() throws IOException {
    return Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
  }

  private OperatorProcess start() throws IOException {
    return OperatorProcess.start(jar, jvmOptions, cluster.kubeconfig, NS, log);
  }

  // ---- start and idle memory ---------------------------------------------------------------

  private void measureStarts() throws Exception {
    List<Double> ready = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    for (int i = 0; i < starts; i++) {
      try (OperatorProcess op = start()) {
        ready.add(op.awaitReady(Duration.ofMinutes(2)));
        BenchCluster.sleep(Duration.ofSeconds(20));
        rss.add(op.rssMiB());
      }
    }
    report.row("operator start → /readyz, 0 clusters", Stats.of(ready).format("s"), "≤ 3 s");
    report.row(
        "operator RSS idle, 0 clusters (20 s after ready)",
        Stats.of(rss).format("MiB"),
        "≤ 128 MiB");
  }

  // ---- one at a time -----------------------------------------------------------------------

  private void oneAtATime(
      ReadyWatch ready,
      String shape,
      String prefix,
      int count,
      java.util.function.Function<String, ChatchatCluster> spec,
      double childrenTarget,
      double readyTarget)
      throws Exception {
    List<Double> firstPass = new ArrayList<>();
    List<Double> children = new ArrayList<>();
    List<Double> toReady = new ArrayList<>();
    List<Double> writes = new ArrayList<>();
    List<Double> reads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = f("%s-%04d", prefix, i);
      long mark = audit.mark();
      Instant applied = Instant.now();
      cluster.client.resource(spec.apply(name)).inNamespace(NS).create();
      boolean isReady = ready.await(List.of(name), Duration.ofMinutes(2));
      // Let the last writes of the cluster's first passes land in the log.
      BenchCluster.sleep(Duration.ofSeconds(3));
      // One cluster at a time: every request in the window is for it (the Secrets it reads are
      // not named after it), but the children are told by name.
      List<AuditLog.Entry> all =
          audit.since(mark, OPERATOR).stream().filter(e -> !e.verb().equals("watch")).toList();
      List<AuditLog.Entry> mine = all.stream().filter(e -> belongsTo(e, name)).toList();
      firstPass.add(secondsBetween(applied, firstCreate(mine, "jobs")));
      children.add(secondsBetween(applied, lastCreate(mine)));
      if (isReady) {
        toReady.add(secondsBetween(applied, ready.readyAt(name)));
      }
      writes.add((double) all.stream().filter(AuditLog.Entry::write).count());
      reads.add((double) all.stream().filter(AuditLog.Entry::read).count());
      if (shape.equals("production")) {
        deleteAndWait(name);
      }
      if (i == count - 1) {
        report.note(shape + " requests of the last cluster: " + AuditLog.byWhat(all));
      }
    }
    report.row(
        "apply → first Job created (the first pass: claim, settings, Services, stores, and the"
            + " preflight Job, or the init Job when the namespace's preflight passed),"
            + f(" %s shape", shape),
        Stats.of(firstPass).format("s"),
        "report");
    report.row(
        "apply → all children created, " + shape + " shape (one at a time)",
        Stats.of(children).format("s"),
        f("≤ %.1f s", childrenTarget));
    report.row(
        "apply → Ready, " + shape + " shape",
        toReady.size() == count
            ? Stats.of(toReady).format("s")
            : toReady.size() + "/" + count + " Ready in 2 min; " + Stats.of(toReady).format("s"),
        readyTarget < 0 ? "report" : f("≤ %.1f s", readyTarget));
    report.row(
        "operator requests per " + shape + " cluster until Ready + 3 s",
        f("writes %s; reads %s", Stats.of(writes).format(""), Stats.of(reads).format("")),
        "writes ≈ objects");
  }

  private void deleteAndWait(String name) throws InterruptedException {
    cluster.client.resources(ChatchatCluster.class).inNamespace(NS).withName(name).delete();
    cluster
        .client
        .resources(ChatchatCluster.class)
        .inNamespace(NS)
        .withName(name)
        .waitUntilCondition(c -> c == null, 2, TimeUnit.MINUTES);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline
        && !cluster
            .client
            .pods()
            .inNamespace(NS)
            .withLabel("app.kubernetes.io/instance", name)
            .list()
            .getItems()
            .isEmpty()) {
      Thread.sleep(200);
    }
  }

  /** The child objects are named after their cluster: "q-0001-api", events "q-0001.17f…". */
  /**
   * Each controller of the controller-manager sends at most its rate (Kubernetes' default: 20 a
   * second) on its own client: its request count over that rate is a floor under the burst.
   */
  private static String controllerFloor(List<AuditLog.Entry> entries) {
    double qps =
        BenchCluster.CONTROLLER_QPS.isEmpty()
            ? 20
            : Double.parseDouble(BenchCluster.CONTROLLER_QPS);
    Map<String, Long> byController =
        entries.stream()
            .filter(e -> !e.verb().equals("watch"))
            .collect(
                java.util.stream.Collectors.groupingBy(
                    e -> e.userAgent().substring(e.userAgent().lastIndexOf('/') + 1),
                    java.util.stream.Collectors.counting()));
    StringBuilder out = new StringBuilder();
    byController.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(4)
        .forEach(
            e ->
                out.append(out.length() == 0 ? "" : "; ")
                    .append(
                        f(
                            "%s %d (≥ %.0f s at %.0f/s)",
                            e.getKey(), e.getValue(), e.getValue() / qps, qps)));
    return out.toString();
  }

  private static boolean belongsTo(AuditLog.Entry e, String cluster) {
    return e.name().equals(cluster)
        || e.name().startsWith(cluster + "-")
        || e.name().startsWith(cluster + ".");
  }

  /** When the operator's first create of this resource (an apply answered 201) completed. */
  private static Instant firstCreate(List<AuditLog.Entry> entries, String resource) {
    return entries.stream()
        .filter(e -> e.code() == 201 && e.resource().equals(resource))
        .map(AuditLog.Entry::completed)
        .min(Instant::compareTo)
        .orElse(null);
  }

  /** When the operator's last create of a child (an apply answered 201) completed. */
  private static Instant lastCreate(List<AuditLog.Entry> entries) {
    return entries.stream()
        .filter(e -> e.code() == 201 && !e.resource().equals("events") && e.subresource().isEmpty())
        .map(AuditLog.Entry::completed)
        .max(Instant::compareTo)
        .orElse(null);
  }

  private static double secondsBetween(Instant a, Instant b) {
    return b == null ? Double.NaN : Duration.between(a, b).toNanos() / 1e9;
  }

  // ---- rollouts ----------------------------------------------------------------------------

  /**
   * A 4-replica API with the smoke gates off, rolled {@code bench.rollouts} times to a new image
   * (steps 1, 50 %, 100 %, then the promotion): how long after a step's pods are Ready the operator
   * starts the next step. Then a rollout to an image whose pods never get Ready, with the shortest
   * step deadline: how long after the deadline the rollback starts.
   */
  private void rollouts(ReadyWatch ready) throws Exception {
    String name = "r-0000";
    ChatchatCluster c = quickstart(name);
    c.getSpec().api.replicas = 4;
    c.getSpec().webui.enabled = false;
    c.getSpec().rollout.smokeGates.database = false;
    c.getSpec().rollout.smokeGates.chat = false;
    c.getSpec().rollout.stepDeadlineSeconds = 10;
    List<Double> steps = new ArrayList<>();
    double rollback;
    try (RolloutTimes times = new RolloutTimes(cluster.client, NS, name)) {
      cluster.client.resource(c).inNamespace(NS).create();
      ready.await(List.of(name), Duration.ofMinutes(2));
      for (int i = 0; i < rolloutCount; i++) {
        Instant since = Instant.now();
        String image = f("docker.io/chatchatspace/chatchat:0.3.1.%d-bench", 10 + i);
        editSpec(name, x -> x.getSpec().image = image);
        awaitRollout(name, image, RolloutStatus.Phase.Completed);
        steps.addAll(times.stepLatencies(since));
      }
      editSpec(name, x -> x.getSpec().image = "registry.invalid/chatchat-broken:never-ready");
      awaitRollout(name, "registry.invalid/chatchat-broken:never-ready", null);
      rollback = times.rollbackAfterDeadline(10);
      if (Double.isNaN(rollback)) {
        report.note("rollback not timed; the status went through " + times.phases());
      }
    }
    report.row(
        "rollout: a canary step's pods Ready → the operator starts the next step (4-replica API,"
            + " gates off)",
        Stats.of(steps).format("s"),
        "≤ 0.5 s");
    report.row(
        "rollout: step deadline (10 s) expired → rollback seen in status",
        f("%.2f s", rollback),
        "≤ 5 s");
    deleteAndWait(name);
  }

  private void editSpec(String name, java.util.function.Consumer<ChatchatCluster> change) {
    cluster
        .client
        .resources(ChatchatCluster.class)
        .inNamespace(NS)
        .withName(name)
        .edit(
            x -> {
              change.accept(x);
              return x;
            });
  }

  /** Until the rollout of this image is in the phase (null: rolled back), at most 3 minutes. */
  private void awaitRollout(String name, String image, RolloutStatus.Phase phase) {
    RolloutStatus.Phase want = phase == null ? RolloutStatus.Phase.RolledBack : phase;
    cluster
        .client
        .resources(ChatchatCluster.class)
        .inNamespace(NS)
        .withName(name)
        .waitUntilCondition(
            x ->
                x != null
                    && image.equals(x.getSpec().image)
                    && x.getStatus() != null
                    && x.getStatus().rollout != null
                    && x.getStatus().rollout.phase == want
                    && Objects.equals(
                        x.getStatus().observedGeneration, x.getMetadata().getGeneration()),
            3,
            TimeUnit.MINUTES);
  }

  // ---- many at once ------------------------------------------------------------------------

  /** Creates the clusters with 8 client threads; returns when each was applied. */
  private Map<String, Instant> createAll(
      ReadyWatch ready,
      String prefix,
      int count,
      java.util.function.Function<String, ChatchatCluster> spec,
      Duration timeout)
      throws InterruptedException {
    Map<String, Instant> applied = new ConcurrentHashMap<>();
    List<String> names = IntStream.range(0, count).mapToObj(i -> f("%s-%04d", prefix, i)).toList();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (String name : names) {
      pool.submit(
          () -> {
            applied.put(name, Instant.now());
            cluster.client.resource(spec.apply(name)).inNamespace(NS).create();
          });
    }
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.MINUTES);
    if (!ready.await(names, timeout)) {
      report.note(
          f(
              "only %d of %d %s-clusters were Ready after %s",
              ready.readyCount(names), count, prefix, timeout));
    }
    return applied;
  }

  private OperatorProcess burst(ReadyWatch ready, OperatorProcess op) throws Exception {
    double cpu0 = op.cpuSeconds();
    long mark = audit.mark();
    Instant t0 = Instant.now();
    Map<String, Instant> applied;
    try (Sampler sampler = new Sampler(op)) {
      applied = createAll(ready, "b", burst, this::quickstart, Duration.ofMinutes(30));
      Instant last =
          applied.keySet().stream()
              .map(ready::readyAt)
              .filter(java.util.Objects::nonNull)
              .max(Instant::compareTo)
              .orElse(Instant.now());
      report.row(
          f("%d clusters created in a burst → all Ready", burst),
          f("%.1f s", secondsBetween(t0, last)),
          "≤ 120 s");
      List<Double> perCluster =
          applied.entrySet().stream()
              .filter(e -> ready.readyAt(e.getKey()) != null)
              .map(e -> secondsBetween(e.getValue(), ready.readyAt(e.getKey())))
              .toList();
      report.row(
          "per cluster, create → Ready, in that burst", Stats.of(perCluster).format("s"), "report");
      report.row(
          "operator memory during that burst",
          f(
              "peak RSS %.0f MiB (kernel high-water mark %.0f MiB); heap used peak %.0f MiB of %.0f MiB committed (sampled every 15 s)",
              sampler.peakRss(),
              op.peakRssMiB(),
              sampler.peakHeapUsed(),
              sampler.peakHeapCommitted()),
          "≤ 256 MiB");
      report.row(
          "operator CPU for that burst",
          f("%.1f CPU s", op.cpuSeconds() - cpu0),
          "report; halve it");
    }
    List<AuditLog.Entry> sent =
        audit.since(mark, OPERATOR).stream().filter(e -> !e.verb().equals("watch")).toList();
    Map<String, Long> verbs = AuditLog.byVerb(sent);
    StringBuilder per = new StringBuilder();
    verbs.forEach((v, n) -> per.append(f("%s %.1f, ", v, n / (double) burst)));
    report.row(
        "operator requests per cluster in that burst, by verb",
        per + f("total %.1f", sent.size() / (double) burst),
        "≈ one per child object");
    report.note("burst requests, most frequent: " + top(AuditLog.byWhat(sent), 12));
    report.row(
        "controller-manager in that burst: requests of its busiest controllers, and the time they"
            + " need at its request rate",
        controllerFloor(audit.since(mark, CONTROLLER_MANAGER)),
        "explains the time to all Ready");
    report.note(
        "burst: API responses ≥ 400: "
            + AuditLog.byWhat(sent.stream().filter(e -> e.code() >= 400).toList()));
    BenchCluster.sleep(Duration.ofSeconds(30));
    double[] heap = op.heapMiB();
    report.row(
        "operator memory 30 s after the burst",
        f("RSS %.0f MiB, heap used %.0f of %.0f MiB committed", op.rssMiB(), heap[0], heap[1]),
        "≤ 256 MiB");
    List<String> nativeMemory = op.nativeMemory(10);
    if (!nativeMemory.isEmpty()) {
      report.note(
          "JVM memory 30 s after the burst, committed (NativeMemoryTracking): " + nativeMemory);
    }
    op.fullGc();
    BenchCluster.sleep(Duration.ofSeconds(2));
    heap = op.heapMiB();
    report.row(
        "the same after a full GC",
        f("RSS %.0f MiB, heap used %.0f of %.0f MiB committed", op.rssMiB(), heap[0], heap[1]),
        "report (live set)");
    report.note("live heap after the burst, largest classes: " + op.histogram(12));
    return op;
  }

  private static String top(Map<String, Long> counts, int n) {
    return counts.entrySet().stream()
        .limit(n)
        .map(e -> e.getKey() + " " + e.getValue())
        .toList()
        .toString();
  }

  // ---- idle and restart --------------------------------------------------------------------

  private void idle() throws InterruptedException {
    long mark = audit.mark();
    BenchCluster.sleep(Duration.ofMinutes(idleMinutes));
    List<AuditLog.Entry> sent =
        audit.since(mark, OPERATOR).stream().filter(e -> !e.verb().equals("watch")).toList();
    int ready = burst + managed;
    long writes = sent.stream().filter(AuditLog.Entry::write).count();
    long reads = sent.stream().filter(AuditLog.Entry::read).count();
    long managedWrites = sent.stream().filter(e -> e.write() && e.name().startsWith("m-")).count();
    report.row(
        f("idle, %d Ready clusters (%d with a managed store), %d min", ready, managed, idleMinutes),
        f(
            "%.1f writes/min (managed-store clusters: %d in all), %.1f GETs+LISTs/min",
            writes / (double) idleMinutes, managedWrites, reads / (double) idleMinutes),
        "0 writes, 0 polling GETs");
    report.note("idle requests: " + AuditLog.byWhat(sent));
  }

  private void restart(OperatorProcess old) throws Exception {
    old.close();
    long mark = audit.mark();
    try (OperatorProcess op = start()) {
      double ready = op.awaitReady(Duration.ofMinutes(3));
      BenchCluster.sleep(Duration.ofSeconds(60));
      List<AuditLog.Entry> sent =
          audit.since(mark, OPERATOR).stream().filter(e -> !e.verb().equals("watch")).toList();
      report.row(
          f("restart with %d Ready clusters", burst + managed),
          f(
              "ready in %.1f s; %d writes in the next 60 s; %d requests in all",
              ready, sent.stream().filter(AuditLog.Entry::write).count(), sent.size()),
          "≤ 5 s, 0 writes");
      report.note("restart requests: " + top(AuditLog.byWhat(sent), 12));
    }
  }

  // ---- the shapes --------------------------------------------------------------------------

  private ChatchatCluster quickstart(String name) {
    return example("examples/quickstart.yaml", name);
  }

  private ChatchatCluster production(String name) {
    return example("examples/production.yaml", name);
  }

  /** The quick start on a managed MySQL: a StatefulSet, its Service and NetworkPolicy more. */
  private ChatchatCluster managedStores(String name) {
    ChatchatCluster c = quickstart(name);
    c.getSpec().metadataStore.type = MetadataStoreSpec.Type.Managed;
    c.getSpec().metadataStore.external = null;
    c.getSpec().metadataStore.managed = new ManagedDatabase();
    return c;
  }

  private ChatchatCluster example(String file, String name) {
    try (InputStream in = Files.newInputStream(REPO.resolve(file))) {
      for (HasMetadata o : cluster.client.load(in).items()) {
        if ("ChatchatCluster".equals(o.getKind())) {
          ChatchatCluster c =
              o instanceof ChatchatCluster typed
                  ? typed
                  : io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
                      .convertValue(o, ChatchatCluster.class);
          c.getMetadata().setName(name);
          c.getMetadata().setNamespace(NS);
          return c;
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new IllegalStateException(file + " has no ChatchatCluster");
  }
}
