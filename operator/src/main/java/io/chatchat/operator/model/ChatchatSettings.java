package io.chatchat.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.CredentialsRef;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders Chatchat's settings files (basic, kb and model settings) and the environment variables
 * that bring secrets into the pods.
 *
 * <p>Chatchat reads YAML files from CHATCHAT_ROOT and lets an environment variable named like a
 * field override it; a JSON object is deep-merged into the YAML one, a list replaces it
 * (chatchat.md §3.2). Secrets therefore never enter the ConfigMap: they reach the pods as env vars
 * from Secrets, and JSON overrides refer to them with Kubernetes' {@code $(VAR)} expansion.
 */
public final class ChatchatSettings {
  public static final String BASIC = "basic_settings.yaml";
  public static final String KB = "kb_settings.yaml";
  public static final String MODEL = "model_settings.yaml";
  public static final List<String> FILES = List.of(BASIC, KB, MODEL);

  /** Platform names in MODEL_PLATFORMS. */
  public static final String LLM_PLATFORM = "llm";

  public static final String EMBEDDING_PLATFORM = "embedding";

  /**
   * Platform type for both entries. Any type but openai/ollama makes Chatchat send embeddings as
   * plain strings (LocalAIEmbeddings); chat always goes through ChatOpenAI (chatchat.md §3.3).
   */
  public static final String PLATFORM_TYPE = "oneapi";

  static final String ENV_LLM_API_KEY = "CHATCHAT_OPERATOR_LLM_API_KEY";
  static final String ENV_EMBEDDING_API_KEY = "CHATCHAT_OPERATOR_EMBEDDING_API_KEY";
  static final String ENV_VS_USER = "CHATCHAT_OPERATOR_VS_USER";
  static final String ENV_VS_PASSWORD = "CHATCHAT_OPERATOR_VS_PASSWORD";
  static final String ENV_PG_URI = "CHATCHAT_OPERATOR_PG_URI";

