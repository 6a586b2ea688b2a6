package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** The chat model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.defaultModel) || self.defaultModel in self.external.models",
    message = "llm.defaultModel must be one of llm.external.models")
public class LlmSpec {

  @JsonPropertyDescription("An external OpenAI-compatible chat-completions endpoint.")
  @Required
  public External external;

  @JsonPropertyDescription(
      "Model used when a request names none (DEFAULT_LLM_MODEL). Defaults to the first of"
          + " external.models.")
  public String defaultModel;

  @JsonPropertyDescription("Sampling temperature of ordinary chats (TEMPERATURE).")
  @Default("0.7")
  @Min(0)
  @Max(2)
  public double temperature = 0.7;

  @JsonPropertyDescription(
      "Concurrent requests one Chatchat process sends to this endpoint per model on the /v1"
          + " passthrough (api_concurrencies).")
  @Default("5")
  @Min(1)
  @Max(1000)
  public int maxConcurrency = 5;

  /** An external chat endpoint and the models it serves. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class External extends ExternalModelEndpoint {
    @JsonPropertyDescription(
        "Model names the endpoint serves, exactly as it expects them in requests (vLLM:"
            + " --served-model-name). Chatchat does not auto-detect them.")
    @Required
    @Size(min = 1, max = 64)
    public List<String> models = new ArrayList<>();
  }

  /** The model Chatchat uses by default. */
  public String effectiveDefaultModel() {
    return defaultModel != null ? defaultModel : external.models.get(0);
  }
}
