package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.CredentialsRef;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Chatchat finds each backing service: the user's external endpoint, or the Service of the
 * store or model server the operator runs. Everything Chatchat is told comes from here.
 */
public final class Endpoints {
  public static final int LLM_PORT = 8000;
  public static final int EMBEDDING_PORT = 8080;
  public static final int MYSQL_PORT = 3306;
  public static final int POSTGRES_PORT = 5432;
  public static final int ELASTICSEARCH_PORT = 9200;
  public static final int MILVUS_PORT = 19530;
  public static final int CACHE_PROXY_PORT = 4000;
  public static final int CACHE_STORE_PORT = 6379;

  /** Key of the SQLAlchemy URI in a generated credentials Secret. */
  public static final String URI_KEY = "uri";

  private Endpoints() {}

  /** A model endpoint Chatchat calls (OpenAI-compatible, base URL with /v1). */
  public record Model(String baseUrl, SecretKeyRef apiKey, List<String> models) {}

  /** A vector store Chatchat connects to: host/port, or a connection URI in a Secret. */
  public record VectorStore(
      VectorStoreSpec.Type type,
      String host,
      int port,
      String scheme,
      boolean secure,
      CredentialsRef credentials,
      SecretKeyRef connectionUri) {}

  /** The LLM endpoint Chatchat calls: the answer cache's proxy when enabled, else the LLM. */
  public static Model llm(ChatchatCluster cr) {
    if (cr.getSpec().cache.enabled) {
      return new Model(
          "http://" + Names.serviceHost(cr, Names.cacheProxy(cr)) + ":" + CACHE_PROXY_PORT + "/v1",
          null,
          cr.getSpec().llm.models());
    }
    return llmServer(cr);
  }

  /** The LLM itself: the vLLM Service or the external endpoint. */
  public static Model llmServer(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    if (spec.llm.vllm != null) {
      return new Model(
          "http://" + Names.serviceHost(cr, Names.llm(cr)) + ":" + LLM_PORT + "/v1",
          null,
          spec.llm.models());
    }
    return new Model(
        spec.llm.external.baseUrl, spec.llm.external.apiKeySecretRef, spec.llm.external.models);
  }

  public static Model embedding(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    if (spec.embedding.tei != null) {
      return new Model(
          "http://" + Names.serviceHost(cr, Names.embedding(cr)) + ":" + EMBEDDING_PORT + "/v1",
          null,
          List.of(spec.embedding.model()));
    }
    return new Model(
        spec.embedding.external.baseUrl,
        spec.embedding.external.apiKeySecretRef,
        List.of(spec.embedding.model()));
  }

  /** The Secret key holding Chatchat's SQLALCHEMY_DATABASE_URI; null with SQLite. */
  public static SecretKeyRef databaseUri(ChatchatCluster cr) {
    MetadataStoreSpec store = cr.getSpec().metadataStore;
    switch (store.type) {
      case External:
        return store.external.uriSecretRef;
      case Managed:
        return new SecretKeyRef(Names.databaseCredentials(cr), URI_KEY);
      default:
        return null;
    }
  }

  /** The managed database engine, or null when the database is not managed. */
  public static ManagedDatabase.Engine managedEngine(ChatchatCluster cr) {
    MetadataStoreSpec store = cr.getSpec().metadataStore;
    return store.type == MetadataStoreSpec.Type.Managed ? store.managedOrDefault().engine : null;
  }

  public static VectorStore vectorStore(ChatchatCluster cr) {
    VectorStoreSpec vs = cr.getSpec().vectorStore;
    String managedHost = Names.serviceHost(cr, Names.vectorStore(cr));
    switch (vs.type) {
      case Elasticsearch:
        return vs.managed != null
            ? new VectorStore(vs.type, managedHost, ELASTICSEARCH_PORT, "http", false, null, null)
            : new VectorStore(
                vs.type,
                vs.elasticsearch.host,
                vs.elasticsearch.port,
                vs.elasticsearch.scheme.name(),
                false,
                vs.elasticsearch.credentials,
                null);
      case Milvus:
        return vs.managed != null
            ? new VectorStore(vs.type, managedHost, MILVUS_PORT, null, false, null, null)
            : new VectorStore(
                vs.type,
                vs.milvus.host,
                vs.milvus.port,
                null,
                vs.milvus.secure,
                vs.milvus.credentials,
                null);
      case PGVector:
        return new VectorStore(
            vs.type,
            null,
            0,
            null,
            false,
            null,
            vs.managed != null
                ? new SecretKeyRef(Names.vectorStoreCredentials(cr), URI_KEY)
                : vs.pgvector.connectionUriSecretRef);
      default:
        return new VectorStore(vs.type, null, 0, null, false, null, null);
    }
  }

  /**
   * Python modules the Chatchat image must import for this spec (chatchat.md §2.2: the stock image
   * has pymysql and elasticsearch only).
   *
   * @param databaseScheme scheme of an external database URI, when known
   */
  public static List<String> requiredModules(ChatchatCluster cr, String databaseScheme) {
    List<String> modules = new ArrayList<>();
    ManagedDatabase.Engine engine = managedEngine(cr);
    String scheme = databaseScheme == null ? "" : databaseScheme.toLowerCase();
    if (engine == ManagedDatabase.Engine.MySQL || scheme.startsWith("mysql")) {
      modules.add("pymysql");
    } else if (engine == ManagedDatabase.Engine.PostgreSQL || scheme.startsWith("postgresql")) {
      modules.add("psycopg2");
    }
    switch (cr.getSpec().vectorStore.type) {
      case Elasticsearch:
        modules.add("elasticsearch");
        break;
      case Milvus:
        modules.add("pymilvus");
        break;
      case PGVector:
        if (!modules.contains("psycopg2")) {
          modules.add("psycopg2");
        }
        modules.add("pgvector");
        break;
      default:
        break;
    }
    return modules;
  }
}
