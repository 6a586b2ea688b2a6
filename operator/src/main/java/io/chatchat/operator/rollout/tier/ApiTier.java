package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import java.util.List;

/** The API canary: each passed step is told and restarts the deadline; done once promoted. */
final class ApiTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    TierProgress.ApiProgress api = progress.api();
    List<Notice> notices =
        api.advanced()
            ? List.of(Notice.of(EventReason.CanaryStepPassed, rollout.message))
            : List.of();
    return new TierOutcome(
        api.done(), api.failure(), rollout.message, null, api.advanced(), notices);
  }
}
