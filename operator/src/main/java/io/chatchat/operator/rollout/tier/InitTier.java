package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.Gate;

/** The new version's tables are created and verified (the init Job). */
final class InitTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    Gate g = progress.init();
    return TierOutcome.of(
        g.passed(), g.failed() ? "initialisation: " + g.message() : null, g.message());
  }
}
