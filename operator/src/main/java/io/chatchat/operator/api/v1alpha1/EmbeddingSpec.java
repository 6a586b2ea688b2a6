package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** The embedding model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EmbeddingSpec {

  @JsonPropertyDescription(
      "An external OpenAI-compatible /embeddings endpoint (text-embeddings-inference, vLLM,"
          + " Xinference…). Chatchat sends it plain strings, one per request.")
  @Required
  public External external;

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
