package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Image, resources and placement of a workload the operator runs for the cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class ManagedPodSpec {
  @JsonPropertyDescription(
      "Container image. Unset: the operator's pinned default (see the README).")
  public String image;

  @JsonPropertyDescription("CPU, memory (and GPU) requests and limits. Unset: the defaults.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Node labels the pods must match.")
  public Map<String, String> nodeSelector = new LinkedHashMap<>();

  @JsonPropertyDescription("Tolerations of the pods.")
  public List<Toleration> tolerations = new ArrayList<>();

  @JsonPropertyDescription("Affinity of the pods (node affinity, pod anti-affinity).")
  public Affinity affinity;

  /** The image to run: the user's, or the given default. */
  public String imageOr(String defaultImage) {
    return image != null && !image.isBlank() ? image : defaultImage;
  }
}
