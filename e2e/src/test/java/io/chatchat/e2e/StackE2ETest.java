package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ManagedVectorStore;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole stack on the real control plane: managed stores, GPU model servers on kwok GPU nodes,
 * Ingress and HTTPRoute, autoscaling with the kube-controller-manager's own HPA controller, and
 * data kept on deletion.
 */
class StackE2ETest extends E2ETest {

  @Test
  void productionExampleRunsTheWholeStackWithGpuServersOnGpuNodes() throws Exception {
    // The example takes 5 of the cluster's 8 GPUs: wait for earlier tests' GPU pods to go.
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                client.pods().inAnyNamespace().list().getItems().stream()
                    .filter(p -> !p.getMetadata().getNamespace().equals(ns))
                    .noneMatch(StackE2ETest::requestsGpu));
    applyFile(example("production.yaml"));
    // The knowledge-base build runs after the chat tier is up and does not gate readiness.
    ChatchatCluster c =
        awaitStatus(
            "production",
            x ->
                readyForGeneration(x)
                    && Conditions.isTrue(
                        x.getStatus().conditions, Conditions.KNOWLEDGE_BASE_BUILT));
    ChatchatClusterStatus s = c.getStatus();
    for (String type :
        List.of(
            Conditions.DATABASE_READY,
            Conditions.VECTOR_STORE_READY,
            Conditions.LLM_READY,
            Conditions.EMBEDDING_READY,
            Conditions.DRIVERS_AVAILABLE,
            Conditions.INITIALIZED,
            Conditions.KNOWLEDGE_BASE_BUILT,
            Conditions.SCHEDULED,
            Conditions.CACHE_READY,
            Conditions.CACHE_STORE_READY)) {
      assertTrue(Conditions.isTrue(s.conditions, type), type + " in " + s.conditions);
    }
    assertEquals(2, s.components.get("llm").readyReplicas);

