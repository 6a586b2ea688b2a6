package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Pins the rendered Chatchat settings for each store and model choice. */
class ChatchatSettingsTest {
  private static final String HEADER =
      "# Rendered by chatchat-operator for ChatchatCluster team/demo. Edit the ChatchatCluster, not"
          + " this file.\n";

  private static Map<String, EnvVar> env(ChatchatCluster c) {
    return ChatchatSettings.secretEnv(c).stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void basicSettingsBindEverywhereAndPointLinksAtTheApiService() {
    assertEquals(
        HEADER
            + "log_verbose: false\n"
            + "HTTPX_DEFAULT_TIMEOUT: 300\n"
            + "KB_ROOT_PATH: \"/root/chatchat_data/data/knowledge_base\"\n"
            + "DB_ROOT_PATH: \"/root/chatchat_data/data/knowledge_base/info.db\"\n"
            + "OPEN_CROSS_DOMAIN: false\n"
            + "DEFAULT_BIND_HOST: \"0.0.0.0\"\n"
            + "API_SERVER:\n"
            + "  host: \"0.0.0.0\"\n"
            + "  port: 7861\n"
            + "  public_host: \"demo-api.team.svc\"\n"
            + "  public_port: 7861\n"
            + "WEBUI_SERVER:\n"
            + "  host: \"0.0.0.0\"\n"
            + "  port: 8501\n",
        ChatchatSettings.files(TestClusters.external()).get(ChatchatSettings.BASIC));
  }

  @Test
  void sqliteLivesOnTheKnowledgeBaseVolume() {
    String basic = ChatchatSettings.files(TestClusters.singlePod()).get(ChatchatSettings.BASIC);
    assertTrue(
        basic.contains(
            "SQLALCHEMY_DATABASE_URI: \"sqlite:////root/chatchat_data/data/knowledge_base/info.db\"\n"),
        basic);
    assertFalse(env(TestClusters.singlePod()).containsKey("SQLALCHEMY_DATABASE_URI"));
  }

  @Test
  void externalDatabaseUriComesFromTheSecretNotTheConfigMap() {
    ChatchatCluster c = TestClusters.external();
    assertFalse(ChatchatSettings.files(c).get(ChatchatSettings.BASIC).contains("SQLALCHEMY"));
    EnvVar uri = env(c).get("SQLALCHEMY_DATABASE_URI");
    assertEquals("db", uri.getValueFrom().getSecretKeyRef().getName());
    assertEquals("uri", uri.getValueFrom().getSecretKeyRef().getKey());
  }

  @Test
  void theScoreThresholdDefaultsToEachStoresNoFilterValue() {
    ChatchatCluster c = TestClusters.external();
    for (VectorStoreSpec.Type type : VectorStoreSpec.Type.values()) {
      c.getSpec().vectorStore.type = type;
      // Chatchat 0.3.1.3 keeps relevance >= threshold (PGVector, Elasticsearch) or raw L2
      // distance >= threshold (Milvus): its default of 2 returned nothing there on the real
      // Chatchat. FAISS keeps Chatchat's default.
      assertEquals(
          type == VectorStoreSpec.Type.FAISS ? 2.0 : 0.0,
          ChatchatSettings.scoreThreshold(c.getSpec()),
          type.name());
    }
    c.getSpec().knowledgeBase.scoreThreshold = 0.4;
    assertEquals(0.4, ChatchatSettings.scoreThreshold(c.getSpec()), "a value the user set wins");
  }

  @Test
  void elasticsearchSettings() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().vectorStore.elasticsearch.port = 9243;
    assertEquals(
        HEADER
            + "DEFAULT_KNOWLEDGE_BASE: \"samples\"\n"
            + "DEFAULT_VS_TYPE: \"es\"\n"
            + "CACHED_VS_NUM: 1\n"
            + "CACHED_MEMO_VS_NUM: 10\n"
            + "CHUNK_SIZE: 750\n"
            + "OVERLAP_SIZE: 150\n"
            + "VECTOR_SEARCH_TOP_K: 3\n"
            + "SCORE_THRESHOLD: 0.0\n"
            + "kbs_config:\n"
            + "  es:\n"
            + "    host: \"es.search.svc\"\n"
            + "    port: \"9243\"\n"
            + "    user: \"\"\n"
            + "    password: \"\"\n",
        ChatchatSettings.files(c).get(ChatchatSettings.KB));
    assertFalse(env(c).containsKey("KBS_CONFIG"), "no credentials, no override");
  }

