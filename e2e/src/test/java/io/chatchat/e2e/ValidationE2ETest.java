package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.CacheSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Bad input is refused at admission, or reported in status with an Event; never a crash loop. */
class ValidationE2ETest extends E2ETest {

  private String rejected(Consumer<ChatchatCluster> change) {
    ChatchatCluster c = Clusters.valid("bad");
    change.accept(c);
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () -> client.resource(c).inNamespace(ns).create(),
            "the API server must reject it");
    assertEquals(422, e.getCode(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void admissionRejectsUnsafeOrMalformedSpecs() {
    assertTrue(
        rejected(
                c -> {
                  c.getSpec().vectorStore.type = VectorStoreSpec.Type.FAISS;
                  c.getSpec().vectorStore.elasticsearch = null;
                  c.getSpec().api.replicas = 3;
                })
            .contains("FAISS vector store are files inside one pod"));
    assertTrue(
        rejected(
                c -> {
                  c.getSpec().metadataStore.type = MetadataStoreSpec.Type.SQLite;
                  c.getSpec().metadataStore.external = null;
                  c.getSpec().api.replicas = 1;
                })
            .contains("a WebUI pod or a separate knowledge-base writer would open its own"),
        "SQLite with the WebUI enabled forks the database");
    assertTrue(
        rejected(
                c ->
                    c.getSpec().knowledgeBase.storage.accessMode =
                        KnowledgeBaseSpec.AccessMode.ReadWriteOnce)
            .contains("ReadWriteOnce lets only one pod mount"));
    assertTrue(rejected(c -> c.getSpec().llm = null).contains("spec.llm: Required value"));
    assertTrue(
        rejected(c -> c.getSpec().llm.defaultModel = "other")
            .contains("llm.defaultModel must be one of llm.external.models"));
    assertTrue(
        rejected(
                c -> {
                  c.getSpec().knowledgeBase.chunkSize = 100;
                  c.getSpec().knowledgeBase.chunkOverlap = 100;
                })
            .contains("chunkOverlap must be smaller"));
    assertTrue(rejected(c -> c.getSpec().api.replicas = 0).contains("spec.api.replicas"));
    assertTrue(
        rejected(c -> c.getSpec().vectorStore.type = VectorStoreSpec.Type.Milvus)
            .contains("vectorStore.type Milvus needs exactly one of vectorStore.managed"));
    assertTrue(
        rejected(c -> c.getSpec().llm.external.baseUrl = "vllm:8000")
            .contains("spec.llm.external.baseUrl"));
    assertTrue(
        rejected(c -> c.getMetadata().setName("a-very-long-cluster-name-that-exceeds-forty-chars"))
            .contains("at most 40 characters"));
    assertTrue(
        rejected(c -> c.getSpec().vectorStore.elasticsearch.scheme = VectorStoreSpec.Scheme.https)
            .contains("Chatchat 0.3.1.3 always connects to http://host:port"));
    assertTrue(
        rejected(
                c -> {
                  c.getSpec().vectorStore.type = VectorStoreSpec.Type.Milvus;
                  c.getSpec().vectorStore.elasticsearch = null;
                  c.getSpec().vectorStore.managed =
                      new io.chatchat.operator.api.v1alpha1.ManagedVectorStore();
                  c.getSpec().knowledgeBase.scoreThreshold = 0.5;
                })
            .contains("compares it with the raw L2 distance"));
    assertTrue(rejected(c -> c.getSpec().cache.ttl = "1d").contains("spec.cache.ttl"));
    assertTrue(
        rejected(
                c -> {
                  c.getSpec().cache.enabled = true;
                  c.getSpec().cache.managed = new CacheSpec.ManagedStore();
                  c.getSpec().cache.external = new CacheSpec.ExternalStore();
                  c.getSpec().cache.external.host = "redis";
                })
            .contains("cache: set managed or external, not both"));
  }

  /** Updates an existing cluster and returns the API server's rejection message. */
  private String rejectedUpdate(String name, Consumer<ChatchatCluster> change) {
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> editCluster(name, change));
    assertEquals(422, e.getCode(), e.getMessage());
    return e.getMessage();
  }

  @Test
  void admissionRejectsChangesToImmutableStorage() {
    client.resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c")).inNamespace(ns).create();
    client.resource(Clusters.valid("kb")).inNamespace(ns).create();
    assertTrue(
        rejectedUpdate("kb", c -> c.getSpec().knowledgeBase.storage.size = "1Gi")
            .contains("size cannot shrink"));
    assertTrue(
        rejectedUpdate("kb", c -> c.getSpec().knowledgeBase.storage.storageClassName = "fast")
            .contains("storageClassName cannot change"));
    assertTrue(
        rejectedUpdate(
                "kb",
                c -> {
                  c.getSpec().knowledgeBase.storage.accessMode =
                      KnowledgeBaseSpec.AccessMode.ReadWriteOnce;
                  c.getSpec().webui.enabled = false;
                })
            .contains("accessMode cannot change"));
  }

  @Test
  void missingSecretIsReportedInStatusAndRecoveredWhenCreated() {
    client.resource(Clusters.valid("nosecret")).inNamespace(ns).create();
    ChatchatCluster c = awaitStatus("nosecret", x -> x.getStatus().phase == Phase.Invalid);
    Condition valid = Conditions.find(c.getStatus().conditions, Conditions.CONFIG_VALID);
    assertEquals("False", valid.getStatus());
    assertEquals("SecretMissing", valid.getReason());
    assertTrue(valid.getMessage().contains("Secret db does not exist"), valid.getMessage());
    assertEquals("False", Conditions.find(c.getStatus().conditions, Conditions.READY).getStatus());
    assertNull(deployment("nosecret-api"), "nothing is deployed from an invalid spec");

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                warningEvents("nosecret").stream()
                    .anyMatch(e -> e.getMessage().contains("Secret db does not exist")));

    client.resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c")).inNamespace(ns).create();
    awaitReady("nosecret");
  }

  @Test
  void unusableDatabaseUriIsReportedInStatus() {
    client.resource(Clusters.dbSecret("mysql://u:p@db:3306/c")).inNamespace(ns).create();
    client.resource(Clusters.valid("baduri")).inNamespace(ns).create();
    ChatchatCluster c = awaitStatus("baduri", x -> x.getStatus().phase == Phase.Invalid);
    Condition valid = Conditions.find(c.getStatus().conditions, Conditions.CONFIG_VALID);
    assertEquals("InvalidSecretValue", valid.getReason());
    assertTrue(valid.getMessage().contains("mysql+pymysql://"), valid.getMessage());

    // A once-valid cluster keeps running when a later change is invalid: nothing is torn down.
    setDatabaseUri("mysql+pymysql://u:p@db:3306/c");
    awaitReady("baduri");
    setDatabaseUri("oracle://u:p@db/c");
    editCluster("baduri", x -> x.getSpec().knowledgeBase.topK = 4);
    awaitStatus("baduri", x -> x.getStatus().phase == Phase.Invalid);
    assertEquals(1, deployment("baduri-api").getStatus().getReadyReplicas());
  }

  private void setDatabaseUri(String uri) {
    client
        .secrets()
        .inNamespace(ns)
        .withName("db")
        .edit(
            s -> {
              s.setData(null);
              s.setStringData(java.util.Map.of("uri", uri));
              return s;
            });
  }

  private List<Event> warningEvents(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()))
        .toList();
  }
}
