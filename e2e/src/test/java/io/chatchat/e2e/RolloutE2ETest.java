package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.chatchat.operator.reconciler.ChatchatClusterReconciler;
import io.chatchat.operator.rollout.GpuCapacity;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Health-gated rollouts on the real control plane: the API canary with the operator's smoke gates
 * (over real sockets, to one 127.0.0.1 stub per fake pod), automatic rollback, GPU policy, and
 * operator restarts in the middle of it all.
 */
class RolloutE2ETest extends E2ETest {
  static final String OLD = "docker.io/chatchatspace/chatchat:0.3.1.3-717e03e-20241109";
  static final String NEW = "docker.io/chatchatspace/chatchat:0.3.1.4-rc1";
  static final String NEVER_READY = "registry.invalid/chatchat-broken:never-ready";
  static final Duration ROLLOUT_TIMEOUT = Duration.ofSeconds(180);
  static final String TEMPLATE_HASH = "chatchat.io/template-hash";

  /** Ready endpoints of a Service over time, from a watch on its EndpointSlices. */
  static final class ReadyEndpoints implements AutoCloseable {
    private final Map<String, Integer> perSlice = new ConcurrentHashMap<>();
    private final AtomicInteger min = new AtomicInteger(Integer.MAX_VALUE);
    private final List<Integer> timeline = Collections.synchronizedList(new ArrayList<>());
    private final Watch watch;

    ReadyEndpoints(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String svc) {
      var slices =
          client
              .discovery()
              .v1()
              .endpointSlices()
              .inNamespace(ns)
              .withLabel("kubernetes.io/service-name", svc);
      for (EndpointSlice s : slices.list().getItems()) {
        perSlice.put(s.getMetadata().getName(), ready(s));
      }
      record();
      watch =
          slices.watch(
              new Watcher<>() {
                @Override
                public void eventReceived(Action action, EndpointSlice s) {
                  if (action == Action.DELETED) {
                    perSlice.remove(s.getMetadata().getName());
                  } else {
                    perSlice.put(s.getMetadata().getName(), ready(s));
                  }
                  record();
                }

                @Override
                public void onClose(WatcherException e) {}
              });
    }

    private static int ready(EndpointSlice s) {
      int n = 0;
      for (Endpoint e : s.getEndpoints() == null ? List.<Endpoint>of() : s.getEndpoints()) {
        if (e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady())) {
          n++;
        }
      }
      return n;
    }

    private synchronized void record() {
      int total = perSlice.values().stream().mapToInt(Integer::intValue).sum();
      timeline.add(total);
      min.accumulateAndGet(total, Math::min);
    }

    /**
     * Waits until the EndpointSlices show {@code n} ready endpoints (they follow the pods'
     * readiness with a delay the cluster's Ready status does not wait for) and measures the minimum
     * from then.
     */
    ReadyEndpoints startAt(int n) {
      await()
          .atMost(TIMEOUT)
          .until(() -> perSlice.values().stream().mapToInt(Integer::intValue).sum() >= n);
      synchronized (this) {
        min.set(perSlice.values().stream().mapToInt(Integer::intValue).sum());
      }
      return this;
    }

    int min() {
      return min.get();
    }

    List<Integer> timeline() {
      synchronized (timeline) {
        return new ArrayList<>(timeline);
      }
    }

