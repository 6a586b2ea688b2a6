package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Chatchat behind the operator's pods: every pod of these clusters runs as a local process
 * on node proc-0 (the pod runner, e2e/src/main/java/io/chatchat/e2e/runner), with the exact
 * command, env, Secrets and mounts the operator renders. langchain-chatchat 0.3.1.3 from PyPI,
 * MariaDB from Debian for the managed MySQL; only the models are a stand-in
 * (e2e/runtime/model_standin.py: no GPU and no weights here).
 */
class RealChatchatE2ETest extends E2ETest {
  static final Duration START = Duration.ofMinutes(6);
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Test
  void aDocumentUploadedThroughTheApiIsRetrievedAndGroundsTheAnswer() throws Exception {
    applyFile(Path.of("src/test/resources/real/faiss-mariadb.yaml"));
    ChatchatCluster c =
        awaitStatus("real", E2ETest::readyForGeneration, START, Duration.ofSeconds(2));
    assertEquals("Ready", String.valueOf(c.getStatus().phase));
    ChatchatCluster built =
        awaitStatus(
            "real", x -> isTrue(x, Conditions.KNOWLEDGE_BASE_BUILT), START, Duration.ofSeconds(2));
    assertTrue(
        Conditions.find(built.getStatus().conditions, Conditions.KNOWLEDGE_BASE_BUILT)
            .getMessage()
            .contains("samples"));
    int api = cluster.servicePort(ns, "real-api", 7861);
    assertTrue(api > 0, "the API Service is routed on 127.0.0.1");

    assertSamplesAnswer(api);

    String fact = "ZEPHYR-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    createAndUpload(
        api,
        "facts",
        "faiss",
        "zephyr.md",
        "The secret launch code of project Zephyr is " + fact + ". It was chosen in March.\n");

    // No score_threshold in the request: Chatchat applies the rendered SCORE_THRESHOLD.
    JsonNode docs =
        post(
            api,
            "/knowledge_base/search_docs",
            "{\"query\":\"What is the launch code of project Zephyr?\","
                + "\"knowledge_base_name\":\"facts\",\"top_k\":3}");
    assertTrue(docs.isArray(), docs.toString());
    assertTrue(docs.toString().contains(fact), "search_docs returns the document: " + docs);

    String question =
        "{\"query\":\"What is the launch code of project Zephyr?\",\"mode\":\"local_kb\","
            + "\"kb_name\":\"facts\",\"model\":\"standin-llm\",\"stream\":%s}";
    // Non-streamed, the body is a JSON string holding the JSON answer (chatchat.md §5.4).
    String answer = body(api, "/chat/kb_chat", String.format(question, "false"));
    JsonNode parsed = JSON.readTree(JSON.readTree(answer).asText());
    assertTrue(
        parsed.path("choices").path(0).path("message").path("content").asText().contains(fact),
        "the stand-in quotes the prompt, so Chatchat put the retrieved document into it: "
            + parsed);
    String streamed = body(api, "/chat/kb_chat", String.format(question, "true"));
    assertTrue(streamed.startsWith("data: "), streamed);
    assertTrue(streamedAnswer(streamed).contains(fact), streamed);

