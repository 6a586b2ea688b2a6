package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatchat.operator.OperatorConfig;
import io.chatchat.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An operator restricted to some namespaces (WATCH_NAMESPACES) leaves the others alone. */
class WatchNamespacesE2ETest extends E2ETest {

  @Test
  void onlyWatchedNamespacesAreReconciled() throws Exception {
    String other = ns + "-other";
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(other).endMetadata().build())
        .create();
    cluster.stopOperator();
    try (OperatorMain scoped =
        OperatorMain.start(
            new OperatorConfig(Set.of(ns), "127.0.0.1", 0, null, 2, false),
            client,
            new CollectorRegistry())) {
      for (String namespace : new String[] {ns, other}) {
        client
            .resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c"))
            .inNamespace(namespace)
            .create();
        client.resource(Clusters.valid("scoped")).inNamespace(namespace).create();
      }
      awaitReady("scoped");
      // The unwatched namespace's cluster gets neither children nor a status.
      await().pollDelay(Duration.ofSeconds(3)).atMost(TIMEOUT).until(() -> true);
      assertNull(client.apps().deployments().inNamespace(other).withName("scoped-api").get());
      assertNull(
          client
              .resources(io.chatchat.operator.api.v1alpha1.ChatchatCluster.class)
              .inNamespace(other)
              .withName("scoped")
              .get()
              .getStatus());
    } finally {
      cluster.startOperator();
      client.namespaces().withName(other).delete();
    }
  }
}