  @Test
  void elasticsearchCredentialsArriveThroughAJsonOverrideReferringToSecretEnv() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().vectorStore.elasticsearch.credentials = TestClusters.credentials("es-creds");
    Map<String, EnvVar> env = env(c);
    assertEquals(
        "{\"es\":{\"user\":\"$(CHATCHAT_OPERATOR_VS_USER)\",\"password\":\"$(CHATCHAT_OPERATOR_VS_PASSWORD)\"}}",
        env.get("KBS_CONFIG").getValue());
    assertEquals(
        "es-creds",
        env.get("CHATCHAT_OPERATOR_VS_USER").getValueFrom().getSecretKeyRef().getName());
    assertEquals(
        "username", env.get("CHATCHAT_OPERATOR_VS_USER").getValueFrom().getSecretKeyRef().getKey());
    assertEquals(
        "password",
        env.get("CHATCHAT_OPERATOR_VS_PASSWORD").getValueFrom().getSecretKeyRef().getKey());
    // $(VAR) expands only variables defined earlier in the list.
    List<String> names = ChatchatSettings.secretEnv(c).stream().map(EnvVar::getName).toList();
    assertTrue(names.indexOf("CHATCHAT_OPERATOR_VS_PASSWORD") < names.indexOf("KBS_CONFIG"));
    assertTrue(
        ChatchatSettings.files(c)
            .get(ChatchatSettings.KB)
            .contains("# Credentials of the vector store come from Secrets"));
  }

  @Test
  void milvusSettingsIncludeTheIndexParametersItRequires() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().vectorStore.type = VectorStoreSpec.Type.Milvus;
    c.getSpec().vectorStore.elasticsearch = null;
    c.getSpec().vectorStore.milvus = new VectorStoreSpec.Milvus();
    c.getSpec().vectorStore.milvus.host = "milvus.vectors.svc";
    c.getSpec().vectorStore.milvus.credentials = TestClusters.credentials("milvus");
    String kb = ChatchatSettings.files(c).get(ChatchatSettings.KB);
    assertTrue(
        kb.endsWith(
            "kbs_config:\n"
                + "  milvus:\n"
                + "    host: \"milvus.vectors.svc\"\n"
                + "    port: \"19530\"\n"
                + "    user: \"\"\n"
                + "    password: \"\"\n"
                + "    secure: false\n"
                + "  milvus_kwargs:\n"
                + "    search_params:\n"
                + "      metric_type: \"L2\"\n"
                + "      params:\n"
                + "        ef: 64\n"
                + "    index_params:\n"
                + "      metric_type: \"L2\"\n"
                + "      index_type: \"HNSW\"\n"
                + "      params:\n"
                + "        M: 16\n"
                + "        efConstruction: 128\n"),
        kb);
    assertTrue(kb.contains("DEFAULT_VS_TYPE: \"milvus\"\n"));
    assertEquals(
        "{\"milvus\":{\"user\":\"$(CHATCHAT_OPERATOR_VS_USER)\",\"password\":\"$(CHATCHAT_OPERATOR_VS_PASSWORD)\"}}",
        env(c).get("KBS_CONFIG").getValue());
  }

  @Test
  void pgvectorConnectionUriComesFromItsSecret() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().vectorStore.type = VectorStoreSpec.Type.PGVector;
    c.getSpec().vectorStore.elasticsearch = null;
    c.getSpec().vectorStore.pgvector = new VectorStoreSpec.PgVector();
    c.getSpec().vectorStore.pgvector.connectionUriSecretRef = new SecretKeyRef("pg", "dsn");
    String kb = ChatchatSettings.files(c).get(ChatchatSettings.KB);
    assertTrue(kb.contains("DEFAULT_VS_TYPE: \"pg\"\n"));
    assertTrue(kb.endsWith("kbs_config:\n  pg:\n    connection_uri: \"\"\n"), kb);
    assertEquals(
        "{\"pg\":{\"connection_uri\":\"$(CHATCHAT_OPERATOR_PG_URI)\"}}",
        env(c).get("KBS_CONFIG").getValue());
    assertEquals(
        "dsn", env(c).get("CHATCHAT_OPERATOR_PG_URI").getValueFrom().getSecretKeyRef().getKey());
  }

  @Test
  void faissNeedsNoConnection() {
    String kb = ChatchatSettings.files(TestClusters.singlePod()).get(ChatchatSettings.KB);
    assertTrue(kb.contains("DEFAULT_VS_TYPE: \"faiss\"\n"));
    assertTrue(kb.endsWith("kbs_config:\n  faiss: {}\n"), kb);
  }

  @Test
  void modelPlatformsAreStaticListsWithAutoDetectionOff() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().llm.defaultModel = "qwen2.5-72b";
    c.getSpec().llm.maxConcurrency = 8;
    assertEquals(
        HEADER
            + "DEFAULT_LLM_MODEL: \"qwen2.5-72b\"\n"
            + "DEFAULT_EMBEDDING_MODEL: \"bge-m3\"\n"
            + "TEMPERATURE: 0.7\n"
            + "MODEL_PLATFORMS:\n"
            + "- platform_name: \"llm\"\n"
            + "  platform_type: \"oneapi\"\n"
            + "  api_base_url: \"http://vllm.models.svc:8000/v1\"\n"
            + "  api_key: \"EMPTY\"\n"
            + "  api_concurrencies: 8\n"
            + "  auto_detect_model: false\n"
            + "  llm_models:\n"
            + "  - \"qwen2.5-7b\"\n"
            + "  - \"qwen2.5-72b\"\n"
            + "  embed_models: []\n"
            + "  text2image_models: []\n"
            + "  image2text_models: []\n"
            + "  rerank_models: []\n"
            + "  speech2text_models: []\n"
            + "  text2speech_models: []\n"
            + "- platform_name: \"embedding\"\n"
            + "  platform_type: \"oneapi\"\n"
            + "  api_base_url: \"http://tei.models.svc/v1\"\n"
            + "  api_key: \"EMPTY\"\n"
            + "  api_concurrencies: 8\n"
            + "  auto_detect_model: false\n"
            + "  llm_models: []\n"
            + "  embed_models:\n"
            + "  - \"bge-m3\"\n"
            + "  text2image_models: []\n"
            + "  image2text_models: []\n"
            + "  rerank_models: []\n"
            + "  speech2text_models: []\n"
            + "  text2speech_models: []\n",
        ChatchatSettings.files(c).get(ChatchatSettings.MODEL));
    assertFalse(env(c).containsKey("MODEL_PLATFORMS"));
  }

  @Test
  void defaultLlmIsTheFirstServedModel() {
    assertTrue(
        ChatchatSettings.files(TestClusters.external())
            .get(ChatchatSettings.MODEL)
            .contains("DEFAULT_LLM_MODEL: \"qwen2.5-7b\"\n"));
  }

  @Test
  void apiKeysReplaceTheWholePlatformListFromTheEnvironment() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().embedding.external.apiKeySecretRef = new SecretKeyRef("keys", "embed");
    Map<String, EnvVar> env = env(c);
    String platforms = env.get("MODEL_PLATFORMS").getValue();
    assertTrue(platforms.startsWith("[{\"platform_name\":\"llm\""), platforms);
    assertTrue(platforms.contains("\"api_key\":\"EMPTY\""), "the LLM has no key");
    assertTrue(
        platforms.contains("\"api_key\":\"$(CHATCHAT_OPERATOR_EMBEDDING_API_KEY)\""), platforms);
    assertTrue(platforms.contains("\"auto_detect_model\":false"));
    assertEquals(
        "embed",
        env.get("CHATCHAT_OPERATOR_EMBEDDING_API_KEY").getValueFrom().getSecretKeyRef().getKey());
    assertFalse(
        ChatchatSettings.files(c).get(ChatchatSettings.MODEL).contains("CHATCHAT_OPERATOR"),
        "keys stay out of the ConfigMap");
  }

  @Test
  void referencedSecretKeysListEverySecretThePodsRead() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
    c.getSpec().vectorStore.elasticsearch.credentials = TestClusters.credentials("es");
    List<String> refs =
        ChatchatSettings.referencedSecretKeys(c).stream().map(r -> r.name + "/" + r.key).toList();
    assertEquals(List.of("db/uri", "es/username", "es/password", "keys/llm"), refs);
    List<String> inJson =
        ChatchatSettings.secretKeysInsideJson(c).stream().map(r -> r.name + "/" + r.key).toList();
    assertEquals(List.of("es/username", "es/password", "keys/llm"), inJson);
  }
}
