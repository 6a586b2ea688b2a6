package io.chatchat.operator.rollout;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * What one pass of the API canary decided.
 *
 * @param apply the API Deployments to apply (canary and stable)
 * @param deleteCanary the canary Deployment goes now (the stable pods serve)
 * @param done the API tier runs the new version at full strength
 * @param advanced a canary step passed in this pass
 * @param failure why the step failed (the rollout rolls back), or null
 * @param step the step now, or null outside a canary
 * @param steps number of steps, or null outside a canary
 * @param message what the tier does (null: unchanged)
 * @param gate pods whose smoke gates should start now
 * @param forget pod UIDs whose failed smoke-gate runs were used up
 */
public record CanaryStep(
    List<HasMetadata> apply,
    boolean deleteCanary,
    boolean done,
    boolean advanced,
    String failure,
    Integer step,
    Integer steps,
    String message,
    List<Pod> gate,
    List<String> forget) {

  /** Step {@code step} of {@code steps} goes on: nothing passed, nothing failed. */
  static CanaryStep waiting(List<HasMetadata> apply, int step, int steps, String message) {
    return gating(apply, step, steps, message, List.of());
  }

  /** Step {@code step} waits for smoke gates, starting them on {@code start}. */
  static CanaryStep gating(
      List<HasMetadata> apply, int step, int steps, String message, List<Pod> start) {
    return new CanaryStep(apply, false, false, false, null, step, steps, message, start, List.of());
  }

  /** Step {@code step} passed: the next one is {@code step + 1}. */
  static CanaryStep passed(List<HasMetadata> apply, int step, int steps, String message) {
    return new CanaryStep(
        apply, false, false, true, null, step + 1, steps, message, List.of(), List.of());
  }

  /** Step {@code step} failed on the pod of {@code uid}, whose run is used up. */
  static CanaryStep failed(
      List<HasMetadata> apply, int step, int steps, String failure, String uid) {
    return new CanaryStep(
        apply, false, false, false, failure, step, steps, null, List.of(), List.of(uid));
  }
}