  /**
   * Every string double-quoted: PyYAML (pydantic-settings' loader in Chatchat) reads an unquoted
   * 2024-01-01 as a date, 1:20 as the integer 80 and 0x1F, 1_000 or .inf as numbers.
   */
  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build());

  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatchatSettings() {}

  public static String kbRootPath(ChatchatClusterSpec spec) {
    return spec.chatchatRoot + "/data/knowledge_base";
  }

  /** The three settings files, by file name. */
  public static Map<String, String> files(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    String header =
        "# Rendered by chatchat-operator for ChatchatCluster "
            + cr.getMetadata().getNamespace()
            + "/"
            + cr.getMetadata().getName()
            + ". Edit the ChatchatCluster, not this file.\n";
    Map<String, String> files = new LinkedHashMap<>();
    files.put(BASIC, header + yaml(basic(cr)));
    files.put(KB, header + secretsNote(kbSecretsNote(cr)) + yaml(kb(cr)));
    files.put(MODEL, header + secretsNote(modelSecretsNote(cr)) + yaml(model(cr)));
    return files;
  }

  private static String secretsNote(String note) {
    return note == null ? "" : "# " + note + "\n";
  }

  private static Map<String, Object> basic(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("log_verbose", false);
    m.put("HTTPX_DEFAULT_TIMEOUT", 300);
    m.put("KB_ROOT_PATH", kbRootPath(spec));
    m.put("DB_ROOT_PATH", kbRootPath(spec) + "/info.db");
    if (spec.metadataStore.type == MetadataStoreSpec.Type.SQLite) {
      m.put("SQLALCHEMY_DATABASE_URI", "sqlite:///" + kbRootPath(spec) + "/info.db");
    }
    m.put("OPEN_CROSS_DOMAIN", false);
    m.put("DEFAULT_BIND_HOST", "0.0.0.0");
    Map<String, Object> api = new LinkedHashMap<>();
    api.put("host", "0.0.0.0");
    api.put("port", Defaults.API_PORT);
    api.put("public_host", Names.serviceHost(cr, Names.api(cr)));
    api.put("public_port", Defaults.API_PORT);
    m.put("API_SERVER", api);
    Map<String, Object> webui = new LinkedHashMap<>();
    webui.put("host", "0.0.0.0");
    webui.put("port", Defaults.WEBUI_PORT);
    m.put("WEBUI_SERVER", webui);
    return m;
  }

  /**
   * SCORE_THRESHOLD: the user's value, or the store's "no filter". Chatchat 0.3.1.3 keeps PGVector
   * and Elasticsearch results whose relevance (0-1) is at least the threshold and Milvus results
   * whose raw L2 distance is at least it, so its default of 2 returns nothing there; FAISS keeps
   * Chatchat's own default.
   */
  public static double scoreThreshold(ChatchatClusterSpec spec) {
    if (spec.knowledgeBase.scoreThreshold != null) {
      return spec.knowledgeBase.scoreThreshold;
    }
    return spec.vectorStore.type == VectorStoreSpec.Type.FAISS ? 2.0 : 0.0;
  }

  /** Chatchat's DEFAULT_VS_TYPE for a vector store type. */
  public static String vsType(VectorStoreSpec.Type type) {
    switch (type) {
      case Elasticsearch:
        return "es";
      case Milvus:
        return "milvus";
      case PGVector:
        return "pg";
      case FAISS:
        return "faiss";
      default:
        throw new IllegalArgumentException("unknown vector store " + type);
    }
  }

  private static Map<String, Object> kb(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("DEFAULT_KNOWLEDGE_BASE", spec.knowledgeBase.defaultKnowledgeBase);
    m.put("DEFAULT_VS_TYPE", vsType(spec.vectorStore.type));
    m.put("CACHED_VS_NUM", 1);
    m.put("CACHED_MEMO_VS_NUM", 10);
    m.put("CHUNK_SIZE", spec.knowledgeBase.chunkSize);
    m.put("OVERLAP_SIZE", spec.knowledgeBase.chunkOverlap);
    m.put("VECTOR_SEARCH_TOP_K", spec.knowledgeBase.topK);
    m.put("SCORE_THRESHOLD", scoreThreshold(spec));
    Map<String, Object> kbs = new LinkedHashMap<>();
    Endpoints.VectorStore vs = Endpoints.vectorStore(cr);
    switch (vs.type()) {
      case Elasticsearch:
        {
          Map<String, Object> es = new LinkedHashMap<>();
          // No scheme and no index_name: Chatchat 0.3.1.3 reads neither (it connects to
          // http://host:port and names each index after its knowledge base).
          es.put("host", vs.host());
          es.put("port", String.valueOf(vs.port()));
          es.put("user", "");
          es.put("password", "");
          kbs.put("es", es);
          break;
        }
      case Milvus:
        {
          Map<String, Object> mv = new LinkedHashMap<>();
          mv.put("host", vs.host());
          mv.put("port", String.valueOf(vs.port()));
          mv.put("user", "");
          mv.put("password", "");
          mv.put("secure", vs.secure());
          kbs.put("milvus", mv);
          // HNSW with its parameters: Chatchat's default index_params name no M and
          // efConstruction, which Milvus refuses ("efConstruction out of range"), and langchain
          // then silently falls back to AUTOINDEX. ef must be at least the number of hits.
          int ef = Math.max(64, cr.getSpec().knowledgeBase.topK);
          kbs.put(
              "milvus_kwargs",
              orderedMap(
                  "search_params",
                  orderedMap("metric_type", "L2", "params", orderedMap("ef", ef)),
                  "index_params",
                  orderedMap(
                      "metric_type",
                      "L2",
                      "index_type",
                      "HNSW",
                      "params",
                      orderedMap("M", 16, "efConstruction", 128))));
          break;
        }
      case PGVector:
        kbs.put("pg", orderedMap("connection_uri", ""));
        break;
      case FAISS:
        kbs.put("faiss", new LinkedHashMap<>());
        break;
      default:
        throw new IllegalArgumentException("unknown vector store " + vs.type());
    }
    m.put("kbs_config", kbs);
    return m;
  }

  private static String kbSecretsNote(ChatchatCluster cr) {
    Endpoints.VectorStore vs = Endpoints.vectorStore(cr);
    boolean secret = vs.credentials() != null || vs.connectionUri() != null;
    return secret
        ? "Credentials of the vector store come from Secrets through the KBS_CONFIG environment"
            + " variable, which Chatchat merges over kbs_config."
        : null;
  }

  private static Map<String, Object> model(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("DEFAULT_LLM_MODEL", spec.llm.effectiveDefaultModel());
    m.put("DEFAULT_EMBEDDING_MODEL", spec.embedding.model());
    m.put("TEMPERATURE", spec.llm.temperature);
    m.put("MODEL_PLATFORMS", platforms(cr, false));
    return m;
  }

  private static String modelSecretsNote(ChatchatCluster cr) {
    return hasApiKeys(cr)
        ? "API keys come from Secrets through the MODEL_PLATFORMS environment variable, which"
            + " replaces the list below."
        : null;
  }

  private static boolean hasApiKeys(ChatchatCluster cr) {
    return Endpoints.llm(cr).apiKey() != null || Endpoints.embedding(cr).apiKey() != null;
  }

  /**
   * MODEL_PLATFORMS: one entry per backend, static model lists, auto-detection off (a default model
   * missing from the lists breaks every Chatchat command at import, chatchat.md §3.3).
   */
  private static List<Map<String, Object>> platforms(
      ChatchatCluster cr, boolean withKeyReferences) {
    ChatchatClusterSpec spec = cr.getSpec();
    Endpoints.Model llm = Endpoints.llm(cr);
    Endpoints.Model embedding = Endpoints.embedding(cr);
    List<Map<String, Object>> list = new ArrayList<>();
    list.add(
        platform(
            LLM_PLATFORM,
            llm,
            withKeyReferences ? ENV_LLM_API_KEY : null,
            spec.llm.maxConcurrency,
            llm.models(),
            List.of()));
    list.add(
        platform(
            EMBEDDING_PLATFORM,
            embedding,
            withKeyReferences ? ENV_EMBEDDING_API_KEY : null,
            spec.llm.maxConcurrency,
            List.of(),
            embedding.models()));
    return list;
  }

  private static Map<String, Object> platform(
      String name,
      Endpoints.Model endpoint,
      String keyEnv,
      int concurrency,
      List<String> llmModels,
      List<String> embedModels) {
    // In the env variable (keyEnv set) the kubelet expands $(VAR): only the key reference may.
    java.util.function.UnaryOperator<String> user =
        keyEnv == null ? java.util.function.UnaryOperator.identity() : Kubelet::literal;
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("platform_name", name);
    p.put("platform_type", PLATFORM_TYPE);
    p.put("api_base_url", user.apply(endpoint.baseUrl()));
    p.put("api_key", keyEnv != null && endpoint.apiKey() != null ? "$(" + keyEnv + ")" : "EMPTY");
    p.put("api_concurrencies", concurrency);
    p.put("auto_detect_model", false);
    p.put("llm_models", llmModels.stream().map(user).toList());
    p.put("embed_models", embedModels.stream().map(user).toList());
    p.put("text2image_models", List.of());
    p.put("image2text_models", List.of());
    p.put("rerank_models", List.of());
    p.put("speech2text_models", List.of());
    p.put("text2speech_models", List.of());
    return p;
  }

  /**
   * Environment variables that bring secrets into the Chatchat container, in dependency order:
   * variables from Secrets first, then the JSON overrides that refer to them.
   */
  public static List<EnvVar> secretEnv(ChatchatCluster cr) {
    List<EnvVar> env = new ArrayList<>();
    SecretKeyRef dbUri = Endpoints.databaseUri(cr);
    if (dbUri != null) {
      env.add(fromSecret("SQLALCHEMY_DATABASE_URI", dbUri));
    }
    Endpoints.VectorStore vs = Endpoints.vectorStore(cr);
    Map<String, Object> kbsOverride = new LinkedHashMap<>();
    CredentialsRef creds = vs.credentials();
    if (creds != null) {
      String store = vsType(vs.type());
      env.add(fromSecret(ENV_VS_USER, new SecretKeyRef(creds.secretName, creds.usernameKey)));
      env.add(fromSecret(ENV_VS_PASSWORD, new SecretKeyRef(creds.secretName, creds.passwordKey)));
      kbsOverride.put(
          store,
          orderedMap("user", "$(" + ENV_VS_USER + ")", "password", "$(" + ENV_VS_PASSWORD + ")"));
    }
    if (vs.connectionUri() != null) {
      env.add(fromSecret(ENV_PG_URI, vs.connectionUri()));
      kbsOverride.put("pg", orderedMap("connection_uri", "$(" + ENV_PG_URI + ")"));
    }
    Endpoints.Model llm = Endpoints.llm(cr);
    Endpoints.Model embedding = Endpoints.embedding(cr);
    if (llm.apiKey() != null) {
      env.add(fromSecret(ENV_LLM_API_KEY, llm.apiKey()));
    }
    if (embedding.apiKey() != null) {
      env.add(fromSecret(ENV_EMBEDDING_API_KEY, embedding.apiKey()));
    }
    if (!kbsOverride.isEmpty()) {
      env.add(new EnvVarBuilder().withName("KBS_CONFIG").withValue(json(kbsOverride)).build());
    }
    if (hasApiKeys(cr)) {
      env.add(
          new EnvVarBuilder()
              .withName("MODEL_PLATFORMS")
              .withValue(json(platforms(cr, true)))
              .build());
    }
    return env;
  }

  /** Every Secret key the pods read, so the reconciler can check they exist. */
  public static List<SecretKeyRef> referencedSecretKeys(ChatchatCluster cr) {
    List<SecretKeyRef> refs = new ArrayList<>();
    for (EnvVar e : secretEnv(cr)) {
      if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        refs.add(
            new SecretKeyRef(
                e.getValueFrom().getSecretKeyRef().getName(),
                e.getValueFrom().getSecretKeyRef().getKey()));
      }
    }
    return refs;
  }

  /**
   * Secret keys whose values are placed inside a JSON override, where a double quote or backslash
   * would break the JSON Chatchat parses.
   */
  public static List<SecretKeyRef> secretKeysInsideJson(ChatchatCluster cr) {
    List<SecretKeyRef> refs = new ArrayList<>();
    for (EnvVar e : secretEnv(cr)) {
      if (e.getValueFrom() != null
          && e.getValueFrom().getSecretKeyRef() != null
          && !e.getName().equals("SQLALCHEMY_DATABASE_URI")) {
        refs.add(
            new SecretKeyRef(
                e.getValueFrom().getSecretKeyRef().getName(),
                e.getValueFrom().getSecretKeyRef().getKey()));
      }
    }
    return refs;
  }

  static EnvVar fromSecret(String name, SecretKeyRef ref) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(ref.name)
        .withKey(ref.key)
        .withOptional(false)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static Map<String, Object> orderedMap(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static String json(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String yaml(Object o) {
    try {
      return YAML.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
