package io.chatchat.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Condition types and a helper that keeps lastTransitionTime stable across reconciliations. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String CONFIG_VALID = "ConfigValid";
  public static final String API_READY = "ApiReady";
  public static final String WEBUI_READY = "WebUIReady";
  public static final String KB_WRITER_READY = "KnowledgeBaseWriterReady";
  public static final String DATABASE_READY = "DatabaseReady";
  public static final String VECTOR_STORE_READY = "VectorStoreReady";
  public static final String LLM_READY = "LLMReady";
  public static final String EMBEDDING_READY = "EmbeddingReady";
  public static final String CACHE_READY = "CacheReady";
  public static final String CACHE_STORE_READY = "CacheStoreReady";
  public static final String DRIVERS_AVAILABLE = "DriversAvailable";
  public static final String INITIALIZED = "Initialized";
  public static final String KNOWLEDGE_BASE_BUILT = "KnowledgeBaseBuilt";
  public static final String SCHEDULED = "PodsScheduled";
  public static final String ROLLED_BACK = "RolledBack";
  public static final String MONITORING_READY = "MonitoringReady";
  public static final String KEDA_AVAILABLE = "KedaAvailable";

  /** Conditions of optional workloads, removed when the workload is not part of the spec. */
  public static final java.util.Set<String> WORKLOAD_CONDITIONS =
      java.util.Set.of(
          KB_WRITER_READY,
          DATABASE_READY,
          VECTOR_STORE_READY,
          LLM_READY,
          EMBEDDING_READY,
          CACHE_READY,
          CACHE_STORE_READY);

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private Conditions() {}

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    for (Condition c : conditions) {
      if (Objects.equals(c.getType(), type)) {
        return c;
      }
    }
    return null;
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    Condition c = find(conditions, type);
    return c != null && TRUE.equals(c.getStatus());
  }

  static List<Condition> copy(List<Condition> conditions) {
    return conditions == null ? new ArrayList<>() : new ArrayList<>(conditions);
  }
}