    // Stores: StatefulSets with volumes kept on deletion by default.
    StatefulSet db = client.apps().statefulSets().inNamespace(ns).withName("production-db").get();
    assertEquals(
        "mysql:8.4", db.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertEquals("Retain", db.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
    StatefulSet es =
        client.apps().statefulSets().inNamespace(ns).withName("production-vectors").get();
    assertEquals(3, es.getStatus().getReadyReplicas());

    // GPU servers: only on GPU nodes, with the GPU request and tensor parallelism.
    for (Pod p : pods("llm", "production")) {
      assertTrue(p.getSpec().getNodeName().startsWith("kwok-gpu-"), p.getSpec().getNodeName());
      assertEquals(
          new Quantity("2"),
          p.getSpec().getContainers().get(0).getResources().getLimits().get("nvidia.com/gpu"));
      assertTrue(p.getSpec().getContainers().get(0).getArgs().contains("--tensor-parallel-size=2"));
    }
    for (Pod p : pods("api", "production")) {
      assertTrue(p.getSpec().getNodeName().startsWith("kwok-cpu-"), p.getSpec().getNodeName());
    }
    // Chatchat asks the answer cache's proxy, which asks vLLM; embeddings go straight to TEI.
    String models = settings("production").getData().get("model_settings.yaml");
    assertTrue(models.contains("http://production-cache-proxy." + ns + ".svc:4000/v1"), models);
    assertTrue(models.contains("http://production-embedding." + ns + ".svc:8080/v1"), models);
    String proxy =
        client
            .configMaps()
            .inNamespace(ns)
            .withName("production-cache-proxy")
            .get()
            .getData()
            .get("config.yaml");
    assertTrue(proxy.contains("http://production-llm." + ns + ".svc:8000/v1"), proxy);
    assertTrue(proxy.contains("ttl: 43200"), proxy);
    assertNotNull(
        client.network().v1().networkPolicies().inNamespace(ns).withName("production-cache").get(),
        "only the proxy reaches Valkey");

    // Traffic, autoscaling, disruption budgets.
    Ingress api =
        client.network().v1().ingresses().inNamespace(ns).withName("production-api").get();
    Map<String, String> a = api.getMetadata().getAnnotations();
    assertEquals("600", a.get("nginx.ingress.kubernetes.io/proxy-read-timeout"));
    assertEquals("600", a.get("nginx.ingress.kubernetes.io/proxy-send-timeout"));
    assertEquals("30", a.get("nginx.ingress.kubernetes.io/proxy-connect-timeout"));
    assertEquals("off", a.get("nginx.ingress.kubernetes.io/proxy-buffering"));
    assertEquals("500m", a.get("nginx.ingress.kubernetes.io/proxy-body-size"));
    assertEquals("ewma", a.get("nginx.ingress.kubernetes.io/load-balance"));
    assertNull(a.get("nginx.ingress.kubernetes.io/affinity"), "no sticky sessions for the API");
    Ingress webui =
        client.network().v1().ingresses().inNamespace(ns).withName("production-webui").get();
    assertEquals(
        "cookie", webui.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/affinity"));
    assertEquals("chat-tls", webui.getSpec().getTls().get(0).getSecretName());

    HorizontalPodAutoscaler hpa =
        client
            .autoscaling()
            .v2()
            .horizontalPodAutoscalers()
            .inNamespace(ns)
            .withName("production-api")
            .get();
    assertEquals("ChatchatCluster", hpa.getSpec().getScaleTargetRef().getKind());
    assertEquals(3, hpa.getSpec().getMinReplicas());
    assertEquals(12, hpa.getSpec().getMaxReplicas());
    assertEquals(600, hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds());
    HorizontalPodAutoscaler llmHpa =
        client
            .autoscaling()
            .v2()
            .horizontalPodAutoscalers()
            .inNamespace(ns)
            .withName("production-llm")
            .get();
    assertEquals("Deployment", llmHpa.getSpec().getScaleTargetRef().getKind());
    assertEquals(2, llmHpa.getSpec().getMinReplicas());
    assertEquals(3, llmHpa.getSpec().getMaxReplicas());
    assertEquals(
        "vllm_num_requests_waiting",
        llmHpa.getSpec().getMetrics().get(0).getPods().getMetric().getName());
    for (String pdb :
        List.of(
            "production-api",
            "production-webui",
            "production-llm",
            "production-db",
            "production-vectors",
            "production-cache-proxy",
            "production-cache")) {
      PodDisruptionBudget b =
          client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(pdb).get();
      assertNotNull(b, pdb);
      assertEquals(1, b.getSpec().getMaxUnavailable().getIntVal(), pdb);
    }
    assertNull(
        client
            .policy()
            .v1()
            .podDisruptionBudget()
            .inNamespace(ns)
            .withName("production-embedding")
            .get(),
        "one embedding pod: no budget");
    assertEquals(
        2,
        deployment("production-api")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getTopologySpreadConstraints()
            .size());
  }

  private static boolean requestsGpu(Pod p) {
    return p.getSpec().getContainers().stream()
        .anyMatch(
            c ->
                c.getResources().getRequests() != null
                    && c.getResources().getRequests().containsKey("nvidia.com/gpu"));
  }

  @Test
  void externalModelsCreateNoModelServersAndASingleWriterBehindAnHttpRoute() throws Exception {
    applyFile(example("external-models.yaml"));
    ChatchatCluster c = awaitReady("external-models");
    assertTrue(Conditions.isTrue(c.getStatus().conditions, Conditions.KB_WRITER_READY));
    assertNull(deployment("external-models-llm"));
    assertNull(deployment("external-models-embedding"));
    for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
      d.getSpec()
          .getTemplate()
          .getSpec()
          .getContainers()
          .forEach(
              ct ->
                  assertTrue(
                      ct.getResources().getLimits() == null
                          || !ct.getResources().getLimits().containsKey("nvidia.com/gpu"),
                      d.getMetadata().getName()));
    }
    // Only the writer mounts the ReadWriteOnce claim; readers see an empty read-only directory.
    Deployment writer = deployment("external-models-kb-writer");
    assertEquals("Recreate", writer.getSpec().getStrategy().getType());
    assertEquals(
        "external-models-kb",
        writer.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("knowledge-base"))
            .findFirst()
            .orElseThrow()
            .getPersistentVolumeClaim()
            .getClaimName());
    Deployment readers = deployment("external-models-api");
    assertEquals("RollingUpdate", readers.getSpec().getStrategy().getType());
    assertNotNull(
        readers.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("knowledge-base"))
            .findFirst()
            .orElseThrow()
            .getEmptyDir());
    HTTPRoute route =
        client.resources(HTTPRoute.class).inNamespace(ns).withName("external-models-api").get();
    assertEquals("600s", route.getSpec().getRules().get(1).getTimeouts().getRequest());
    assertEquals(
        "external-models-kb-writer",
        route.getSpec().getRules().get(0).getBackendRefs().get(0).getName());
    assertTrue(
        route.getSpec().getRules().get(0).getMatches().stream()
            .anyMatch(m -> m.getPath().getValue().equals("/knowledge_base/upload_docs")));
    assertEquals(
        "external-models-api", route.getSpec().getRules().get(1).getBackendRefs().get(0).getName());
  }

  @Test
  void allExternalStoresCreateNoStatefulSetsAndNoModelServers() throws Exception {
    applyFile(example("multi-replica.yaml"));
    awaitReady("team-kb");
    assertTrue(client.apps().statefulSets().inNamespace(ns).list().getItems().isEmpty());
    assertNull(deployment("team-kb-llm"));
    assertNull(deployment("team-kb-embedding"));
  }

  @Test
  void anLlmThatNoNodeCanHoldStaysPendingWithAnInsufficientGpuCondition() {
    ChatchatCluster c = TestClusters.managed();
    c.setMetadata(new ObjectMetaBuilder().withName("big-model").build());
    c.getSpec().llm.vllm.gpus = 8; // the GPU nodes have 4 each
    client.resource(c).inNamespace(ns).create();
    ChatchatCluster seen =
        awaitStatus(
            "big-model",
            x -> {
              Condition sc = Conditions.find(x.getStatus().conditions, Conditions.SCHEDULED);
              return sc != null && "InsufficientGPU".equals(sc.getReason());
            });
    Condition sc = Conditions.find(seen.getStatus().conditions, Conditions.SCHEDULED);
    assertEquals("False", sc.getStatus());
    assertTrue(sc.getMessage().contains("no node has enough free nvidia.com/gpu"), sc.getMessage());
    assertFalse(Conditions.isTrue(seen.getStatus().conditions, Conditions.READY));
    assertFalse(Conditions.isTrue(seen.getStatus().conditions, Conditions.LLM_READY));
    assertTrue(
        pods("llm", "big-model").stream()
            .allMatch(p -> "Pending".equals(p.getStatus().getPhase())));
    // The rest of the stack does not wait for the LLM.
    awaitStatus(
        "big-model", x -> Conditions.isTrue(x.getStatus().conditions, Conditions.API_READY));
  }

  @Test
  void theControllerManagersHpaAndKubectlScaleShareOneReplicaField() {
    ChatchatCluster c = Clusters.valid("scaled");
    c.getSpec().webui.enabled = false;
    c.getSpec().api.replicas = 1;
    c.getSpec().api.autoscaling.enabled = true;
    c.getSpec().api.autoscaling.minReplicas = 2;
    c.getSpec().api.autoscaling.maxReplicas = 3;
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    // The real HPA controller raises the cluster to minReplicas through the scale subresource;
    // the operator carries it to the Deployment.
    awaitStatus(
        "scaled", x -> x.getSpec().api.replicas == 2 && "2/2".equals(x.getStatus().apiReady));
    assertEquals(2, deployment("scaled-api").getSpec().getReplicas());
    // kubectl scale above the maximum: the HPA brings it back within bounds.
    cr("scaled").scale(5);
    awaitStatus(
        "scaled", x -> x.getSpec().api.replicas == 3 && "3/3".equals(x.getStatus().apiReady));
    assertEquals(3, deployment("scaled-api").getSpec().getReplicas());
    // Turning autoscaling off removes the HPA and leaves the replica count to the spec.
    ChatchatCluster live = cr("scaled").get();
    live.getSpec().api.autoscaling.enabled = false;
    client.resource(live).update();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                client
                        .autoscaling()
                        .v2()
                        .horizontalPodAutoscalers()
                        .inNamespace(ns)
                        .withName("scaled-api")
                        .get()
                    == null);
  }

  @Test
  void deletingTheClusterKeepsDatabaseAndVectorVolumesAndTheirCredentials() {
    ChatchatCluster c = TestClusters.managed();
    c.setMetadata(new ObjectMetaBuilder().withName("keep").build());
    client.resource(c).inNamespace(ns).create();
    awaitReady("keep");
    Secret creds = client.secrets().inNamespace(ns).withName("keep-db-credentials").get();
    String password = creds.getData().get("password");
    client.resource(cr("keep").get()).delete();
    await()
        .atMost(TIMEOUT)
        .until(() -> client.apps().statefulSets().inNamespace(ns).list().getItems().isEmpty());
    List<String> claims =
        client.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
            .map(p -> p.getMetadata().getName())
            .toList();
    assertTrue(
        claims.containsAll(List.of("data-keep-db-0", "data-keep-vectors-0", "keep-kb")),
        claims.toString());
    // Re-created, the cluster finds its data and the same password (never regenerated).
    ChatchatCluster again = TestClusters.managed();
    again.setMetadata(new ObjectMetaBuilder().withName("keep").build());
    client.resource(again).inNamespace(ns).create();
    awaitReady("keep");
    assertEquals(
        password,
        client
            .secrets()
            .inNamespace(ns)
            .withName("keep-db-credentials")
            .get()
            .getData()
            .get("password"));
  }

  @Test
  void deletionPolicyDeleteRemovesTheStoreVolumesWithTheCluster() {
    ChatchatCluster c = TestClusters.managed();
    c.setMetadata(new ObjectMetaBuilder().withName("gone").build());
    c.getSpec().deletionPolicy = ChatchatClusterSpec.DeletionPolicy.Delete;
    client.resource(c).inNamespace(ns).create();
    awaitReady("gone");
    assertEquals(
        "Delete",
        client
            .apps()
            .statefulSets()
            .inNamespace(ns)
            .withName("gone-db")
            .get()
            .getSpec()
            .getPersistentVolumeClaimRetentionPolicy()
            .getWhenDeleted());
    client.resource(cr("gone").get()).delete();
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                client.persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
                        .noneMatch(p -> p.getMetadata().getDeletionTimestamp() == null)
                    && client.secrets().inNamespace(ns).withName("gone-db-credentials").get()
                        == null);
  }

  @Test
  void anImageWithoutTheStoreDriverIsCaughtBeforeAnyPodServes() {
    ChatchatCluster c = Clusters.valid("nodriver");
    c.getSpec().image = "registry.invalid/chatchat-broken:drivers";
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    ChatchatCluster seen =
        awaitStatus(
            "nodriver",
            x -> {
              Condition v = Conditions.find(x.getStatus().conditions, Conditions.CONFIG_VALID);
              return v != null && "DriverMissing".equals(v.getReason());
            });
    assertEquals(ChatchatClusterStatus.Phase.Invalid, seen.getStatus().phase);
    Condition drivers = Conditions.find(seen.getStatus().conditions, Conditions.DRIVERS_AVAILABLE);
    assertEquals("False", drivers.getStatus());
    assertTrue(
        Conditions.find(seen.getStatus().conditions, Conditions.CONFIG_VALID)
            .getMessage()
            .contains("pymysql, elasticsearch"));
    assertNull(deployment("nodriver-api"), "no pod of the image was started");
    assertTrue(pods("api", "nodriver").isEmpty());
  }

  @Test
  void admissionRefusesCombinationsThatWouldForkOrLoseData() {
    ChatchatCluster writerWithTwoWebUis = TestClusters.managed();
    writerWithTwoWebUis.setMetadata(new ObjectMetaBuilder().withName("bad1").build());
    writerWithTwoWebUis.getSpec().knowledgeBase.writeMode =
        io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec.WriteMode.SingleWriter;
    writerWithTwoWebUis.getSpec().webui.replicas = 2;
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(writerWithTwoWebUis).inNamespace(ns).create());
    assertTrue(e.getMessage().contains("webui.replicas: 1"), e.getMessage());

    ChatchatCluster rwoManyPods = TestClusters.managed();
    rwoManyPods.setMetadata(new ObjectMetaBuilder().withName("bad2").build());
    rwoManyPods.getSpec().knowledgeBase.storage.accessMode =
        io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec.AccessMode.ReadWriteOnce;
    rwoManyPods.getSpec().api.replicas = 3;
    e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(rwoManyPods).inNamespace(ns).create());
    assertTrue(e.getMessage().contains("writeMode: SingleWriter"), e.getMessage());

    ChatchatCluster bothLlms = TestClusters.managed();
    bothLlms.setMetadata(new ObjectMetaBuilder().withName("bad3").build());
    bothLlms.getSpec().llm.external = TestClusters.external().getSpec().llm.external;
    e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(bothLlms).inNamespace(ns).create());
    assertTrue(e.getMessage().contains("exactly one of llm.vllm"), e.getMessage());

    ChatchatCluster milvusTrio = TestClusters.managed();
    milvusTrio.setMetadata(new ObjectMetaBuilder().withName("bad4").build());
    milvusTrio.getSpec().vectorStore.type =
        io.chatchat.operator.api.v1alpha1.VectorStoreSpec.Type.Milvus;
    milvusTrio.getSpec().vectorStore.managed = new ManagedVectorStore();
    milvusTrio.getSpec().vectorStore.managed.replicas = 3;
    e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(milvusTrio).inNamespace(ns).create());
    assertTrue(e.getMessage().contains("exactly one pod"), e.getMessage());
  }
}
