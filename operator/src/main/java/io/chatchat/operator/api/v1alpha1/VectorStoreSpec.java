package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The vector store (Chatchat's DEFAULT_VS_TYPE and kbs_config). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.type != 'Elasticsearch' || has(self.elasticsearch) != has(self.managed)",
    message =
        "vectorStore.type Elasticsearch needs exactly one of vectorStore.managed (the operator"
            + " runs it) and vectorStore.elasticsearch (an external one)")
@ValidationRule(
    value = "self.type != 'Milvus' || has(self.milvus) != has(self.managed)",
    message =
        "vectorStore.type Milvus needs exactly one of vectorStore.managed (the operator runs"
            + " Milvus standalone) and vectorStore.milvus (an external one)")
@ValidationRule(
    value = "self.type != 'PGVector' || has(self.pgvector) != has(self.managed)",
    message =
        "vectorStore.type PGVector needs exactly one of vectorStore.managed (the operator runs"
            + " pgvector) and vectorStore.pgvector (an external one)")
@ValidationRule(
    value =
        "(has(self.elasticsearch) ? 1 : 0) + (has(self.milvus) ? 1 : 0) + (has(self.pgvector) ? 1 :"
            + " 0) <= 1 && (!has(self.elasticsearch) || self.type == 'Elasticsearch') &&"
            + " (!has(self.milvus) || self.type == 'Milvus') && (!has(self.pgvector) || self.type =="
            + " 'PGVector')",
    message = "set only the vectorStore section that matches vectorStore.type")
@ValidationRule(
    value = "self.type != 'FAISS' || !has(self.managed)",
    message = "FAISS keeps its files inside the Chatchat pod: vectorStore.managed does not apply")
@ValidationRule(
    value = "!has(self.managed) || self.type == 'Elasticsearch' || self.managed.replicas == 1",
    message = "a managed Milvus standalone or pgvector runs exactly one pod (managed.replicas: 1)")
@ValidationRule(
    value = "!has(self.managed) || self.managed.replicas != 2",
    message =
        "a managed Elasticsearch needs 1 pod, or 3 or more for a master quorum; 2 pods cannot"
            + " survive the loss of either")
@ValidationRule(
    value = "self.type == oldSelf.type",
    message =
        "vectorStore.type cannot change on a running cluster: the metadata database lists the"
            + " documents vectorised into the current store, which the new one does not have, so"
            + " every search would come back empty (and a managed store's volume would be left"
            + " behind). To migrate, create a new cluster with the new store, copy the"
            + " knowledge-base files onto its claim and build them (knowledgeBase.build).")
public class VectorStoreSpec {

  @JsonPropertyDescription(
      "Elasticsearch (client in the stock image), Milvus (needs pymilvus in the image), PGVector"
          + " (needs psycopg2 and pgvector in the image) or FAISS (files inside a single pod: one"
          + " API replica and no WebUI).")
  @Required
  public Type type;

  @JsonPropertyDescription(
      "Run the store as a StatefulSet of this cluster (Elasticsearch, Milvus standalone or"
          + " pgvector), with generated credentials where the store has them.")
  public ManagedVectorStore managed;

  @JsonPropertyDescription("An external Elasticsearch (type Elasticsearch).")
  public Elasticsearch elasticsearch;

  @JsonPropertyDescription("An external Milvus (type Milvus).")
  public Milvus milvus;

  @JsonPropertyDescription("An external PostgreSQL with the pgvector extension (type PGVector).")
  public PgVector pgvector;

  public enum Type {
    Elasticsearch,
    Milvus,
    PGVector,
    FAISS
  }

  /** An external Elasticsearch. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "self.scheme != 'https'",
      message =
          "vectorStore.elasticsearch.scheme https: Chatchat 0.3.1.3 always connects to"
              + " http://host:port (es_kb_service.py), so an HTTPS-only Elasticsearch cannot work."
              + " Use an Elasticsearch endpoint that serves plain HTTP inside the cluster (behind a"
              + " NetworkPolicy, as the managed one is), or a TLS-terminating proxy in front of it.")
  public static class Elasticsearch {
    @JsonPropertyDescription("Host name of Elasticsearch, e.g. elasticsearch.search.svc.")
    @Required
    @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
    public String host;

    @JsonPropertyDescription("Port of Elasticsearch.")
    @Default("9200")
    @Min(1)
    @Max(65535)
    public int port = 9200;

    @JsonPropertyDescription(
        "Only http: Chatchat 0.3.1.3 connects to http://host:port whatever is configured.")
    @Default("http")
    public Scheme scheme = Scheme.http;

    @JsonPropertyDescription("Secret with the user name and password, when security is on.")
    public CredentialsRef credentials;
  }

  /** An external Milvus. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Milvus {
    @JsonPropertyDescription("Host name of Milvus, e.g. milvus.vectors.svc.")
    @Required
    @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
    public String host;

    @JsonPropertyDescription("gRPC port of Milvus.")
    @Default("19530")
    @Min(1)
    @Max(65535)
    public int port = 19530;

    @JsonPropertyDescription("Whether to connect with TLS.")
    @Default("false")
    public boolean secure = false;

    @JsonPropertyDescription("Secret with the user name and password, when authentication is on.")
    public CredentialsRef credentials;
  }

  /** An external PostgreSQL with pgvector. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class PgVector {
    @JsonPropertyDescription(
        "Secret key holding the connection URI, e.g. postgresql://user:pass@host:5432/vectors."
            + " The database needs the vector extension.")
    @Required
    public SecretKeyRef connectionUriSecretRef;
  }

  public enum Scheme {
    http,
    https
  }
}
