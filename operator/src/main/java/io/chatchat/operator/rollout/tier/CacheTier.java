package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import java.util.List;

/**
 * The answer cache's proxy (at the new epoch) and store roll to the new template and are Ready;
 * done at once when the cache is off.
 */
final class CacheTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    boolean done = progress.cacheSettled();
    return new TierOutcome(
        done,
        null,
        "answer cache not rolled and Ready yet",
        done ? null : "Answer cache: rolling to the new spec",
        false,
        List.of());
  }
}
