package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Where a rollout stands. It lives in status so that an operator restart resumes it (or rolls it
 * back) from the same point.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutStatus {
  @JsonPropertyDescription(
      "Progressing, Paused, WaitingForGPU, Completed or RolledBack (the target revision failed"
          + " and the cluster runs the last stable spec again).")
  public Phase phase;

  @JsonPropertyDescription("Revision of the spec being rolled out (a hash).")
  public String revision;

  @JsonPropertyDescription(
      "The tier being rolled: Preflight, Stores, Models, Cache, Init, API, WebUI (then Done).")
  public Tier tier;

  @JsonPropertyDescription(
      "Canary step of the API tier, 1-based; one past the last step while the new pods are"
          + " promoted.")
  public Integer step;

  @JsonPropertyDescription("Number of canary steps of the API tier.")
  public Integer steps;

  @JsonPropertyDescription("Tier and step in a few characters, for kubectl get (e.g. API 2/3).")
  public String position;

  @JsonPropertyDescription("When the current tier or step started (RFC 3339): its deadline runs.")
  public String stepStartedAt;

  @JsonPropertyDescription("What the rollout does or why it stopped.")
  public String message;

  @JsonPropertyDescription("The revision that failed and was rolled back.")
  public String failedRevision;

  @JsonPropertyDescription(
      "The last value of the chatchat.io/retry-rollout annotation the operator acted on.")
  public String retryToken;

  public enum Phase {
    Progressing,
    Paused,
    WaitingForGPU,
    Completed,
    RolledBack
  }

  public enum Tier {
    Preflight,
    Stores,
    Models,
    Cache,
    Init,
    API,
    WebUI,
    Done
  }

  public RolloutStatus copy() {
    RolloutStatus r = new RolloutStatus();
    r.phase = phase;
    r.revision = revision;
    r.tier = tier;
    r.step = step;
    r.steps = steps;
    r.position = position;
    r.stepStartedAt = stepStartedAt;
    r.message = message;
    r.failedRevision = failedRevision;
    r.retryToken = retryToken;
    return r;
  }
}
