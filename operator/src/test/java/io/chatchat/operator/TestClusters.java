package io.chatchat.operator;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.CredentialsRef;
import io.chatchat.operator.api.v1alpha1.EmbeddingSpec;
import io.chatchat.operator.api.v1alpha1.LlmSpec;
import io.chatchat.operator.api.v1alpha1.ManagedVectorStore;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.TeiSpec;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** ChatchatClusters for unit tests. */
public final class TestClusters {
  private TestClusters() {}

  /** External MySQL (Secret db/uri) and Elasticsearch, API and WebUI, no API keys. */
  public static ChatchatCluster external() {
    ChatchatCluster c = new ChatchatCluster();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName("demo")
            .withNamespace("team")
            .withUid("0b1c-uid")
            .withGeneration(1L)
            .build());
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
    s.llm.external.baseUrl = "http://vllm.models.svc:8000/v1";
    s.llm.external.models = List.of("qwen2.5-7b", "qwen2.5-72b");
    s.embedding = new EmbeddingSpec();
    s.embedding.external = new EmbeddingSpec.External();
    s.embedding.external.baseUrl = "http://tei.models.svc/v1";
    s.embedding.external.model = "bge-m3";
    c.setSpec(s);
    return c;
  }

  /**
   * The whole stack run by the operator: managed MySQL and Elasticsearch, vLLM (1 GPU) and TEI (1
   * GPU).
   */
  public static ChatchatCluster managed() {
    ChatchatCluster c = external();
    ChatchatClusterSpec s = c.getSpec();
    s.metadataStore.type = MetadataStoreSpec.Type.Managed;
    s.metadataStore.external = null;
    s.vectorStore.elasticsearch = null;
    s.vectorStore.managed = new ManagedVectorStore();
    s.llm.external = null;
    s.llm.vllm = new VllmSpec();
    s.llm.vllm.model = "Qwen/Qwen2.5-7B-Instruct";
    s.llm.vllm.servedModelName = "qwen2.5-7b";
    s.embedding.external = null;
    s.embedding.tei = new TeiSpec();
    s.embedding.tei.model = "BAAI/bge-m3";
    s.embedding.tei.servedModelName = "bge-m3";
    return c;
  }

  /** A single pod on SQLite and FAISS, no WebUI. */
  public static ChatchatCluster singlePod() {
    ChatchatCluster c = external();
    c.getSpec().metadataStore.type = MetadataStoreSpec.Type.SQLite;
    c.getSpec().metadataStore.external = null;
    c.getSpec().vectorStore.type = VectorStoreSpec.Type.FAISS;
    c.getSpec().vectorStore.elasticsearch = null;
    c.getSpec().webui.enabled = false;
    return c;
  }

  public static CredentialsRef credentials(String secret) {
    CredentialsRef r = new CredentialsRef();
    r.secretName = secret;
    return r;
  }

  /** The Job with this condition (Complete, Failed) True in its status. */
  public static io.fabric8.kubernetes.api.model.batch.v1.Job ended(
      io.fabric8.kubernetes.api.model.batch.v1.Job job, String condition) {
    return new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder(job)
        .withNewStatus()
        .addNewCondition()
        .withType(condition)
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }
}
