package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import java.util.List;

/** The model servers roll to the new template (by the GPU surge policy) and are Ready. */
final class ModelsTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    boolean done = progress.modelsSettled();
    return new TierOutcome(
        done,
        null,
        "model servers not rolled and Ready yet",
        done ? null : "Model servers: rolling to the new spec",
        false,
        List.of());
  }
}
