package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * A HorizontalPodAutoscaler for the API tier. It scales the ChatchatCluster itself through its
 * scale subresource, so the HPA, `kubectl scale` and the operator all act on one field
 * (spec.api.replicas) and never fight over the Deployment.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.minReplicas <= self.maxReplicas",
    message = "api.autoscaling.minReplicas must not exceed api.autoscaling.maxReplicas")
public class ApiAutoscaling {
  @JsonPropertyDescription("Create the HorizontalPodAutoscaler.")
  @Default("false")
  public boolean enabled = false;

  @JsonPropertyDescription("Fewest API pods.")
  @Default("2")
  @Min(1)
  @Max(1000)
  public int minReplicas = 2;

  @JsonPropertyDescription("Most API pods.")
  @Default("10")
  @Min(1)
  @Max(1000)
  public int maxReplicas = 10;

  @JsonPropertyDescription(
      "Target average CPU utilisation in percent of the request. 0 leaves CPU out (then"
          + " metrics must name at least one metric).")
  @Default("70")
  @Min(0)
  @Max(1000)
  public int targetCPUUtilizationPercentage = 70;

  @JsonPropertyDescription(
      "Further metrics (autoscaling/v2 MetricSpec: Pods, Object or External, e.g. requests in"
          + " flight from an ingress controller), added to the CPU target.")
  public List<MetricSpec> metrics = new ArrayList<>();

  @JsonPropertyDescription(
      "Seconds of lower recommendations before the HPA removes pods. Long, because a removed pod"
          + " ends its minutes-long streamed answers.")
  @Default("600")
  @Min(0)
  @Max(3600)
  public int scaleDownStabilizationSeconds = 600;
}
