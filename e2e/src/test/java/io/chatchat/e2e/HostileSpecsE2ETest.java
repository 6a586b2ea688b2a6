package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.e2e.runner.PodEnv;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.ManagedVectorStore;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The adversarial corpus: malformed and hostile specs, each with the exact outcome it must have.
 * Refused at admission with a message; reported by the operator (ConfigValid=False and an Event);
 * or accepted and delivered literally: every hostile string reaches the real Chatchat (its own
 * settings loader, after the kubelet's $(VAR) expansion) exactly as written, and no user string
 * runs as shell text in the rendered scripts (run here with the real /bin/sh).
 */
class HostileSpecsE2ETest extends E2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DB_PASSWORD = "s3cret-db-pw";
  private static final String DB_URI = "mysql+pymysql://u:" + DB_PASSWORD + "@db:3306/c";

  /** A spec change and the fragment the API server's refusal must contain. */
  record Refused(String what, Consumer<ChatchatCluster> change, String message) {}

  private static final String KB_NAME_RULE = "a knowledge-base name has 1 to 50 characters";
  private static final String QUANTITY_RULE = "in body should match '^[+-]?([0-9]+";

  static List<Refused> refusedAtAdmission() {
    List<Refused> cases = new ArrayList<>();
    for (String name :
        List.of(
            "a/b",
            "a\\b",
            "a b",
            "line\nbreak",
            "tab\there",
            "bell\u0007",
            "中".repeat(51),
            "-r",
            "..",
            ".inf",
            "",
            "x".repeat(51),
            "../../etc")) {
      cases.add(
          new Refused(
              "defaultKnowledgeBase " + JSON.valueToTree(name),
              c -> c.getSpec().knowledgeBase.defaultKnowledgeBase = name,
              KB_NAME_RULE));
    }
    for (String name : List.of("../etc", "two words", "-n", "a/b")) {
      cases.add(
          new Refused(
              "build.knowledgeBases " + JSON.valueToTree(name),
              c -> c.getSpec().knowledgeBase.build.knowledgeBases = List.of("samples", name),
              KB_NAME_RULE));
    }
    cases.add(
        new Refused(
            "api memory lots",
            c -> c.getSpec().api.resources = limits("memory", "lots"),
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "api cpu fast",
            c -> c.getSpec().api.resources = requests("cpu", "fast"),
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "webui memory 1.5.5Gi",
            c -> c.getSpec().webui.resources = limits("memory", "1.5.5Gi"),
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "webui memory Gi",
            c -> c.getSpec().webui.resources = requests("memory", "Gi"),
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "managed database memory lots",
            c -> {
              managedDatabase(c);
              c.getSpec().metadataStore.managed.resources = limits("memory", "lots");
            },
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "managed vector store memory 2 GB",
            c -> {
              c.getSpec().vectorStore.elasticsearch = null;
              c.getSpec().vectorStore.managed = new ManagedVectorStore();
              c.getSpec().vectorStore.managed.resources = limits("memory", "2 GB");
            },
            QUANTITY_RULE));
    cases.add(
        new Refused(
            "chatchatRoot relative",
            c -> c.getSpec().chatchatRoot = "root/x",
            "spec.chatchatRoot"));
    cases.add(
        new Refused(
            "chatchatRoot with a space",
            c -> c.getSpec().chatchatRoot = "/root/my data",
            "spec.chatchatRoot"));
    cases.add(
        new Refused(
            "chatchatRoot trailing slash",
            c -> c.getSpec().chatchatRoot = "/root/",
            "spec.chatchatRoot"));
    cases.add(
        new Refused(
            "image with a space", c -> c.getSpec().image = "chatchat:1 ;rm -rf /", "spec.image"));
    cases.add(
        new Refused(
            "llm baseUrl without scheme",
            c -> c.getSpec().llm.external.baseUrl = "vllm:8000",
            "spec.llm.external.baseUrl"));
    cases.add(
        new Refused(
            "llm baseUrl file://",
            c -> c.getSpec().llm.external.baseUrl = "file:///etc/passwd",
            "spec.llm.external.baseUrl"));
    cases.add(
        new Refused(
            "llm baseUrl with a space",
            c -> c.getSpec().llm.external.baseUrl = "http://a b/v1",
            "spec.llm.external.baseUrl"));
    cases.add(
        new Refused(
            "embedding baseUrl javascript:",
            c -> c.getSpec().embedding.external.baseUrl = "javascript:alert(1)",
            "spec.embedding.external.baseUrl"));
    cases.add(
        new Refused("api replicas -1", c -> c.getSpec().api.replicas = -1, "spec.api.replicas"));
    cases.add(
        new Refused("topK 0", c -> c.getSpec().knowledgeBase.topK = 0, "spec.knowledgeBase.topK"));
    cases.add(
        new Refused(
            "topK 101", c -> c.getSpec().knowledgeBase.topK = 101, "spec.knowledgeBase.topK"));
    cases.add(
        new Refused(
            "scoreThreshold 3",
            c -> c.getSpec().knowledgeBase.scoreThreshold = 3.0,
            "spec.knowledgeBase.scoreThreshold"));
    cases.add(
        new Refused(
            "storage size ten",
            c -> c.getSpec().knowledgeBase.storage.size = "ten",
            "spec.knowledgeBase.storage.size"));
    cases.add(
        new Refused(
            "build revision of 64 characters",
            c -> c.getSpec().knowledgeBase.build.revision = "r".repeat(64),
            "spec.knowledgeBase.build.revision"));
    return cases;
  }

  @Test
  void admissionRefusesEachMalformedOrHostileSpecWithItsMessage() {
    List<Refused> cases = refusedAtAdmission();
    List<String> wrong = new ArrayList<>();
    for (Refused r : cases) {
      ChatchatCluster c = Clusters.valid("bad");
      r.change().accept(c);
      KubernetesClientException e =
          assertThrows(
              KubernetesClientException.class,
              () -> client.resource(c).inNamespace(ns).create(),
              r.what() + " must be refused");
      if (e.getCode() != 422 || !e.getMessage().contains(r.message())) {
        wrong.add(r.what() + ": HTTP " + e.getCode() + " " + e.getMessage());
      }
    }
    System.out.printf(
        "hostile corpus: %d specs refused at admission with their message%n",
        cases.size() - wrong.size());
    assertEquals(List.of(), wrong);
  }

  /** A spec that passes admission, what only the operator can see, and what it must report. */
  record Reported(
      String what,
      Consumer<ChatchatCluster> change,
      Map<String, String> dbSecret,
      String reason,
      String message) {}

  static List<Reported> reportedByTheOperator() {
    Map<String, String> good = Map.of("uri", DB_URI);
    return List.of(
        new Reported(
            "no database Secret",
            c -> {},
            null,
            "SecretMissing",
            "Secret db does not exist in the cluster's namespace (keys read: uri)"),
        new Reported(
            "database Secret without its key",
            c -> {},
            Map.of("url", DB_URI),
            "SecretMissing",
            "Secret db has no key uri"),
        new Reported(
            "mysql:// instead of mysql+pymysql://",
            c -> {},
            Map.of("uri", "mysql://u:p@db:3306/c"),
            "InvalidSecretValue",
            "use the mysql+pymysql:// scheme"),
        new Reported(
            "a SQLite URI for a shared database",
            c -> {},
            Map.of("uri", "sqlite:////tmp/x.db"),
            "InvalidSecretValue",
            "SQLite is a file inside one pod"),
        new Reported(
            "missing model-server token Secret",
            c -> {
              c.getSpec().llm.external = null;
              c.getSpec().llm.vllm = new VllmSpec();
              c.getSpec().llm.vllm.model = "Qwen/Qwen2.5-7B-Instruct";
              c.getSpec().llm.vllm.servedModelName = "qwen2.5-7b";
              c.getSpec().llm.vllm.hfTokenSecretRef = new SecretKeyRef("hf", "token");
            },
            good,
            "SecretMissing",
            "Secret hf does not exist in the cluster's namespace (keys read: token)"),
        new Reported(
            "missing API key Secret, two keys named once",
            c -> {
              c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
              c.getSpec().embedding.external.apiKeySecretRef = new SecretKeyRef("keys", "embed");
            },
            good,
            "SecretMissing",
            "Secret keys does not exist in the cluster's namespace (keys read: llm, embed)"),
        new Reported(
            "an invalid canary step",
            c -> c.getSpec().rollout.canarySteps = List.of("150%"),
            good,
            "InvalidCanaryStep",
            "is neither a pod count (1-9999) nor a percentage (1%-100%)"));
  }

  @Test
  void theOperatorReportsWhatAdmissionCannotSeeWithConfigValidFalseAndAnEvent() {
    List<Reported> cases = reportedByTheOperator();
    List<String> wrong = new ArrayList<>();
    int i = 0;
    for (Reported r : cases) {
      String name = "bad-" + i++;
      if (r.dbSecret() != null) {
        client.resource(secret("db-" + name, r.dbSecret())).inNamespace(ns).create();
      }
      ChatchatCluster c = Clusters.valid(name);
      c.getSpec().metadataStore.external.uriSecretRef = new SecretKeyRef("db-" + name, "uri");
      r.change().accept(c);
      client.resource(c).inNamespace(ns).create();
      ChatchatCluster seen =
          awaitStatus(
              name,
              x -> Conditions.find(x.getStatus().conditions, Conditions.CONFIG_VALID) != null);
      Condition valid = Conditions.find(seen.getStatus().conditions, Conditions.CONFIG_VALID);
      String expected = r.message().replace("Secret db ", "Secret db-" + name + " ");
      awaitEvent(
          e ->
              name.equals(e.getInvolvedObject().getName())
                  && "Warning".equals(e.getType())
                  && e.getMessage().contains(expected));
      if (!"False".equals(valid.getStatus())
          || !r.reason().equals(valid.getReason())
          || !valid.getMessage().contains(expected)
          || seen.getStatus().phase
              != io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase.Invalid) {
        wrong.add(r.what() + ": " + valid + " phase " + seen.getStatus().phase);
      }
    }
    System.out.printf(
        "hostile corpus: %d specs reported by the operator (ConfigValid=False, Invalid, Event)%n",
        cases.size() - wrong.size());
    assertEquals(List.of(), wrong);
  }

  /** Strings that shells, YAML and the kubelet's $(VAR) expansion would each read differently. */
  static final List<String> HOSTILE_STRINGS =
      List.of(
          "$(SQLALCHEMY_DATABASE_URI)",
          "$$(SQLALCHEMY_DATABASE_URI)",
          "a$(HOME)b",
          "$HOME",
          "${IFS}",
          "2024-01-01",
          "1:20",
          "1_000",
          "0x1F",
          ".inf",
          "-.5",
          "1e3",
          "<<",
          "null",
          "~",
          "true",
          "no",
          "'single'",
          "\"double\"",
          "# comment",
          "&anchor",
          "*alias",
          "!tag",
          "{a: 1}",
          "[a]",
          "a: b",
          "- item",
          "中文模型",
          "line\nbreak",
          "back\\slash",
          "`tick`;touch pwned",
          "%percent @at |pipe >gt");

  /**
   * Every hostile string as a model name (and one in the base URL) reaches the real Chatchat's
   * settings exactly: from the YAML file alone, and from MODEL_PLATFORMS after the kubelet's
   * expansion (an API key makes the operator render that env var), with the database password
   * nowhere in what Chatchat loaded.
   */
  @Test
  void hostileStringsReachTheRealChatchatLiterally() throws Exception {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    client.resource(secret("keys", Map.of("llm", "sk-test"))).inNamespace(ns).create();
    ChatchatCluster c = Clusters.valid("lit");
    c.getSpec().llm.external.models = HOSTILE_STRINGS;
    c.getSpec().llm.external.baseUrl = "http://llm.models.svc:8000/v1/$(SQLALCHEMY_DATABASE_URI)";
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
    c.getSpec().knowledgeBase.defaultKnowledgeBase = "2024-01-01";
    client.resource(c).inNamespace(ns).create();
    Container api = awaitApiContainer("lit");
    Map<String, String> env = kubeletEnv(api);
    Path root = settingsRoot("lit");

    Map<String, String> yamlOnly = new LinkedHashMap<>(env);
    yamlOnly.remove("MODEL_PLATFORMS");
    List<String> wrong = new ArrayList<>();
    for (var run : Map.of("the settings files", yamlOnly, "MODEL_PLATFORMS", env).entrySet()) {
      JsonNode loaded = chatchatSettings(root, run.getValue());
      List<String> models = new ArrayList<>();
      loaded.path("models").forEach(m -> models.add(m.asText()));
      for (int i = 0; i < HOSTILE_STRINGS.size(); i++) {
        String got = i < models.size() ? models.get(i) : "(missing)";
        if (!HOSTILE_STRINGS.get(i).equals(got)) {
          wrong.add(
              run.getKey()
                  + ": "
                  + JSON.valueToTree(HOSTILE_STRINGS.get(i))
                  + " read as "
                  + JSON.valueToTree(got));
        }
      }
      if (!HOSTILE_STRINGS.get(0).equals(loaded.path("default").asText())) {
        wrong.add(run.getKey() + ": DEFAULT_LLM_MODEL " + loaded.path("default"));
      }
      if (!c.getSpec().llm.external.baseUrl.equals(loaded.path("base").asText())) {
        wrong.add(run.getKey() + ": api_base_url " + loaded.path("base"));
      }
      if (!"2024-01-01".equals(loaded.path("kb").asText())) {
        wrong.add(run.getKey() + ": DEFAULT_KNOWLEDGE_BASE " + loaded.path("kb"));
      }
      if (loaded.toString().contains(DB_PASSWORD)) {
        wrong.add(run.getKey() + ": the database password leaked into " + loaded);
      }
    }
    System.out.printf(
        "hostile corpus: %d strings read literally by Chatchat (settings files and env)%n",
        HOSTILE_STRINGS.size());
    assertEquals(List.of(), wrong);
  }

  /**
   * A chatchatRoot, a default knowledge base and build targets made of shell syntax and $(VAR)
   * references: the API pod's, the init Job's and the build Job's scripts, run with the real
   * /bin/sh after the kubelet's expansion (python replaced by a recorder), create the literal
   * directories, pass the literal names to Chatchat, and run nothing else.
   */
  @Test
  void noUserStringRunsAsShellTextInTheRenderedScripts() throws Exception {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    Path work = Files.createDirectories(LocalCluster.REPO.resolve("e2e/target/hostile/" + ns));
    String root = work.resolve("root").toAbsolutePath() + "/x;touch${IFS}pwned;#";
    String kb = "k;touch${IFS}pwned;#$(SQLALCHEMY_DATABASE_URI)";
    String other = "b`touch${IFS}pwned`$(HOME)";
    ChatchatCluster c = Clusters.valid("sh");
    c.getSpec().chatchatRoot = root;
    c.getSpec().knowledgeBase.defaultKnowledgeBase = kb;
    c.getSpec().knowledgeBase.build.enabled = true;
    c.getSpec().knowledgeBase.build.knowledgeBases = List.of(kb, other);
    client.resource(c).inNamespace(ns).create();

    Map<String, Container> scripts = new LinkedHashMap<>();
    scripts.put("api", awaitApiContainer("sh"));
    scripts.put("init", awaitJobContainer("init"));
    scripts.put("kb-build", awaitJobContainer("kb-build"));
    Path bin = Files.createDirectories(work.resolve("bin"));
    Path python = bin.resolve("python");
    Files.writeString(
        python, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> \"$ARGLOG\"\n");
    python.toFile().setExecutable(true);
    List<String> wrong = new ArrayList<>();
    for (var script : scripts.entrySet()) {
      Path log = work.resolve(script.getKey() + ".args");
      Map<String, String> env = kubeletEnv(script.getValue());
      ProcessBuilder pb = new ProcessBuilder(PodEnv.command(script.getValue(), env));
      pb.environment().clear();
      pb.environment().putAll(env);
      pb.environment().put("PATH", bin + ":/usr/bin:/bin");
      pb.environment().put("ARGLOG", log.toString());
      pb.directory(work.toFile()).redirectErrorStream(true);
      Process p = pb.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        wrong.add(script.getKey() + " exited " + p.exitValue() + ": " + out);
      }
      if (!Files.isDirectory(Path.of(root, "data", "media", "image"))) {
        wrong.add(script.getKey() + ": no literal directory " + root + "/data/media/image");
      }
      String args = Files.exists(log) ? Files.readString(log) : "";
      if (args.contains(DB_PASSWORD)) {
        wrong.add(script.getKey() + ": the database password reached a command line: " + args);
      }
      if (script.getKey().equals("kb-build")
          && !(args.lines().anyMatch(kb::equals) && args.lines().anyMatch(other::equals))) {
        wrong.add("kb-build: the names did not reach `chatchat kb -r -n` literally: " + args);
      }
    }
    try (Stream<Path> files = Files.walk(work)) {
      files
          .filter(f -> f.getFileName().toString().equals("pwned"))
          .forEach(f -> wrong.add("a user string ran as a command: " + f));
    }
    System.out.printf(
        "hostile corpus: %d rendered scripts ran the hostile root and names as data%n",
        scripts.size());
    assertEquals(List.of(), wrong);
  }

  /** An update of a running cluster, and the fragment of its refusal. */
  record BadUpdate(String what, Consumer<ChatchatCluster> change, String message) {}

  static List<BadUpdate> badUpdates() {
    return List.of(
        new BadUpdate(
            "managed MySQL to PostgreSQL",
            c -> c.getSpec().metadataStore.managed.engine = ManagedDatabase.Engine.PostgreSQL,
            "metadataStore.managed.engine cannot change"),
        new BadUpdate(
            "managed database to SQLite",
            c -> {
              c.getSpec().metadataStore.type = MetadataStoreSpec.Type.SQLite;
              c.getSpec().metadataStore.managed = null;
            },
            "metadataStore.type cannot change to or from SQLite"),
        new BadUpdate(
            "Elasticsearch to Milvus",
            c -> {
              c.getSpec().vectorStore.type = VectorStoreSpec.Type.Milvus;
              c.getSpec().vectorStore.elasticsearch = null;
              c.getSpec().vectorStore.milvus = new VectorStoreSpec.Milvus();
              c.getSpec().vectorStore.milvus.host = "milvus.search.svc";
            },
            "vectorStore.type cannot change"),
        new BadUpdate(
            "shrinking the knowledge-base claim",
            c -> c.getSpec().knowledgeBase.storage.size = "1Gi",
            "knowledgeBase.storage.size cannot shrink"),
        new BadUpdate(
            "another access mode",
            c -> {
              c.getSpec().knowledgeBase.storage.accessMode =
                  io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec.AccessMode.ReadWriteOnce;
              c.getSpec().api.replicas = 1;
              c.getSpec().webui.enabled = false;
            },
            "knowledgeBase.storage.accessMode cannot change"),
        new BadUpdate(
            "another StorageClass",
            c -> c.getSpec().knowledgeBase.storage.storageClassName = "other",
            "storageClassName cannot change"),
        new BadUpdate(
            "a default knowledge base outside KB_ROOT_PATH",
            c -> c.getSpec().knowledgeBase.defaultKnowledgeBase = "../../etc",
            KB_NAME_RULE),
        new BadUpdate(
            "growing the managed database's volume",
            c -> c.getSpec().metadataStore.managed.storage.size = "20Gi",
            "metadataStore.managed.storage cannot change on a running cluster"),
        new BadUpdate(
            "memory lots",
            c -> c.getSpec().api.resources = limits("memory", "lots"),
            "spec.api.resources.limits.memory: Invalid value: \"lots\""));
  }

  @Test
  void badUpdatesOfARunningClusterAreRefusedAndItsClaimsAndPodsStay() throws Exception {
    ChatchatCluster c = Clusters.valid("run");
    managedDatabase(c);
    client.resource(c).inNamespace(ns).create();
    awaitReady("run");
    Map<String, String> claims =
        uids(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
    Map<String, String> pods = uids(client.pods().inNamespace(ns).list().getItems());
    assertFalse(claims.isEmpty(), "the cluster has claims");
    List<BadUpdate> cases = badUpdates();
    List<String> wrong = new ArrayList<>();
    for (BadUpdate u : cases) {
      try {
        editCluster("run", u.change());
        wrong.add(u.what() + ": accepted");
      } catch (KubernetesClientException e) {
        if (e.getCode() != 422 || !e.getMessage().contains(u.message())) {
          wrong.add(u.what() + ": HTTP " + e.getCode() + " " + e.getMessage());
        }
      }
    }
    assertEquals(List.of(), wrong);
    awaitReady("run");
    assertEquals(claims, uids(client.persistentVolumeClaims().inNamespace(ns).list().getItems()));
    assertEquals(pods, uids(client.pods().inNamespace(ns).list().getItems()));
    System.out.printf(
        "hostile corpus: %d bad updates refused; %d claims and %d pods kept their UIDs%n",
        cases.size(), claims.size(), pods.size());
  }

  /**
   * Garbage in status.lastStableSpec (edited through the status subresource) is repaired with a
   * Warning Event, and the cluster keeps following its spec.
   */
  @Test
  void anUnreadableStableSpecIsRepairedAndTheClusterKeepsFollowingItsSpec() throws Exception {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    client.resource(Clusters.valid("rep")).inNamespace(ns).create();
    awaitReady("rep");
    cluster.kubectl(
        "patch",
        "chatchatcluster/rep",
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        "{\"status\":{\"lastStableSpec\":\"{not a spec\"}}");
    editCluster("rep", x -> x.getSpec().knowledgeBase.topK = 7);
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                settings("rep")
                    .getData()
                    .get("kb_settings.yaml")
                    .contains("VECTOR_SEARCH_TOP_K: 7"));
    ChatchatCluster ready = awaitReady("rep");
    assertNotNull(
        io.chatchat.operator.rollout.RolloutPlan.fromJson(ready.getStatus().lastStableSpec).llm);
    awaitEvent(
        e ->
            "StableSpecRepaired".equals(e.getReason())
                && e.getMessage().contains("status.lastStableSpec could not be read"));
  }

  /**
   * A real HTTP 500 from the API server on apply (a validating webhook that fails closed, pointed
   * at a closed port on 127.0.0.1) is reported like a rejection: phase Degraded, Ready=False naming
   * the object and the code, a Warning Event; the operator retries with back-off and recovers once
   * the webhook is gone.
   */
  @Test
  void anApiServerErrorOnApplyIsReportedAndRetriedUntilItClears() throws Exception {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    client.resource(Clusters.valid("e5")).inNamespace(ns).create();
    awaitReady("e5");
    String webhook = ns + "-fails";
    client
        .admissionRegistration()
        .v1()
        .validatingWebhookConfigurations()
        .resource(
            new io.fabric8.kubernetes.api.model.admissionregistration.v1
                    .ValidatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName(webhook)
                .endMetadata()
                .addNewWebhook()
                .withName("fails.chatchat.io")
                .withNewClientConfig()
                .withUrl("https://127.0.0.1:1/validate")
                .endClientConfig()
                .addNewRule()
                .withApiGroups("apps")
                .withApiVersions("v1")
                .withOperations("UPDATE")
                .withResources("deployments")
                .endRule()
                .withNewNamespaceSelector()
                .addToMatchLabels("kubernetes.io/metadata.name", ns)
                .endNamespaceSelector()
                .withFailurePolicy("Fail")
                .withSideEffects("None")
                .withAdmissionReviewVersions("v1")
                .withTimeoutSeconds(2)
                .endWebhook()
                .build())
        .create();
    try {
      editCluster("e5", c -> c.getSpec().api.replicas = 2);
      ChatchatCluster degraded =
          awaitStatus(
              "e5",
              c ->
                  c.getStatus().phase
                      == io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase.Degraded);
      Condition ready = Conditions.find(degraded.getStatus().conditions, Conditions.READY);
      assertEquals("ReconcileError", ready.getReason());
      assertTrue(
          ready
              .getMessage()
              .contains("Deployment e5-api could not be applied, the API server answered HTTP 500"),
          ready.getMessage());
      awaitEvent(e -> "ReconcileError".equals(e.getReason()) && "Warning".equals(e.getType()));
    } finally {
      client
          .admissionRegistration()
          .v1()
          .validatingWebhookConfigurations()
          .withName(webhook)
          .delete();
    }
    awaitStatus(
        "e5", c -> readyForGeneration(c) && Integer.valueOf(2).equals(c.getStatus().apiReplicas));
  }

  /**
   * An object the API server refuses (here a ResourceQuota allows one Deployment) is reported with
   * the ChatchatCluster field it comes from.
   */
  @Test
  void aRefusedObjectIsReportedWithTheFieldItComesFrom() {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    allowDeployments(1);
    client.resource(Clusters.valid("quota")).inNamespace(ns).create();
    ChatchatCluster c =
        awaitStatus(
            "quota",
            x -> {
              Condition v = Conditions.find(x.getStatus().conditions, Conditions.CONFIG_VALID);
              return v != null && "ApplyRejected".equals(v.getReason());
            });
    String message =
        Conditions.find(c.getStatus().conditions, Conditions.CONFIG_VALID).getMessage();
    assertTrue(
        message.matches(
            "(?s).*Deployment quota-(api|webui) \\(rendered from spec\\.(api|webui)\\) was"
                + " rejected by the API server: .*exceeded quota.*"),
        message);
  }

  /**
   * A rollout whose canary Deployment the API server refuses (the quota allows no more) says it is
   * blocked and why, and the stable pods keep serving.
   */
  @Test
  void aRolloutBlockedByARefusedObjectSaysSoAndTheStablePodsServe() {
    client.resource(secret("db", Map.of("uri", DB_URI))).inNamespace(ns).create();
    client.resource(Clusters.valid("blk")).inNamespace(ns).create();
    awaitReady("blk");
    int deployments = client.apps().deployments().inNamespace(ns).list().getItems().size();
    allowDeployments(deployments);
    Map<String, String> apiPods = uids(pods("api", "blk"));
    editCluster("blk", c -> c.getSpec().image = "chatimage/chatchat:0.3.1.3-next");
    ChatchatCluster blocked =
        awaitStatus(
            "blk",
            c ->
                c.getStatus().rollout != null
                    && c.getStatus().rollout.message != null
                    && c.getStatus()
                        .rollout
                        .message
                        .startsWith("Blocked until the spec is fixed: "));
    assertTrue(
        blocked.getStatus().rollout.message.contains("exceeded quota"),
        blocked.getStatus().rollout.message);
    assertEquals(apiPods, uids(pods("api", "blk")), "the stable API pods serve on");
  }

  /** A ResourceQuota that lets the namespace hold this many Deployments. */
  private void allowDeployments(int count) {
    client
        .resource(
            new io.fabric8.kubernetes.api.model.ResourceQuotaBuilder()
                .withNewMetadata()
                .withName("deployments")
                .endMetadata()
                .withNewSpec()
                .addToHard("count/deployments.apps", new Quantity(String.valueOf(count)))
                .endSpec()
                .build())
        .inNamespace(ns)
        .create();
  }

  private static Map<String, String> uids(
      List<? extends io.fabric8.kubernetes.api.model.HasMetadata> items) {
    Map<String, String> m = new java.util.TreeMap<>();
    items.forEach(o -> m.put(o.getMetadata().getName(), o.getMetadata().getUid()));
    return m;
  }

  private static io.fabric8.kubernetes.api.model.Secret secret(
      String name, Map<String, String> data) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withStringData(data)
        .build();
  }

  private Container awaitApiContainer(String instance) {
    await().atMost(TIMEOUT).until(() -> deployment(instance + "-api") != null);
    return deployment(instance + "-api").getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private Container awaitJobContainer(String component) {
    Job[] job = {null};
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () -> {
              job[0] =
                  client
                      .batch()
                      .v1()
                      .jobs()
                      .inNamespace(ns)
                      .withLabel("app.kubernetes.io/component", component)
                      .list()
                      .getItems()
                      .stream()
                      .findFirst()
                      .orElse(null);
              return job[0] != null;
            });
    return job[0].getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  /** The container's environment as the kubelet builds it (Secrets read from the cluster). */
  private Map<String, String> kubeletEnv(Container container) throws Exception {
    PodSpec spec =
        new io.fabric8.kubernetes.api.model.PodSpecBuilder().withContainers(container).build();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("render")
            .withNamespace(ns)
            .endMetadata()
            .withSpec(spec)
            .build();
    return PodEnv.resolve(client, pod, container, "192.0.2.10", Map.of());
  }

  /** The cluster's settings ConfigMap, written out as a CHATCHAT_ROOT. */
  private Path settingsRoot(String instance) throws Exception {
    Path root =
        Files.createDirectories(
            LocalCluster.REPO.resolve("e2e/target/hostile/" + ns + "/" + instance + "-root"));
    for (var file : settings(instance).getData().entrySet()) {
      Files.writeString(root.resolve(file.getKey()), file.getValue());
    }
    return root;
  }

  private static final String LOAD_SETTINGS =
      "import json\n"
          + "from chatchat.settings import Settings\n"
          + "g=lambda o,k: o[k] if isinstance(o,dict) else getattr(o,k)\n"
          + "m=Settings.model_settings\n"
          + "p=[x for x in m.MODEL_PLATFORMS if g(x,'platform_name')=='llm'][0]\n"
          + "print('LOADED '+json.dumps({'models':list(g(p,'llm_models')),"
          + "'default':m.DEFAULT_LLM_MODEL,'base':g(p,'api_base_url'),"
          + "'kb':Settings.kb_settings.DEFAULT_KNOWLEDGE_BASE}))\n";

  /** What the real Chatchat's settings loader reads from these files and this environment. */
  private static JsonNode chatchatSettings(Path root, Map<String, String> env) throws Exception {
    Path venv = LocalCluster.chatchatVenv();
    ProcessBuilder pb =
        new ProcessBuilder(venv.resolve("bin/python").toString(), "-c", LOAD_SETTINGS);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.environment().put("CHATCHAT_ROOT", root.toString());
    pb.environment().put("HOME", root.toString());
    pb.environment().put("PATH", venv.resolve("bin") + ":/usr/bin:/bin");
    pb.directory(root.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    String line =
        out.lines()
            .filter(l -> l.startsWith("LOADED "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("Chatchat printed no settings: " + out));
    return JSON.readTree(line.substring("LOADED ".length()));
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements limits(String r, String q) {
    return new ResourceRequirementsBuilder().addToLimits(r, new Quantity(q)).build();
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements requests(String r, String q) {
    return new ResourceRequirementsBuilder().addToRequests(r, new Quantity(q)).build();
  }

  private static void managedDatabase(ChatchatCluster c) {
    c.getSpec().metadataStore.type = MetadataStoreSpec.Type.Managed;
    c.getSpec().metadataStore.external = null;
    c.getSpec().metadataStore.managed = new ManagedDatabase();
  }
}
