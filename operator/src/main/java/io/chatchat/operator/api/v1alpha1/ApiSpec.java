package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;

/** The Chatchat API tier. */
public class ApiSpec extends PodTierSpec {

  @JsonPropertyDescription(
      "Number of API pods. Also reachable through the scale subresource (`kubectl scale`).")
  @Default("1")
  @Min(1)
  @Max(1000)
  @SpecReplicas
  public int replicas = 1;

  @JsonPropertyDescription(
      "HorizontalPodAutoscaler for the API tier. It targets this ChatchatCluster's scale"
          + " subresource: it sets api.replicas, which `kubectl scale` also sets.")
  @Default("{}")
  public ApiAutoscaling autoscaling = new ApiAutoscaling();

  @JsonPropertyDescription(
      "Spread API pods over nodes and zones (topologySpreadConstraints, ScheduleAnyway).")
  @Default("true")
  public boolean spreadAcrossNodes = true;

  @JsonPropertyDescription(
      "Seconds a terminating API pod keeps serving in-flight answers after it left the Service"
          + " endpoints. Chatchat kills its server process at once on SIGTERM, so this preStop"
          + " drain is what lets long streamed answers finish.")
  @Default("60")
  @Min(0)
  @Max(3600)
  public int drainSeconds = 60;
}
