package io.chatchat.operator.rollout;

import io.chatchat.operator.observe.ClusterCapacity;
import java.util.Map;
import java.util.Set;

/**
 * What only a rollout step needs observed, read in the passes that need it.
 *
 * @param capacity nodes and pods for the GPU surge policy (null: not needed this pass)
 * @param readyEndpoints pods listed as ready endpoints of the API Service (empty outside the API
 *     tier)
 * @param smoke the smoke-gate runs by pod UID (empty outside the API tier)
 */
public record RolloutInputs(
    ClusterCapacity capacity, Set<String> readyEndpoints, Map<String, SmokeRun> smoke) {
  public static final RolloutInputs NONE = new RolloutInputs(null, Set.of(), Map.of());
}
