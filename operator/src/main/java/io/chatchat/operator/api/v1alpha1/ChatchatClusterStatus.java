package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Observed state of a ChatchatCluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ChatchatClusterStatus {

  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription(
      "Lifecycle phase: Pending, Progressing, Ready, Degraded or Invalid (the spec cannot be"
          + " applied; see the ConfigValid condition).")
  public Phase phase;

  @JsonPropertyDescription("Chatchat version (image tag) the API tier runs when Ready.")
  public String version;

  @JsonPropertyDescription("Ready API pods over desired, e.g. 2/3.")
  public String apiReady;

  @JsonPropertyDescription("API pods that exist (scale subresource).")
  @StatusReplicas
  public Integer apiReplicas;

  @JsonPropertyDescription("Label selector of the API pods (scale subresource).")
  @LabelSelector
  public String apiSelector;

  @JsonPropertyDescription("In-cluster URL of the Chatchat API.")
  public String url;

  @JsonPropertyDescription("In-cluster URL of the WebUI, when enabled.")
  public String webuiUrl;

  @JsonPropertyDescription("Replica counts per component (api, webui).")
  public Map<String, ComponentStatus> components = new LinkedHashMap<>();

  @JsonPropertyDescription("The answer cache, when spec.cache is enabled.")
  public CacheStatus cache;

  @JsonPropertyDescription("The rollout of the latest spec revision, or the last one.")
  public RolloutStatus rollout;

  @JsonPropertyDescription(
      "The last spec (JSON) the whole cluster ran Ready: what a failed rollout returns to.")
  public String lastStableSpec;

  @JsonPropertyDescription("Revision (hash) of lastStableSpec.")
  public String stableRevision;

  @JsonPropertyDescription(
      "Hash of the image and drivers whose driver preflight passed: not checked again, even when"
          + " the Job that checked them (maybe another cluster's) is gone.")
  public String driversChecked;

  @JsonPropertyDescription(
      "Ready, Progressing, Degraded, ConfigValid and one condition per component (ApiReady,"
          + " WebUIReady).")
  public List<Condition> conditions = new ArrayList<>();

  public enum Phase {
    Pending,
    Progressing,
    Ready,
    Degraded,
    Invalid
  }

  /** Replica counts of one component. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ComponentStatus {
    @JsonPropertyDescription("Replicas the spec asks for.")
    public Integer desiredReplicas;

    @JsonPropertyDescription("Pods that exist.")
    public Integer replicas;

    @JsonPropertyDescription("Pods that are Ready.")
    public Integer readyReplicas;

    @JsonPropertyDescription("Pods that run the current pod template.")
    public Integer updatedReplicas;
  }

  /** Where the answer cache stands. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class CacheStatus {
    @JsonPropertyDescription(
        "The cache epoch: a digest of the LLM (image, model, engine arguments, or the external"
            + " endpoint) and spec.cache.flush, part of every key. A new epoch serves nothing"
            + " stored before.")
    public String epoch;

    @JsonPropertyDescription(
        "Stored: answers are stored and served. PassThrough: the LLM is rolling, every request"
            + " goes to it and nothing is stored.")
    public String mode;

    @JsonPropertyDescription(
        "Counts the returns from PassThrough to Stored: part of every key, so nothing stored"
            + " while the LLM changed is served after.")
    public Integer round;
  }
}
