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
    value = "has(self.external) != has(self.vllm)",
    message =
        "set exactly one of llm.vllm (the operator runs vLLM) and llm.external (an"
            + " OpenAI-compatible endpoint you run)")
@ValidationRule(
    value =
        "!has(self.defaultModel) || (has(self.external) && self.defaultModel in"
            + " self.external.models) || (has(self.vllm) && self.defaultModel =="
            + " (has(self.vllm.servedModelName) ? self.vllm.servedModelName : self.vllm.model))",
    message =
        "llm.defaultModel must be one of llm.external.models, or the name vLLM serves"
            + " (llm.vllm.servedModelName, else llm.vllm.model)")
public class LlmSpec {

  @JsonPropertyDescription("An external OpenAI-compatible chat-completions endpoint.")
  public External external;

  @JsonPropertyDescription(
      "Run vLLM's OpenAI-compatible server in this cluster, on GPU nodes (Deployment and Service"
          + " <cluster>-llm).")
  public VllmSpec vllm;

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

  /** The model names Chatchat may use. */
  public List<String> models() {
    return vllm != null ? List.of(vllm.effectiveServedModelName()) : external.models;
  }

  /** The model Chatchat uses by default. */
  public String effectiveDefaultModel() {
    return defaultModel != null ? defaultModel : models().get(0);
  }
}
