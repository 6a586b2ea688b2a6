package io.chatchat.operator.reconciler;

import io.chatchat.operator.model.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/**
 * Which part of the ChatchatCluster an object the operator renders comes from, so that an API
 * server refusal, which names the child's own fields, also points at the field the user edits.
 */
final class SpecFields {
  private static final Map<String, String> BY_COMPONENT =
      Map.of(
          Labels.COMPONENT_API, "spec.api",
          Labels.COMPONENT_WEBUI, "spec.webui",
          Labels.COMPONENT_KB_WRITER, "spec.api and spec.knowledgeBase",
          Labels.COMPONENT_KNOWLEDGE_BASE, "spec.knowledgeBase.storage",
          Labels.COMPONENT_DATABASE, "spec.metadataStore.managed",
          Labels.COMPONENT_VECTOR_STORE, "spec.vectorStore.managed",
          Labels.COMPONENT_LLM, "spec.llm.vllm",
          Labels.COMPONENT_EMBEDDING, "spec.embedding.tei");

  private SpecFields() {}

  /** " (rendered from spec.x)", or "" when the object's component has no single section. */
  static String renderedFrom(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String field = labels == null ? null : BY_COMPONENT.get(labels.get(Labels.COMPONENT));
    return field == null ? "" : " (rendered from " + field + ")";
  }
}
