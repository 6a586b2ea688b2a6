package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Hugging Face text-embeddings-inference for the embedding model. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TeiSpec extends ModelServerSpec {
  @JsonPropertyDescription(
      "Maximum concurrent requests (--max-concurrent-requests). Unset: the server default.")
  @Min(1)
  @Max(100000)
  public Integer maxConcurrentRequests;
}