    String apiPod = pods("api", "real").get(0).getMetadata().getName();
    String log = cluster.kubectl("-n", ns, "logs", apiPod);
    assertTrue(
        log.contains("Uvicorn running on http://0.0.0.0:7861"), "Chatchat's own log: " + log);
    assertPortForwardReaches(apiPod);
    assertReadinessFollowsTheDatabase(apiPod, "real-db-0");
  }

  @Test
  void anUpgradeGatedBySmokeQueriesAgainstTheRealChatchatCompletes() throws Exception {
    applyFile(Path.of("src/test/resources/real/faiss-mariadb.yaml"));
    awaitReadyAndBuilt("real");
    String next = "chatimage/chatchat:0.3.1.3-e2e-next";
    editCluster(
        "real",
        c -> {
          c.getSpec().image = next;
          c.getSpec().rollout.smokeGates.knowledgeBase = "samples";
          c.getSpec().rollout.smokeGates.query = "大模型推理优化策略";
        });
    ChatchatCluster done =
        awaitStatus(
            "real",
            x ->
                readyForGeneration(x)
                    && x.getStatus().rollout != null
                    && x.getStatus().rollout.phase
                        == io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase.Completed,
            START,
            Duration.ofSeconds(2));
    assertTrue(done.getStatus().version.contains("e2e-next"), done.getStatus().version);
    String metrics =
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cluster.operatorHttpPort() + "/metrics"))
                .GET()
                .build());
    for (String gate : new String[] {"database", "retrieval", "chat"}) {
      assertTrue(
          metrics.contains("gate=\"" + gate + "\",result=\"passed\""),
          gate + " gate passed against the real Chatchat: " + metrics);
    }
    assertEquals(java.util.List.of(next), liveApiImages("real"));

    // A runtime that really lacks the drivers: its preflight fails on the import itself.
    editCluster("real", c -> c.getSpec().image = "registry.invalid/chatchat-broken:drivers");
    String message = rolledBackMessage("real");
    assertTrue(message.contains("failed at Preflight"), message);
    assertTrue(message.contains("No module named 'pymysql'"), "the real ImportError: " + message);
    assertEquals(
        java.util.List.of(next), liveApiImages("real"), "no pod of the broken image serves");
  }

  /**
   * The API pod's own readiness probe (list_knowledge_bases) turns it NotReady while its database
   * is frozen (SIGSTOP: its clients hang, as with a partitioned server) and Ready again when it
   * thaws, without a restart.
   */
  private void assertReadinessFollowsTheDatabase(String apiPod, String dbPod) throws Exception {
    int restarts = apiRestarts(apiPod);
    long t0 = System.nanoTime();
    assertTrue(cluster.runner.signal(ns, dbPod, "STOP"));
    try {
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> !podReady(apiPod));
    } finally {
      cluster.runner.signal(ns, dbPod, "CONT");
    }
    long notReady = (System.nanoTime() - t0) / 1_000_000_000;
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> podReady(apiPod));
    assertEquals(restarts, apiRestarts(apiPod), "the API container was not restarted");
    System.out.printf(
        "database frozen: API pod NotReady after %d s, Ready again %d s after the thaw, restarts"
            + " %d%n",
        notReady, (System.nanoTime() - t0) / 1_000_000_000 - notReady, apiRestarts(apiPod));
  }

  private boolean podReady(String pod) {
    var p = client.pods().inNamespace(ns).withName(pod).get();
    return p.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private int apiRestarts(String pod) {
    return client
        .pods()
        .inNamespace(ns)
        .withName(pod)
        .get()
        .getStatus()
        .getContainerStatuses()
        .get(0)
        .getRestartCount();
  }

  @Test
  void twoApiReplicasShareOnePgvectorStoreAndPostgresqlMetadata() throws Exception {
    applyFile(Path.of("src/test/resources/real/pgvector-postgres.yaml"));
    awaitStatus("shared", E2ETest::readyForGeneration, START, Duration.ofSeconds(2));
    var apiPods = pods("api", "shared");
    assertEquals(2, apiPods.size());
    int a = cluster.podPort(ns, apiPods.get(0).getMetadata().getName(), 7861);
    int b = cluster.podPort(ns, apiPods.get(1).getMetadata().getName(), 7861);
    assertTrue(a > 0 && b > 0 && a != b, a + " " + b);

    assertSharedAcrossReplicas(a, b, "orion", "pg");
  }

  /**
   * The quick start's own manifest (examples/quickstart-local.yaml, placed on node proc-0 here
   * because the e2e cluster keeps its other nodes for kwok): the build seeds "samples" into
   * pgvector, the API answers from them through `kubectl port-forward` of its Service, and the
   * WebUI, reached the same way, loads in Debian's headless Chromium and lists "samples" from the
   * API. The screenshot is kept in target/webui/.
   */
  @Test
  void theQuickstartAnswersFromSamplesAndItsWebUiShowsThemInChromium() throws Exception {
    create(
        LocalCluster.REPO.resolve("examples/quickstart-local.yaml"),
        RealChatchatE2ETest::placeOnProcessNode);
    awaitReadyAndBuilt("quickstart");
    for (var p : client.pods().inNamespace(ns).list().getItems()) {
      assertEquals(LocalCluster.PROCESS_NODE, p.getSpec().getNodeName(), p.getMetadata().getName());
    }
    try (PortForward api = portForward("svc/quickstart-api", 7861)) {
      // Streamed, the first event carries the retrieved documents.
      String sse;
      try {
        sse =
            body(
                api.port,
                "/chat/kb_chat",
                "{\"query\":\"大模型推理优化有哪些策略？\",\"mode\":\"local_kb\","
                    + "\"kb_name\":\"samples\",\"model\":\"standin-llm\",\"stream\":true}");
      } catch (IOException e) {
        throw new AssertionError("through kubectl port-forward: " + api.output(), e);
      }
      JsonNode first = JSON.readTree(sse.lines().findFirst().orElseThrow().substring(6));
      assertTrue(first.path("docs").toString().contains("大模型推理优化策略.md"), "documents: " + first);
      assertTrue(streamedAnswer(sse).contains("Dynamic Batching"), "grounded answer: " + sse);
    }
    Path shot = Path.of("target/webui/quickstart-rag-samples.png");
    try (PortForward webui = portForward("svc/quickstart-webui", 8501);
        WebUiBrowser browser = new WebUiBrowser(Path.of("target/webui/chromium-tmp"))) {
      String selector = browser.knowledgeBaseSelector("http://127.0.0.1:" + webui.port + "/");
      browser.screenshot(shot);
      assertTrue(selector.contains("samples"), selector);
      assertEquals(List.of(), browser.exceptions(), "the WebUI shows no exception");
    }
    assertTrue(java.nio.file.Files.size(shot) > 10_000, "a screenshot of the page: " + shot);
  }

  /** Creates a manifest's objects, each changed first (a ChatchatCluster as its own class). */
  private void create(Path file, java.util.function.Consumer<HasMetadata> change)
      throws IOException {
    try (var in = java.nio.file.Files.newInputStream(file)) {
      for (var item : client.load(in).items()) {
        HasMetadata o =
            "ChatchatCluster".equals(item.getKind())
                ? io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
                    io.fabric8.kubernetes.client.utils.Serialization.asJson(item),
                    ChatchatCluster.class)
                : item;
        change.accept(o);
        o.getMetadata().setNamespace(ns);
        client.resource(o).inNamespace(ns).create();
      }
    }
  }

  /** Places the pods of a Deployment or of a ChatchatCluster on the process-backed node proc-0. */
  private static void placeOnProcessNode(HasMetadata o) {
    var toleration =
        new io.fabric8.kubernetes.api.model.TolerationBuilder()
            .withKey(LocalCluster.PROCESS_TOLERATION_KEY)
            .withOperator("Exists")
            .withEffect("NoSchedule")
            .build();
    Map<String, String> node = Map.of(LocalCluster.PROCESS_TOLERATION_KEY, "true");
    if (o instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
      d.getSpec().getTemplate().getSpec().setNodeSelector(node);
      d.getSpec().getTemplate().getSpec().setTolerations(List.of(toleration));
    } else if (o instanceof ChatchatCluster c) {
      var spec = c.getSpec();
      for (var tier : List.of(spec.api, spec.webui)) {
        tier.nodeSelector = new java.util.LinkedHashMap<>(node);
        tier.tolerations = new java.util.ArrayList<>(List.of(toleration));
      }
      spec.metadataStore.managed = placed(spec.metadataStore.managedOrDefault(), node, toleration);
      spec.vectorStore.managed =
          placed(
              spec.vectorStore.managed == null
                  ? new io.chatchat.operator.api.v1alpha1.ManagedVectorStore()
                  : spec.vectorStore.managed,
              node,
              toleration);
    }
  }

  private static <T extends io.chatchat.operator.api.v1alpha1.ManagedPodSpec> T placed(
      T managed, Map<String, String> node, io.fabric8.kubernetes.api.model.Toleration toleration) {
    managed.nodeSelector = new java.util.LinkedHashMap<>(node);
    managed.tolerations = new java.util.ArrayList<>(List.of(toleration));
    return managed;
  }

  /**
   * External MariaDB metadata and a managed pgvector store: the build Job fills pgvector from a
   * fresh claim; two replicas share what one uploads; a rebuild while the store is cut off fails
   * with the reason although the earlier build's rows remain; a rollout to a database password that
   * is wrong rolls back at the init Job, the old pods serving throughout.
   */
  @Test
  void mariadbAndPgvectorBuildRebuildAndRollBackFromAnUnreachableDatabase() throws Exception {
    applyFile(Path.of("src/test/resources/real/pgvector-mariadb.yaml"));
    awaitReadyAndBuilt("ext");
    var apiPods = pods("api", "ext");
    assertEquals(2, apiPods.size());
    int a = cluster.podPort(ns, apiPods.get(0).getMetadata().getName(), 7861);
    int b = cluster.podPort(ns, apiPods.get(1).getMetadata().getName(), 7861);
    assertSamplesAnswer(b);
    String fact = assertSharedAcrossReplicas(a, b, "vega", "pg");

    assertBuildFailsWhileTheVectorStoreIsCutOff("ext", "ext-vectors-0");

    var servingPods = pods("api", "ext").stream().map(p -> p.getMetadata().getName()).toList();
    editCluster("ext", c -> c.getSpec().metadataStore.external.uriSecretRef.name = "db-rotated");
    String message = rolledBackMessage("ext");
    assertTrue(message.contains("failed at Init"), message);
    assertTrue(message.contains("Access denied"), "MariaDB's own refusal: " + message);
    // The very pods that served before: neither the rollout nor the rollback restarted them.
    assertEquals(
        servingPods, pods("api", "ext").stream().map(p -> p.getMetadata().getName()).toList());
    for (String p : servingPods) {
      assertTrue(podReady(p), p + " serves on");
    }
    assertTrue(body(b, "/chat/kb_chat", String.format(kbChat("vega"), "false")).contains(fact));
  }

  /**
   * A first install whose external MariaDB is not up yet: the init Job's pods fail on MariaDB's own
   * connection error, the status says so and that Kubernetes retries, and once the database starts
   * the same Job succeeds and the cluster becomes Ready, with nobody deleting anything.
   */
  @Test
  void aFirstInstallWaitsForAnExternalDatabaseThatIsNotUpYet() throws Exception {
    create(
        Path.of("src/test/resources/real/pgvector-mariadb.yaml"),
        o -> {
          if (o instanceof io.fabric8.kubernetes.api.model.apps.Deployment d
              && d.getMetadata().getName().equals("mariadb")) {
            d.getSpec().setReplicas(0);
          }
          if (o instanceof ChatchatCluster c) {
            c.getSpec().api.replicas = 1;
          }
        });
    ChatchatCluster waiting =
        awaitStatus(
            "ext",
            x -> {
              var c = Conditions.find(x.getStatus().conditions, Conditions.INITIALIZED);
              return c != null && c.getMessage().contains("failed, Kubernetes retries");
            },
            START,
            Duration.ofSeconds(2));
    String message =
        Conditions.find(waiting.getStatus().conditions, Conditions.INITIALIZED).getMessage();
    System.out.println("init while the database is down: " + message);
    // pymysql's own error (the pod runner's Service route accepts and closes while no MariaDB
    // pod is ready: 2013 "Lost connection"; a kube-proxy would refuse: 2003).
    assertTrue(message.contains("(pymysql.err.OperationalError) (20"), message);
    client.apps().deployments().inNamespace(ns).withName("mariadb").scale(1);
    awaitReadyAndBuilt("ext");
    var jobs =
        client
            .batch()
            .v1()
            .jobs()
            .inNamespace(ns)
            .withLabel(io.chatchat.operator.model.Labels.COMPONENT, "init")
            .list()
            .getItems();
    assertEquals(1, jobs.size(), "the same init Job, retried by Kubernetes");
    System.out.printf(
        "init Job %s: %d failed attempts, then succeeded%n",
        jobs.get(0).getMetadata().getName(), jobs.get(0).getStatus().getFailed());
    assertTrue(jobs.get(0).getStatus().getFailed() >= 1);
    assertSamplesAnswer(
        cluster.podPort(ns, pods("api", "ext").get(0).getMetadata().getName(), 7861));
  }

  /**
   * A managed Milvus (the real Milvus 2.3.5 standalone) with managed MySQL (MariaDB) or PostgreSQL
   * metadata: the build fills Milvus from a fresh claim, and what one replica uploads the other
   * retrieves, also after the file is uploaded again (Chatchat deletes its earlier vectors first).
   */
  @ParameterizedTest
  @ValueSource(strings = {"MySQL", "PostgreSQL"})
  void twoApiReplicasShareOneMilvusStore(String metadataEngine) throws Exception {
    create(
        LocalCluster.REPO.resolve("e2e/src/test/resources/real/milvus.yaml"),
        o -> {
          if (o instanceof ChatchatCluster c) {
            c.getSpec().metadataStore.managed.engine =
                io.chatchat.operator.api.v1alpha1.ManagedDatabase.Engine.valueOf(metadataEngine);
          }
        });
    awaitReadyAndBuilt("mil");
    var apiPods = pods("api", "mil");
    int a = cluster.podPort(ns, apiPods.get(0).getMetadata().getName(), 7861);
    int b = cluster.podPort(ns, apiPods.get(1).getMetadata().getName(), 7861);
    assertSamplesAnswer(b);
    String fact = assertSharedAcrossReplicas(a, b, "lyra", "milvus");
    JsonNode again =
        upload(
            a,
            "lyra",
            "lyra.md",
            "The ground station of project lyra answers to " + fact + ".\n",
            true);
    assertEquals(0, again.path("data").path("failed_files").size(), again.toString());
    long millis = awaitFound(b, "lyra", fact, MILVUS_VISIBILITY);
    System.out.printf(
        "Milvus (%s metadata): the re-uploaded file is found through the other replica after %d ms%n",
        metadataEngine, millis);
  }

  /**
   * How long another API replica may take to see an upload in Milvus: Chatchat's collections use
   * Milvus' Session consistency, which is read-your-writes for the writing client only; any other
   * client reads eventually (measured in CI: about 1.3 s after a re-upload).
   */
  private static final Duration MILVUS_VISIBILITY = Duration.ofSeconds(30);

  /**
   * Polls the fact's search through one replica, once a second, until it is found; returns the
   * milliseconds it took. With a zero bound the first answer must have it.
   */
  private long awaitFound(int port, String kb, String fact, Duration within) throws IOException {
    long t0 = System.nanoTime();
    long deadline = t0 + within.toNanos();
    while (true) {
      JsonNode docs =
          post(
              port,
              "/knowledge_base/search_docs",
              "{\"query\":\"Which call sign does the ground station of project "
                  + kb
                  + " answer to?\",\"knowledge_base_name\":\""
                  + kb
                  + "\",\"top_k\":3}");
      if (docs.toString().contains(fact)) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
      assertTrue(System.nanoTime() < deadline, "the other replica finds " + fact + ": " + docs);
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /**
   * Uploads a file with a unique fact through one API replica; the other returns it from
   * `search_docs` with the rendered threshold and grounds `kb_chat` on it, streamed and not.
   */
  private String assertSharedAcrossReplicas(int a, int b, String kb, String vsType)
      throws IOException {
    String fact =
        kb.toUpperCase() + "-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
    createAndUpload(
        a,
        kb,
        vsType,
        kb + ".md",
        "The ground station of project " + kb + " answers to " + fact + ".\n");
    // pgvector's rows are committed before the upload answers; Milvus reads eventually.
    long millis =
        awaitFound(b, kb, fact, vsType.equals("milvus") ? MILVUS_VISIBILITY : Duration.ZERO);
    System.out.printf(
        "%s: the upload is found through the other replica after %d ms%n", vsType, millis);
    assertTrue(
        body(b, "/chat/kb_chat", String.format(kbChat(kb), "false")).contains(fact),
        "kb_chat on the other replica is grounded");
    assertTrue(
        streamedAnswer(body(b, "/chat/kb_chat", String.format(kbChat(kb), "true"))).contains(fact),
        "and streamed");
    return fact;
  }

  /** The built samples knowledge base answers search_docs, on this API pod or Service port. */
  private void assertSamplesAnswer(int port) throws IOException {
    JsonNode samples =
        post(
            port,
            "/knowledge_base/search_docs",
            "{\"query\":\"大模型推理优化\",\"knowledge_base_name\":\"samples\",\"top_k\":3}");
    assertTrue(samples.isArray() && samples.size() > 0, "the built samples answer: " + samples);
  }

  /** A kb_chat request about the fact of {@link #assertSharedAcrossReplicas}; %s: stream. */
  private static String kbChat(String kb) {
    return "{\"query\":\"Which call sign does the ground station of project "
        + kb
        + " answer to?\",\"mode\":\"local_kb\",\"kb_name\":\""
        + kb
        + "\",\"model\":\"standin-llm\",\"stream\":%s}";
  }

  /**
   * Cuts the vector store's pod off the network and runs the build again: Chatchat's `kb -r` logs
   * the connection error and exits 0, so only the operator's check of the store itself can fail the
   * Job, although the database still lists the files of the earlier build. Healed, the next
   * revision builds.
   */
  private void assertBuildFailsWhileTheVectorStoreIsCutOff(String instance, String storePod) {
    assertTrue(cluster.runner.partition(ns, storePod, true));
    ChatchatCluster failed;
    try {
      editCluster(instance, c -> c.getSpec().knowledgeBase.build.revision = "store-down");
      failed =
          awaitStatus(
              instance,
              x -> {
                var built =
                    Conditions.find(x.getStatus().conditions, Conditions.KNOWLEDGE_BASE_BUILT);
                return built != null && "Failed".equals(built.getReason());
              },
              START,
              Duration.ofSeconds(2));
    } finally {
      cluster.runner.partition(ns, storePod, false);
    }
    String why =
        Conditions.find(failed.getStatus().conditions, Conditions.KNOWLEDGE_BASE_BUILT)
            .getMessage();
    assertTrue(why.contains("samples (cannot search the vector store"), why);
    editCluster(instance, c -> c.getSpec().knowledgeBase.build.revision = "store-back");
    awaitStatus(
        instance, x -> isTrue(x, Conditions.KNOWLEDGE_BASE_BUILT), START, Duration.ofSeconds(2));
  }

  /** `kubectl port-forward` to the API pod answers list_knowledge_bases on 127.0.0.1. */
  private void assertPortForwardReaches(String pod) throws Exception {
    try (PortForward pf = portForward("pod/" + pod, 7861)) {
      String kbs =
          send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + pf.port + "/knowledge_base/list_knowledge_bases"))
                  .GET()
                  .build());
      assertTrue(kbs.contains("facts"), kbs);
    }
  }

  /** A running `kubectl port-forward` to a pod or Service, on a free port of 127.0.0.1. */
  record PortForward(Process process, int port, java.nio.file.Path log) implements AutoCloseable {
    /** What kubectl printed (errors forwarding a connection included). */
    String output() throws IOException {
      return java.nio.file.Files.readString(log);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private PortForward portForward(String target, int port) throws IOException {
    java.nio.file.Path log =
        java.nio.file.Files.createTempFile(
            java.nio.file.Path.of("target"), "port-forward-", ".log");
    Process pf =
        new ProcessBuilder(
                cluster.kubectlCommand(
                    "-n", ns, "port-forward", "--address", "127.0.0.1", target, ":" + port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && pf.isAlive()) {
      var m =
          java.util.regex.Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+)")
              .matcher(java.nio.file.Files.readString(log));
      if (m.find()) {
        return new PortForward(pf, Integer.parseInt(m.group(1)), log);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    pf.destroyForcibly();
    throw new AssertionError(
        "kubectl port-forward " + target + ": " + java.nio.file.Files.readString(log));
  }

  /** The answer of a streamed kb_chat: its SSE events' content deltas, concatenated. */
  static String streamedAnswer(String sse) throws IOException {
    StringBuilder answer = new StringBuilder();
    for (String line : sse.split("\n")) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        JsonNode event = JSON.readTree(line.substring("data: ".length()));
        answer.append(event.path("choices").path(0).path("delta").path("content").asText(""));
      }
    }
    return answer.toString();
  }

  /** Waits until the cluster is Ready for its generation with its knowledge bases built. */
  private void awaitReadyAndBuilt(String instance) {
    awaitStatus(
        instance,
        x -> readyForGeneration(x) && isTrue(x, Conditions.KNOWLEDGE_BASE_BUILT),
        START,
        Duration.ofSeconds(2));
  }

  /** Waits until the cluster's rollout is RolledBack and returns its message. */
  private String rolledBackMessage(String instance) {
    return awaitStatus(
            instance,
            x ->
                x.getStatus().rollout != null
                    && x.getStatus().rollout.phase
                        == io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase.RolledBack,
            START,
            Duration.ofSeconds(2))
        .getStatus()
        .rollout
        .message;
  }

  /** The images of the cluster's API pods that are not terminating. */
  private java.util.List<String> liveApiImages(String instance) {
    return pods("api", instance).stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .map(p -> p.getSpec().getContainers().get(0).getImage())
        .distinct()
        .toList();
  }

  private static boolean isTrue(ChatchatCluster c, String type) {
    var condition = Conditions.find(c.getStatus().conditions, type);
    return condition != null && "True".equals(condition.getStatus());
  }

  /** Creates a knowledge base on one API pod or Service and uploads one Markdown file to it. */
  static void createAndUpload(int port, String kb, String vsType, String file, String content)
      throws IOException {
    JsonNode created =
        post(
            port,
            "/knowledge_base/create_knowledge_base",
            "{\"knowledge_base_name\":\""
                + kb
                + "\",\"vector_store_type\":\""
                + vsType
                + "\",\"embed_model\":\"standin-embed\"}");
    assertEquals(200, created.path("code").asInt(), created.toString());
    JsonNode uploaded = upload(port, kb, file, content);
    assertEquals(200, uploaded.path("code").asInt(), uploaded.toString());
    assertEquals(0, uploaded.path("data").path("failed_files").size(), uploaded.toString());
  }

  static JsonNode post(int port, String path, String json) throws IOException {
    return JSON.readTree(body(port, path, json));
  }

  static String body(int port, String path, String json) throws IOException {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build());
  }

  static JsonNode upload(int port, String kb, String file, String content) throws IOException {
    return upload(port, kb, file, content, false);
  }

  /**
   * Uploads one Markdown file; {@code override} replaces a file of that name (without it Chatchat
   * 0.3.1.3 reports an existing file as failed: its `logger.warn` does not exist in loguru).
   */
  static JsonNode upload(int port, String kb, String file, String content, boolean override)
      throws IOException {
    String boundary = "----e2e" + UUID.randomUUID();
    String multipart =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"knowledge_base_name\"\r\n\r\n"
            + kb
            + "\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"override\"\r\n\r\n"
            + override
            + "\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"files\";"
            + " filename=\""
            + file
            + "\"\r\nContent-Type: text/markdown\r\n\r\n"
            + content
            + "\r\n--"
            + boundary
            + "--\r\n";
    return JSON.readTree(
        send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/knowledge_base/upload_docs"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(multipart, StandardCharsets.UTF_8))
                .build()));
  }

  static String send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> r =
          HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertEquals(200, r.statusCode(), request.uri() + " -> " + r.body());
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
