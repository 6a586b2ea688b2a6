package io.chatchat.e2e;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.EmbeddingSpec;
import io.chatchat.operator.api.v1alpha1.LlmSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.List;

/** Test ChatchatClusters built in code. */
final class Clusters {
  private Clusters() {}

  /** A valid cluster on an external MySQL (Secret {@code db}, key uri) and Elasticsearch. */
  static ChatchatCluster valid(String name) {
    ChatchatCluster c = new ChatchatCluster();
    c.setMetadata(new ObjectMetaBuilder().withName(name).build());
    ChatchatClusterSpec s = new ChatchatClusterSpec();
    s.metadataStore = new MetadataStoreSpec();
    s.metadataStore.type = MetadataStoreSpec.Type.External;
    s.metadataStore.external = new MetadataStoreSpec.External();
    s.metadataStore.external.uriSecretRef = new SecretKeyRef("db", "uri");
    s.vectorStore = new VectorStoreSpec();
    s.vectorStore.type = VectorStoreSpec.Type.Elasticsearch;
    s.vectorStore.elasticsearch = new VectorStoreSpec.Elasticsearch();
    s.vectorStore.elasticsearch.host = "es.search.svc";
    s.llm = new LlmSpec();
    s.llm.external = new LlmSpec.External();
    s.llm.external.baseUrl = "http://llm.models.svc:8000/v1";
    s.llm.external.models = List.of("chat-model");
    s.embedding = new EmbeddingSpec();
    s.embedding.external = new EmbeddingSpec.External();
    s.embedding.external.baseUrl = "http://embed.models.svc/v1";
    s.embedding.external.model = "embed-model";
    c.setSpec(s);
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
