package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The Chatchat WebUI tier. */
public class WebUiSpec extends PodTierSpec {

  @JsonPropertyDescription("Whether to run the WebUI.")
  @Default("true")
  public boolean enabled = true;

  @JsonPropertyDescription("Number of WebUI pods.")
  @Default("1")
  @Min(1)
  @Max(100)
  public int replicas = 1;

  @JsonPropertyDescription(
      "Seconds a terminating WebUI pod keeps its sessions after it left the Service endpoints.")
  @Default("15")
  @Min(0)
  @Max(3600)
  public int drainSeconds = 15;
}
