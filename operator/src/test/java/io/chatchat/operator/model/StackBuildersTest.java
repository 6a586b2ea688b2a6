package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.IngressSpec;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The whole-stack builders: stores, model servers, Jobs, traffic and scaling. Pure. */
class StackBuildersTest {

  private static Map<String, EnvVar> env(ChatchatCluster c) {
    return ChatchatSettings.secretEnv(c).stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void managedStoresAndModelServersAreWhatChatchatIsPointedAt() {
    ChatchatCluster c = TestClusters.managed();
    Map<String, String> files = ChatchatSettings.files(c);
    String kb = files.get(ChatchatSettings.KB);
    assertTrue(kb.contains("host: \"demo-vectors.team.svc\""), kb);
    assertTrue(kb.contains("port: \"9200\""), kb);
    assertTrue(kb.contains("DEFAULT_VS_TYPE: \"es\""), kb);
    String models = files.get(ChatchatSettings.MODEL);
    assertTrue(models.contains("api_base_url: \"http://demo-llm.team.svc:8000/v1\""), models);
    assertTrue(models.contains("api_base_url: \"http://demo-embedding.team.svc:8080/v1\""), models);
    assertTrue(models.contains("DEFAULT_LLM_MODEL: \"qwen2.5-7b\""), models);
    assertTrue(models.contains("DEFAULT_EMBEDDING_MODEL: \"bge-m3\""), models);
    assertTrue(models.contains("- \"qwen2.5-7b\""), models);
    EnvVar uri = env(c).get("SQLALCHEMY_DATABASE_URI");
    assertEquals("demo-db-credentials", uri.getValueFrom().getSecretKeyRef().getName());
    assertEquals("uri", uri.getValueFrom().getSecretKeyRef().getKey());
    assertEquals(List.of("pymysql", "elasticsearch"), Endpoints.requiredModules(c, null));
  }

  @Test
  void managedMilvusAndPgvectorRenderTheirOwnSettingsAndDrivers() {
    ChatchatCluster milvus = TestClusters.managed();
    milvus.getSpec().vectorStore.type = VectorStoreSpec.Type.Milvus;
    String kb = ChatchatSettings.files(milvus).get(ChatchatSettings.KB);
    assertTrue(kb.contains("DEFAULT_VS_TYPE: \"milvus\""), kb);
    assertTrue(kb.contains("host: \"demo-vectors.team.svc\""), kb);
    assertTrue(kb.contains("port: \"19530\""), kb);
    assertTrue(kb.contains("milvus_kwargs"), kb);
    assertEquals(List.of("pymysql", "pymilvus"), Endpoints.requiredModules(milvus, null));
    StatefulSet sts = Stores.vectorStore(milvus);
    assertEquals(
        List.of("milvus", "run", "standalone"),
        sts.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand());

    ChatchatCluster pg = TestClusters.managed();
    pg.getSpec().vectorStore.type = VectorStoreSpec.Type.PGVector;
    pg.getSpec().metadataStore.managed = new ManagedDatabase();
    pg.getSpec().metadataStore.managed.engine = ManagedDatabase.Engine.PostgreSQL;
    EnvVar pgUri = env(pg).get("CHATCHAT_OPERATOR_PG_URI");
    assertEquals("demo-vectors-credentials", pgUri.getValueFrom().getSecretKeyRef().getName());
    assertTrue(env(pg).get("KBS_CONFIG").getValue().contains("$(CHATCHAT_OPERATOR_PG_URI)"));
    assertEquals(List.of("psycopg2", "pgvector"), Endpoints.requiredModules(pg, null));
    assertEquals(
        "pgvector/pgvector:pg16",
        Stores.vectorStore(pg).getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertEquals(
        "postgres:16",
        Stores.database(pg).getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertTrue(
        Credentials.vectorStore(pg, () -> "pw")
            .getStringData()
            .get("uri")
            .startsWith("postgresql+psycopg2://chatchat:pw@demo-vectors.team.svc:5432/"));
  }

  @Test
  void generatedCredentialsAreUriSafeAndFollowDeletionPolicy() {
    ChatchatCluster c = TestClusters.managed();
    String pw = Credentials.randomPassword();
    assertTrue(pw.matches("[A-Za-z0-9]{24}"), pw);
    assertNotEquals(pw, Credentials.randomPassword());
    Secret s = Credentials.database(c, () -> "secret1");
    assertEquals(
        "mysql+pymysql://chatchat:secret1@demo-db.team.svc:3306/chatchat?charset=utf8mb4",
        s.getStringData().get("uri"));
    assertTrue(s.getMetadata().getOwnerReferences().isEmpty(), "kept with the data by default");
    c.getSpec().deletionPolicy =
        io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec.DeletionPolicy.Delete;
    assertEquals(1, Credentials.database(c, () -> "x").getMetadata().getOwnerReferences().size());
    assertEquals(
        "Delete",
        Stores.database(c).getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
  }

  private static Map<String, String> storeEnv(ChatchatCluster c) {
    return Stores.vectorStore(c)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getEnv()
        .stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  @Test
  void elasticsearchFormsAQuorumWithThreeNodesAndRunsAloneWithOne() {
    ChatchatCluster c = TestClusters.managed();
    Map<String, String> one = storeEnv(c);
    assertEquals("single-node", one.get("discovery.type"));
    assertEquals("-Xms1024m -Xmx1024m", one.get("ES_JAVA_OPTS"));
    c.getSpec().vectorStore.managed.replicas = 3;
    Map<String, String> three = storeEnv(c);
    assertNull(three.get("discovery.type"));
    assertEquals(
        "demo-vectors-0,demo-vectors-1,demo-vectors-2", three.get("cluster.initial_master_nodes"));
    assertEquals("demo-vectors-headless", three.get("discovery.seed_hosts"));
  }

  private static Deployment deployment(List<HasMetadata> objects, String name) {
    return objects.stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name))
        .map(o -> (Deployment) o)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void gpuServersRequestGpusTolerateTheTaintAndFollowTensorParallelism() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().llm.vllm.gpus = 4;
    c.getSpec().llm.vllm.maxModelLen = 8192;
    c.getSpec().embedding.tei.gpus = 0;
    List<HasMetadata> objects = ModelServers.desired(c, null, null);
    Deployment llm = deployment(objects, "demo-llm");
    Container vllm = llm.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertTrue(vllm.getArgs().contains("--tensor-parallel-size=4"));
    assertTrue(vllm.getArgs().contains("--served-model-name=qwen2.5-7b"));
    assertTrue(vllm.getArgs().contains("--max-model-len=8192"));
    assertEquals(new Quantity("4"), vllm.getResources().getLimits().get("nvidia.com/gpu"));
    assertEquals("/health", vllm.getReadinessProbe().getHttpGet().getPath());
    assertEquals(180, vllm.getStartupProbe().getFailureThreshold());
    assertTrue(
        llm.getSpec().getTemplate().getSpec().getTolerations().stream()
            .anyMatch(t -> "nvidia.com/gpu".equals(t.getKey())));
    Deployment tei = deployment(objects, "demo-embedding");
    Container t = tei.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals(ModelServers.TEI_CPU_IMAGE, t.getImage());
    assertFalse(t.getResources().getLimits().containsKey("nvidia.com/gpu"));
    assertTrue(tei.getSpec().getTemplate().getSpec().getTolerations().isEmpty());
  }

  @Test
  void aModelHpaOwnsTheReplicaCountTheOperatorEchoes() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().llm.vllm.autoscaling.enabled = true;
    c.getSpec().llm.vllm.autoscaling.maxReplicas = 4;
    List<HasMetadata> objects = ModelServers.desired(c, 3, null);
    assertEquals(3, deployment(objects, "demo-llm").getSpec().getReplicas());
    HorizontalPodAutoscaler hpa =
        ModelScalers.desired(
                c,
                new ModelScalers.Inputs(
                    ApiCapabilities.NONE, java.util.Set.of(), java.util.Set.of()))
            .hpas()
            .get(0);
    assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
    assertEquals(
        "vllm:num_requests_waiting",
        hpa.getSpec().getMetrics().get(0).getPods().getMetric().getName());
    assertEquals(
        1, deployment(ModelServers.desired(c, null, null), "demo-llm").getSpec().getReplicas());
  }

  @Test
  void theApiHpaScalesTheClusterAndBudgetsCoverOnlyMultiPodTiers() {
    ChatchatCluster c = TestClusters.managed();
    List<String> budgets = Scaling.budgets(c).stream().map(b -> b.getMetadata().getName()).toList();
    assertEquals(List.of("demo-db", "demo-vectors"), budgets);
    c.getSpec().api.autoscaling.enabled = true;
    HorizontalPodAutoscaler hpa = Scaling.apiAutoscaler(c);
    assertEquals("ChatchatCluster", hpa.getSpec().getScaleTargetRef().getKind());
    assertEquals("demo", hpa.getSpec().getScaleTargetRef().getName());
    assertEquals(
        70, hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization());
    PodDisruptionBudget api = Scaling.budgets(c).get(0);
    assertEquals("demo-api", api.getMetadata().getName());
    assertEquals(1, api.getSpec().getMaxUnavailable().getIntVal());
  }

  @Test
  void aSingleWriterGetsEveryFileRouteAndTheReadersNone() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().ingress.enabled = true;
    c.getSpec().ingress.api = new IngressSpec.Host();
    c.getSpec().ingress.api.host = "chat.example.com";
    c.getSpec().ingress.annotations.put("nginx.ingress.kubernetes.io/proxy-read-timeout", "1200");
    Ingress shared = (Ingress) Traffic.desired(c).get(0);
    assertEquals(1, shared.getSpec().getRules().get(0).getHttp().getPaths().size());
    assertEquals(
        "1200",
        shared.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-read-timeout"),
        "the user's annotation wins");
    c.getSpec().knowledgeBase.writeMode = KnowledgeBaseSpec.WriteMode.SingleWriter;
    Ingress single = (Ingress) Traffic.desired(c).get(0);
    List<String> toWriter =
        single.getSpec().getRules().get(0).getHttp().getPaths().stream()
            .filter(p -> p.getBackend().getService().getName().equals("demo-kb-writer"))
            .map(p -> p.getPath())
            .toList();
    assertEquals(Traffic.WRITER_PATHS, toWriter);
    Deployment readers = ApiComponent.deployment(c, "h");
    assertTrue(
        readers.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
            .anyMatch(
                m -> m.getName().equals("knowledge-base") && Boolean.TRUE.equals(m.getReadOnly())));
    c.getSpec().ingress.flavor = IngressSpec.Flavor.Generic;
    c.getSpec().ingress.annotations.clear();
    assertTrue(((Ingress) Traffic.desired(c).get(0)).getMetadata().getAnnotations().isEmpty());
  }

  @Test
  void jobsRunPerVersionAndVerifyTheirOwnResults() {
    ChatchatCluster c = TestClusters.managed();
    Job init = ChatchatJobs.init(c, ChatchatJobs.initHash(c, "d1"), "cfg", true);
    String script =
        init.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand().get(2);
    assertTrue(
        script.contains("python -m chatchat.cli kb --create-tables && python -c \"$VERIFY\""),
        script);
    assertTrue(script.endsWith(String.join(" ", ChatchatJobs.TABLES)), script);
    assertEquals("Never", init.getSpec().getTemplate().getSpec().getRestartPolicy());
    assertEquals(8, init.getSpec().getBackoffLimit(), "a first install waits for the database");
    assertEquals(
        2,
        ChatchatJobs.init(c, ChatchatJobs.initHash(c, "d1"), "cfg", false)
            .getSpec()
            .getBackoffLimit(),
        "a rollout rolls back soon");
    String before = ChatchatJobs.initHash(c, "d1");
    assertNotEquals(before, ChatchatJobs.initHash(c, "d2"), "a new database password re-runs it");
    c.getSpec().image = "chatimage/chatchat:next";
    assertNotEquals(before, ChatchatJobs.initHash(c, "d1"), "a new image re-runs it");
    Job preflight = ChatchatJobs.preflight(c, List.of("pymysql", "pymilvus"));
    List<String> cmd =
        preflight.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
    assertEquals(List.of("pymysql", "pymilvus"), cmd.subList(3, 5));
    assertEquals(0, preflight.getSpec().getBackoffLimit());
    c.getSpec().knowledgeBase.build.enabled = true;
    c.getSpec().knowledgeBase.build.knowledgeBases = List.of("samples", "faq");
    List<String> build =
        ChatchatJobs.build(c, "cfg")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getCommand();
    assertTrue(
        build
            .get(2)
            .contains(
                "python -c \"$VERIFY\" seed \"$@\" && for kb in \"$@\"; do python"
                    + " -m chatchat.cli kb -r -n \"$kb\" || exit 1; done && python -c \"$VERIFY\" verify"
                    + " \"$@\""),
        build.get(2));
    assertEquals(List.of("kb-build", "samples", "faq"), build.subList(3, 6), "names as arguments");
    assertFalse(build.get(2).contains("faq"), "no knowledge-base name inside the script");

    String hash = ChatchatJobs.buildHash(c);
    c.getSpec().knowledgeBase.build.revision = "after-upload-2";
    String rerun = ChatchatJobs.buildHash(c);
    assertNotEquals(hash, rerun, "a new revision runs the build again");
    assertEquals(
        Names.buildJob(c, rerun), ChatchatJobs.build(c, "cfg").getMetadata().getName(), "new Job");
    c.getSpec().knowledgeBase.build.revision = null;
    assertEquals(hash, ChatchatJobs.buildHash(c), "no revision: the hash of earlier versions");
  }
}
