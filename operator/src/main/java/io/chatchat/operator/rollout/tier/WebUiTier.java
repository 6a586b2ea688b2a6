package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;

/** The WebUI and the knowledge-base writer roll to the new template and are Ready. */
final class WebUiTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    return TierOutcome.of(
        progress.restSettled(), null, "WebUI or knowledge-base writer not rolled and Ready yet");
  }
}
