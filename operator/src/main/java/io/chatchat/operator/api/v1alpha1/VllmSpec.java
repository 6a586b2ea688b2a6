package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** vLLM's OpenAI-compatible server for the chat model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VllmSpec extends ModelServerSpec {
  @JsonPropertyDescription("Maximum context length (--max-model-len). Unset: the model's own.")
  @Min(128)
  @Max(10000000)
  public Integer maxModelLen;

  @JsonPropertyDescription("Fraction of GPU memory vLLM may use (--gpu-memory-utilization).")
  @Default("0.9")
  @Min(0.1)
  @Max(1)
  public double gpuMemoryUtilization = 0.9;
}
