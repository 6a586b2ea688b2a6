package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** An OpenAI-compatible HTTP endpoint (vLLM, TEI, Xinference, one-api, a hosted API…). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExternalModelEndpoint {
  @JsonPropertyDescription(
      "Base URL including the API version path, e.g. http://vllm.models.svc:8000/v1.")
  @Required
  @Pattern("^https?://[^\\s/]+(/[^\\s]*)?$")
  public String baseUrl;

  @JsonPropertyDescription(
      "Secret key holding the API key sent as a bearer token. Unset: the key EMPTY is sent.")
  public SecretKeyRef apiKeySecretRef;
}
