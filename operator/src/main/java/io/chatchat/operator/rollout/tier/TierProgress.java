package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.status.Gate;

/**
 * What this pass observed of every tier, for the state machine.
 *
 * @param storesSettled every store runs the target template, all pods Ready
 * @param storeWindow a single-pod store being replaced (its disruption window), or null
 * @param modelsSettled every model server runs the target template, all pods Ready
 * @param cacheSettled the answer cache's proxy and store run the target template, all pods Ready
 * @param api what the API canary decided
 * @param restSettled the WebUI and the knowledge-base writer run the target template, all Ready
 * @param gpuWait why the model tier waits for free GPUs, or null
 */
public record TierProgress(
    Gate preflight,
    Gate init,
    boolean storesSettled,
    String storeWindow,
    boolean modelsSettled,
    boolean cacheSettled,
    ApiProgress api,
    boolean restSettled,
    String gpuWait) {

  /** The API canary's verdict of this pass: tier done, a step passed, or a failure. */
  public record ApiProgress(boolean done, boolean advanced, String failure) {
    public static final ApiProgress NONE = new ApiProgress(false, false, null);
  }
}
