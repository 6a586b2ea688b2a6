package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec.DeletionPolicy;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Deleting a ChatchatCluster: the control plane's garbage collector removes its children. */
class GarbageCollectionE2ETest extends E2ETest {

  private boolean childrenGone(String name) {
    return Stream.of(
            client.apps().deployments(),
            client.apps().replicaSets(),
            client.pods(),
            client.services(),
            client.configMaps())
        .allMatch(
            kind ->
                kind.inNamespace(ns)
                    .withLabel("app.kubernetes.io/instance", name)
                    .list()
                    .getItems()
                    .isEmpty());
  }

  @Test
  void deletingTheClusterRemovesItsChildrenButKeepsTheKnowledgeBaseClaim() throws Exception {
    applyFile(example("multi-replica.yaml"));
    awaitReady("team-kb");
    cr("team-kb").delete();
    await().atMost(TIMEOUT).until(() -> childrenGone("team-kb"));
    assertNotNull(
        client.persistentVolumeClaims().inNamespace(ns).withName("team-kb-kb").get(),
        "the knowledge-base claim is kept (deletionPolicy Retain)");
  }

  @Test
  void deletionPolicyDeleteAlsoRemovesTheClaim() {
    client.resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c")).inNamespace(ns).create();
    ChatchatCluster c = Clusters.valid("ephemeral");
    c.getSpec().deletionPolicy = DeletionPolicy.Delete;
    client.resource(c).inNamespace(ns).create();
    awaitReady("ephemeral");
    cr("ephemeral").delete();
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                childrenGone("ephemeral")
                    && client
                            .persistentVolumeClaims()
                            .inNamespace(ns)
                            .withName("ephemeral-kb")
                            .get()
                        == null);
  }
}
