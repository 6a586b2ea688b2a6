package io.chatchat.e2e;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** Test ChatchatClusters built in code. */
final class Clusters {
  private Clusters() {}

  /** A valid cluster on an external MySQL (Secret {@code db}, key uri) and Elasticsearch. */
  static ChatchatCluster valid(String name) {
    ChatchatCluster c = TestClusters.external();
    c.setMetadata(new ObjectMetaBuilder().withName(name).build());
    return c;
  }

  static Secret dbSecret(String uri) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName("db")
        .endMetadata()
        .addToStringData("uri", uri)
        .build();
  }
}