    @Override
    public void close() {
      watch.close();
    }
  }

  private ChatchatCluster apiCluster(String name, int replicas) {
    ChatchatCluster c = Clusters.valid(name);
    c.getSpec().image = OLD;
    c.getSpec().api.replicas = replicas;
    c.getSpec().webui.enabled = false;
    c.getSpec().rollout.smokeGates.knowledgeBase = "samples";
    c.getSpec().rollout.smokeGates.retryIntervalSeconds = 1;
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db.example:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    awaitReady(name);
    await().atMost(TIMEOUT).until(() -> readyEndpointCount(name + "-api") == replicas);
    ChatchatCluster ready = cr(name).get();
    assertNotNull(ready.getStatus().stableRevision, "a Ready cluster records its stable spec");
    assertNotNull(ready.getStatus().lastStableSpec);
    return ready;
  }

  private int readyEndpointCount(String svc) {
    int n = 0;
    for (EndpointSlice s :
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(ns)
            .withLabel("kubernetes.io/service-name", svc)
            .list()
            .getItems()) {
      n += ReadyEndpoints.ready(s);
    }
    return n;
  }

  private ChatchatCluster awaitRollout(String name, Predicate<ChatchatCluster> ok) {
    return awaitStatus(name, ok, ROLLOUT_TIMEOUT, Duration.ofMillis(200));
  }

  private static boolean rolloutPhase(ChatchatCluster c, RolloutStatus.Phase phase) {
    return c.getStatus().rollout != null && c.getStatus().rollout.phase == phase;
  }

  private List<Pod> apiPods(String instance) {
    return pods("api", instance).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  private void assertSettledOn(String name, String image, int replicas) {
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              List<Pod> pods = apiPods(name);
              assertEquals(replicas, pods.size(), "API pods: " + names(pods));
              assertTrue(
                  pods.stream()
                      .allMatch(p -> image.equals(p.getSpec().getContainers().get(0).getImage())),
                  "every API pod runs " + image);
              assertNull(deployment(name + "-api-canary"), "the canary Deployment is gone");
              assertEquals(0, canaryPods().size(), "no canary pod is left");
            });
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void aGoodUpgradeOfFourApiPodsCompletesAndReadyEndpointsNeverFallBelowFour() {
    apiCluster("good", 4);
    int stubRequestsBefore = cluster.stubs.requests();
    int stubsBefore = cluster.stubs.stubs();
    Set<String> positions = ConcurrentHashMap.newKeySet();
    try (ReadyEndpoints endpoints = new ReadyEndpoints(client, ns, "good-api").startAt(4)) {
      editCluster("good", c -> c.getSpec().image = NEW);
      ChatchatCluster done =
          awaitRollout(
              "good",
              c -> {
                if (c.getStatus().rollout != null && c.getStatus().rollout.position != null) {
                  positions.add(c.getStatus().rollout.position);
                }
                return readyForGeneration(c)
                    && rolloutPhase(c, RolloutStatus.Phase.Completed)
                    && "0.3.1.4-rc1".equals(c.getStatus().version);
              });
      assertSettledOn("good", NEW, 4);
      System.out.printf(
          "good upgrade: ready endpoints min %d over %d EndpointSlice changes %s; positions %s%n",
          endpoints.min(), endpoints.timeline().size(), endpoints.timeline(), positions);
      assertTrue(endpoints.min() >= 4, "ready endpoints fell to " + endpoints.min());
      assertTrue(endpoints.timeline().size() > 4, "the watch saw the rollout");
      assertEquals(done.getStatus().rollout.revision, done.getStatus().stableRevision);
    }
    assertTrue(
        positions.contains("API 1/3") || positions.contains("API 2/3"), positions.toString());
    // 4 new pods, each gated once (database, retrieval, chat) when it first joined a step.
    assertEquals(4, cluster.stubs.stubs() - stubsBefore, "one stub per gated pod");
    assertEquals(4 * 3, cluster.stubs.requests() - stubRequestsBefore, "smoke requests");
    List<String> reasons = eventReasons("good");
    assertEquals(
        3, reasons.stream().filter("CanaryStepPassed"::equals).count(), reasons.toString());
    assertTrue(reasons.contains("RolloutCompleted"), reasons.toString());
  }

  @Test
  void aVersionThatNeverBecomesReadyIsRolledBackWhileTheOldPodsServe() {
    apiCluster("stuck", 2);
    editCluster("stuck", c -> c.getSpec().rollout.stepDeadlineSeconds = 15);
    try (ReadyEndpoints endpoints = new ReadyEndpoints(client, ns, "stuck-api").startAt(2)) {
      editCluster("stuck", c -> c.getSpec().image = NEVER_READY);
      ChatchatCluster back =
          awaitRollout(
              "stuck",
              c ->
                  rolloutPhase(c, RolloutStatus.Phase.RolledBack)
                      && Conditions.isTrue(c.getStatus().conditions, Conditions.ROLLED_BACK));
      String message = back.getStatus().rollout.message;
      assertTrue(message.contains("API step 1/2 did not finish within"), message);
      Condition degraded = Conditions.find(back.getStatus().conditions, Conditions.DEGRADED);
      assertEquals("True", degraded.getStatus());
      assertEquals("RolledBack", degraded.getReason());
      assertEquals(ChatchatClusterStatus.Phase.Degraded, back.getStatus().phase);
      assertSettledOn("stuck", OLD, 2);
      System.out.printf(
          "never-ready rollback: ready endpoints min %d, timeline %s%n",
          endpoints.min(), endpoints.timeline());
      assertTrue(endpoints.min() >= 2, "ready endpoints fell to " + endpoints.min());
    }
    assertTrue(eventReasons("stuck").contains("RolloutFailed"));
    // It stays rolled back: the failed revision is not tried again by itself.
    ChatchatCluster later = cr("stuck").get();
    assertEquals(RolloutStatus.Phase.RolledBack, later.getStatus().rollout.phase);
    // A fixed spec rolls out and clears RolledBack.
    editCluster("stuck", c -> c.getSpec().image = NEW);
    ChatchatCluster fixed =
        awaitRollout(
            "stuck", c -> readyForGeneration(c) && rolloutPhase(c, RolloutStatus.Phase.Completed));
    Condition rolledBack = Conditions.find(fixed.getStatus().conditions, Conditions.ROLLED_BACK);
    assertEquals("False", rolledBack.getStatus());
    assertSettledOn("stuck", NEW, 2);
  }

  @Test
  void aReadyVersionThatFailsTheDatabaseSmokeGateIsRolledBackAndCanBeRetried() throws Exception {
    apiCluster("gated", 2);
    editCluster(
        "gated",
        c -> {
          c.getSpec().rollout.smokeGates.attempts = 2;
          c.getSpec().image = StubPods.BAD_ANSWERS_IMAGE;
        });
    ChatchatCluster back =
        awaitRollout("gated", c -> rolloutPhase(c, RolloutStatus.Phase.RolledBack));
    String message = back.getStatus().rollout.message;
    assertTrue(message.contains("API step 1/2"), message);
    assertTrue(message.contains("database gate failed after 2 attempt(s)"), message);
    assertTrue(message.contains("Can't connect to MySQL server"), message);
    Condition rolledBack = Conditions.find(back.getStatus().conditions, Conditions.ROLLED_BACK);
    assertEquals("True", rolledBack.getStatus());
    assertTrue(rolledBack.getMessage().contains("database gate failed"), rolledBack.getMessage());
    String metrics = operatorMetrics();
    assertTrue(
        metrics.contains(
            "chatchat_operator_smoke_gates_total{gate=\"database\",result=\"failed\",}"),
        "smoke gate metric");
    assertTrue(
        metrics.contains("chatchat_operator_rollouts_total{event=\"rolled_back\",}"),
        "rollout metric");
    assertSettledOn("gated", OLD, 2);

    // Retry: the same revision is rolled out again, and fails the same way.
    editCluster(
        "gated",
        c -> {
          Map<String, String> a = new java.util.HashMap<>();
          if (c.getMetadata().getAnnotations() != null) {
            a.putAll(c.getMetadata().getAnnotations());
          }
          a.put(ChatchatClusterReconciler.RETRY_ANNOTATION, "1");
          c.getMetadata().setAnnotations(a);
        });
    awaitRollout(
        "gated",
        c ->
            "1".equals(c.getStatus().rollout.retryToken)
                && rolloutPhase(c, RolloutStatus.Phase.RolledBack));
    assertEquals(
        2,
        eventReasons("gated").stream().filter("RolloutFailed"::equals).count(),
        eventReasons("gated").toString());
    assertSettledOn("gated", OLD, 2);
  }

  @Test
  void aPausedRolloutHoldsUntilResumed() {
    apiCluster("paused", 2);
    editCluster(
        "paused",
        c -> {
          c.getSpec().rollout.paused = true;
          c.getSpec().image = NEW;
        });
    ChatchatCluster held = awaitRollout("paused", c -> rolloutPhase(c, RolloutStatus.Phase.Paused));
    Condition progressing = Conditions.find(held.getStatus().conditions, Conditions.PROGRESSING);
    assertEquals("RolloutPaused", progressing.getReason());
    // Held: a few seconds later still no new pod.
    await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
    assertTrue(
        apiPods("paused").stream()
            .allMatch(p -> OLD.equals(p.getSpec().getContainers().get(0).getImage())));
    assertNull(deployment("paused-api-canary"));
    editCluster("paused", c -> c.getSpec().rollout.paused = false);
    awaitRollout(
        "paused", c -> readyForGeneration(c) && rolloutPhase(c, RolloutStatus.Phase.Completed));
    assertSettledOn("paused", NEW, 2);
  }

  @Test
  void aGpuScarceLlmUpgradeFollowsThePolicyAndSaysSo() {
    // Two replicas of 4 GPUs each fill both GPU nodes: there is no GPU for an extra pod.
    awaitFreeGpus(8);
    ChatchatCluster c = Clusters.valid("scarce");
    c.getSpec().webui.enabled = false;
    c.getSpec().llm.external = null;
    c.getSpec().llm.vllm = new VllmSpec();
    c.getSpec().llm.vllm.model = "Qwen/Qwen2.5-72B-Instruct-AWQ";
    c.getSpec().llm.vllm.servedModelName = "qwen2.5-72b";
    c.getSpec().llm.vllm.gpus = 4;
    c.getSpec().llm.vllm.replicas = 2;
    c.getSpec().rollout.whenNoFreeGpu = RolloutSpec.GpuPolicy.Wait;
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db.example:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    awaitReady("scarce");

    // Policy Wait: the rollout holds and says why.
    editCluster(
        "scarce", x -> x.getSpec().llm.vllm.extraArgs = List.of("--max-model-len", "16384"));
    ChatchatCluster waiting =
        awaitRollout("scarce", x -> rolloutPhase(x, RolloutStatus.Phase.WaitingForGPU));
    Condition progressing = Conditions.find(waiting.getStatus().conditions, Conditions.PROGRESSING);
    assertEquals("False", progressing.getStatus());
    assertEquals("InsufficientGPU", progressing.getReason());
    assertTrue(
        progressing.getMessage().contains("whenNoFreeGpu is Wait"), progressing.getMessage());
    assertEquals("Models", waiting.getStatus().rollout.position);
    assertTrue(eventReasons("scarce").contains("InsufficientGPU"));
    // Nothing was replaced while waiting.
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertEquals(2, pods("llm", "scarce").size());
    assertFalse(
        deployment("scarce-llm")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getArgs()
            .contains("16384"));

    // Policy ReplaceOneAtATime: the same rollout goes on, one pod at a time.
    // Watches see every version of the pods and of the Deployment.
    Set<String> livePods = ConcurrentHashMap.newKeySet();
    AtomicInteger mostPods = new AtomicInteger();
    AtomicInteger oneAtATime = new AtomicInteger();
    try (Watch pw =
            client
                .pods()
                .inNamespace(ns)
                .withLabel("app.kubernetes.io/component", "llm")
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, Pod p) {
                        if (action == Action.DELETED
                            || p.getMetadata().getDeletionTimestamp() != null) {
                          livePods.remove(p.getMetadata().getName());
                        } else {
                          livePods.add(p.getMetadata().getName());
                        }
                        mostPods.accumulateAndGet(livePods.size(), Math::max);
                      }

                      @Override
                      public void onClose(WatcherException e) {}
                    });
        Watch dw =
            client
                .apps()
                .deployments()
                .inNamespace(ns)
                .withName("scarce-llm")
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, Deployment d) {
                        var ru = d.getSpec().getStrategy().getRollingUpdate();
                        if (d.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .getArgs()
                                .contains("16384")
                            && ru.getMaxSurge().getIntVal() == 0
                            && ru.getMaxUnavailable().getIntVal() == 1) {
                          oneAtATime.incrementAndGet();
                        }
                      }

                      @Override
                      public void onClose(WatcherException e) {}
                    })) {
      editCluster(
          "scarce",
          x -> x.getSpec().rollout.whenNoFreeGpu = RolloutSpec.GpuPolicy.ReplaceOneAtATime);
      awaitRollout(
          "scarce", x -> readyForGeneration(x) && rolloutPhase(x, RolloutStatus.Phase.Completed));
    }
    ChatchatCluster done = cr("scarce").get();
    System.out.printf(
        "GPU-scarce upgrade: at most %d LLM pods at once; %d Deployment versions rolled the new"
            + " template with maxSurge 0, maxUnavailable 1%n",
        mostPods.get(), oneAtATime.get());
    assertEquals(2, mostPods.get(), "no surge pod: there was no GPU for it");
    assertTrue(oneAtATime.get() > 0, "the new template rolled one pod at a time");
    Deployment llm = deployment("scarce-llm");
    assertTrue(
        llm.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().contains("16384"));
    assertTrue(eventReasons("scarce").contains("ReplacingOneAtATime"));
    assertEquals(
        Conditions.TRUE,
        Conditions.find(done.getStatus().conditions, Conditions.LLM_READY).getStatus());
  }

  /** Waits until the GPU nodes have this many free GPUs in all (earlier tests' pods are gone). */
  private void awaitFreeGpus(long total) {
    // A pod that tolerates every taint may use any GPU node.
    PodSpec anywhere =
        new PodSpecBuilder().addNewToleration().withOperator("Exists").endToleration().build();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                GpuCapacity.freePerNode(
                            client.nodes().list().getItems(),
                            client.pods().inAnyNamespace().list().getItems(),
                            anywhere,
                            "nvidia.com/gpu")
                        .values()
                        .stream()
                        .mapToLong(Long::longValue)
                        .sum()
                    >= total);
  }

  @Test
  void theOperatorRestartedAtSeveralStepsFinishesTheRolloutWithNoStrayPods() {
    apiCluster("crashy", 4);
    try (ReadyEndpoints endpoints = new ReadyEndpoints(client, ns, "crashy-api").startAt(4)) {
      editCluster("crashy", c -> c.getSpec().image = NEW);
      for (String at : List.of("API 1/3", "API 2/3", "API 3/3")) {
        ChatchatCluster seen =
            awaitRollout(
                "crashy",
                c ->
                    c.getStatus().rollout != null
                        && (at.equals(c.getStatus().rollout.position)
                            || rolloutPhase(c, RolloutStatus.Phase.Completed)));
        restartOperator();
        System.out.printf(
            "operator restarted at %s (rollout %s)%n", at, seen.getStatus().rollout.position);
      }
      awaitRollout(
          "crashy", c -> readyForGeneration(c) && rolloutPhase(c, RolloutStatus.Phase.Completed));
      assertSettledOn("crashy", NEW, 4);
      System.out.printf(
          "restarts: ready endpoints min %d, timeline %s%n", endpoints.min(), endpoints.timeline());
      assertTrue(endpoints.min() >= 4, "ready endpoints fell to " + endpoints.min());
    }
    // Exactly the API Deployment's pods: nothing duplicated, nothing orphaned.
    List<Pod> all =
        client.pods().inNamespace(ns).list().getItems().stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .filter(
                p -> "api".equals(p.getMetadata().getLabels().get("app.kubernetes.io/component")))
            .toList();
    assertEquals(4, all.size(), names(all).toString());
    assertTrue(all.stream().allMatch(p -> p.getMetadata().getOwnerReferences().size() == 1));
  }

  /**
   * The operator as its own process (the jar the quick start runs), watching only this test's
   * namespace, with the smoke gates off so that it never dials a (fake) pod address.
   */
  private Process operatorProcess(int n) throws java.io.IOException {
    java.nio.file.Path jar = LocalCluster.REPO.resolve("operator/target/chatchat-operator.jar");
    assertTrue(java.nio.file.Files.exists(jar), jar + " (built by mvn package)");
    ProcessBuilder pb =
        new ProcessBuilder(
            java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar",
            jar.toString());
    pb.environment().put("KUBECONFIG", cluster.kubeconfig.toString());
    pb.environment().put("WATCH_NAMESPACES", ns);
    pb.environment().put("OPERATOR_HTTP_BIND_ADDRESS", "127.0.0.1");
    pb.environment().put("OPERATOR_HTTP_PORT", "0");
    pb.environment().remove("LEADER_ELECTION_NAMESPACE");
    pb.redirectErrorStream(true);
    pb.redirectOutput(
        java.nio.file.Path.of("target", "operator-process-" + ns + "-" + n + ".log").toFile());
    return pb.start();
  }

  @Test
  void anOperatorProcessKilledWithSigkillMidRolloutLeavesNoStrayPods() throws Exception {
    ChatchatCluster c = Clusters.valid("killed");
    c.getSpec().image = OLD;
    c.getSpec().api.replicas = 4;
    c.getSpec().webui.enabled = false;
    c.getSpec().rollout.smokeGates.database = false;
    c.getSpec().rollout.smokeGates.chat = false;
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db.example:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    awaitReady("killed");
    cluster.stopOperator();
    List<String> killedAt = new ArrayList<>();
    Process operator = null;
    try (ReadyEndpoints endpoints = new ReadyEndpoints(client, ns, "killed-api").startAt(4)) {
      operator = operatorProcess(1);
      editCluster("killed", x -> x.getSpec().image = NEW);
      int n = 1;
      for (Predicate<String> at :
          List.<Predicate<String>>of(
              p -> p.startsWith("API "), p -> p.equals("API 3/3") || p.equals("API promote"))) {
        ChatchatCluster seen =
            awaitRollout(
                "killed",
                x ->
                    x.getStatus().rollout != null
                        && x.getStatus().rollout.position != null
                        && at.test(x.getStatus().rollout.position));
        operator.destroyForcibly().waitFor();
        killedAt.add(seen.getStatus().rollout.position + " (exit " + operator.exitValue() + ")");
        operator = operatorProcess(++n);
      }
      awaitRollout(
          "killed", x -> readyForGeneration(x) && rolloutPhase(x, RolloutStatus.Phase.Completed));
      assertSettledOn("killed", NEW, 4);
      System.out.printf(
          "SIGKILL at %s: ready endpoints min %d, timeline %s%n",
          killedAt, endpoints.min(), endpoints.timeline());
      assertTrue(endpoints.min() >= 4, "ready endpoints fell to " + endpoints.min());
      assertEquals(2, killedAt.size());
      assertTrue(killedAt.stream().allMatch(k -> k.contains("(exit 137)")), killedAt.toString());
    } finally {
      if (operator != null) {
        operator.destroyForcibly().waitFor();
      }
      cluster.startOperator();
    }
  }

  @Test
  void anOperatorDownPastTheDeadlineRollsBackWhenItReturns() {
    apiCluster("away", 2);
    editCluster(
        "away",
        c -> {
          c.getSpec().rollout.stepDeadlineSeconds = 10;
          c.getSpec().image = NEVER_READY;
        });
    awaitRollout(
        "away",
        c -> c.getStatus().rollout != null && "API 1/2".equals(c.getStatus().rollout.position));
    cluster.stopOperator();
    try {
      // The deadline passes while no operator runs; the old pods serve on.
      await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ofSeconds(12)).until(() -> true);
      assertEquals(2, readyEndpointCount("away-api"));
      assertEquals(0, canaryReady("away"));
    } finally {
      cluster.startOperator();
    }
    ChatchatCluster back =
        awaitRollout("away", c -> rolloutPhase(c, RolloutStatus.Phase.RolledBack));
    assertTrue(
        back.getStatus().rollout.message.contains("did not finish within its deadline"),
        back.getStatus().rollout.message);
    assertSettledOn("away", OLD, 2);
  }

  @Test
  void aStoreUpgradeGoesFirstOnePodAtATimeAndItsDisruptionWindowIsReported() {
    ChatchatCluster c = Clusters.valid("store");
    c.getSpec().webui.enabled = false;
    c.getSpec().metadataStore.type = MetadataStoreSpec.Type.Managed;
    c.getSpec().metadataStore.external = null;
    c.getSpec().metadataStore.managed = new ManagedDatabase();
    client.resource(c).inNamespace(ns).create();
    awaitReady("store");
    String apiTemplate = deployment("store-api").getMetadata().getAnnotations().get(TEMPLATE_HASH);

    editCluster(
        "store", x -> x.getSpec().metadataStore.managed.image = "docker.io/library/mysql:8.4.4");
    Set<String> positions = ConcurrentHashMap.newKeySet();
    awaitRollout(
        "store",
        x -> {
          if (x.getStatus().rollout != null && x.getStatus().rollout.position != null) {
            positions.add(x.getStatus().rollout.position);
          }
          return readyForGeneration(x) && rolloutPhase(x, RolloutStatus.Phase.Completed);
        });
    var db = client.apps().statefulSets().inNamespace(ns).withName("store-db").get();
    assertEquals(
        "docker.io/library/mysql:8.4.4",
        db.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertEquals(db.getStatus().getUpdateRevision(), db.getStatus().getCurrentRevision());
    List<String> reasons = eventReasons("store");
    assertTrue(reasons.contains("DisruptionWindow"), reasons.toString());
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .filter(e -> "DisruptionWindow".equals(e.getReason()))
            .anyMatch(e -> e.getMessage().contains("store-db has a single pod")));
    // The API pods read nothing that changed: they were left alone.
    assertEquals(
        apiTemplate, deployment("store-api").getMetadata().getAnnotations().get(TEMPLATE_HASH));
    System.out.printf("store upgrade positions seen: %s%n", positions);
  }

  @Test
  void anUpgradeToAnImageWithoutTheDriversStopsAtPreflightAndNoPodOfItRuns() {
    apiCluster("nodrivers", 2);
    editCluster("nodrivers", c -> c.getSpec().image = "registry.invalid/chatchat-broken:drivers");
    ChatchatCluster back =
        awaitRollout("nodrivers", c -> rolloutPhase(c, RolloutStatus.Phase.RolledBack));
    String message = back.getStatus().rollout.message;
    assertTrue(message.contains("failed at Preflight: driver preflight"), message);
    assertTrue(message.contains("pymysql"), message);
    assertSettledOn("nodrivers", OLD, 2);
    assertNull(deployment("nodrivers-api-canary"));
  }

  private List<Pod> canaryPods() {
    return client.pods().inNamespace(ns).withLabel("chatchat.io/track", "canary").list().getItems();
  }

  private int canaryReady(String instance) {
    return (int)
        canaryPods().stream()
            .filter(
                p ->
                    p.getStatus().getConditions().stream()
                        .anyMatch(x -> "Ready".equals(x.getType()) && "True".equals(x.getStatus())))
            .count();
  }

  private String operatorMetrics() throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    return http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        "http://127.0.0.1:" + cluster.operatorHttpPort() + "/metrics"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private void restartOperator() {
    cluster.stopOperator();
    try {
      await().pollDelay(Duration.ofSeconds(1)).until(() -> true);
    } finally {
      cluster.startOperator();
    }
  }
}
