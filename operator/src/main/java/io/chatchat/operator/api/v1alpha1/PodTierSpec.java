package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Settings every Chatchat pod tier shares: resources, placement, extra env. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class PodTierSpec {

  @JsonPropertyDescription(
      "CPU and memory requests and limits of the Chatchat container. When unset, the operator uses"
          + " the tier's defaults (see the README).")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Node labels the pods must match.")
  public Map<String, String> nodeSelector = new LinkedHashMap<>();

  @JsonPropertyDescription("Tolerations of the pods.")
  public List<Toleration> tolerations = new ArrayList<>();

  @JsonPropertyDescription(
      "Extra annotations on the pods (for example for a service mesh or log collector).")
  public Map<String, String> podAnnotations = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Extra environment variables of the Chatchat container. Chatchat applies any variable named"
          + " like a settings field (case-insensitive) over the rendered settings files, so do not"
          + " set such names by accident.")
  public List<EnvVar> env = new ArrayList<>();
}
