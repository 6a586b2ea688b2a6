package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.Gate;

/** The new image imports the drivers the spec needs (the preflight Job), before any pod runs it. */
final class PreflightTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    Gate g = progress.preflight();
    return TierOutcome.of(
        g.passed(), g.failed() ? "driver preflight: " + g.message() : null, g.message());
  }
}
