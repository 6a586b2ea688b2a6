package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The embedding model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.external) != has(self.tei)",
    message =
        "set exactly one of embedding.tei (the operator runs text-embeddings-inference) and"
            + " embedding.external (an endpoint you run)")
public class EmbeddingSpec {

  @JsonPropertyDescription(
      "An external OpenAI-compatible /embeddings endpoint (text-embeddings-inference, vLLM,"
          + " Xinference…). Chatchat sends it plain strings, one per request.")
  public External external;

  @JsonPropertyDescription(
      "Run text-embeddings-inference in this cluster (Deployment and Service"
          + " <cluster>-embedding), on a GPU, or on CPU with gpus: 0.")
  public TeiSpec tei;

  /** Name of the embedding model (DEFAULT_EMBEDDING_MODEL). */
  public String model() {
    return tei != null ? tei.effectiveServedModelName() : external.model;
  }

  /** An external embedding endpoint and the model it serves. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class External extends ExternalModelEndpoint {
    @JsonPropertyDescription(
        "Name of the embedding model (DEFAULT_EMBEDDING_MODEL). Each knowledge base records the"
            + " model it was built with, so changing it needs a rebuild of existing bases.")
    @Required
    @Pattern("^\\S+$")
    public String model;
  }
}
