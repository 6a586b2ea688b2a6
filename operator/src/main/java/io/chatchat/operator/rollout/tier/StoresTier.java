package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import java.util.List;

/**
 * The managed stores roll to the new template and are Ready. A store with a single pod is not
 * hidden: its disruption window is told once, as an Event and in the rollout's message.
 */
final class StoresTier implements TierHandler {
  @Override
  public TierOutcome check(TierProgress progress, RolloutStatus rollout) {
    String window = progress.storeWindow();
    List<Notice> notices =
        window != null && !window.equals(rollout.message)
            ? List.of(Notice.of(EventReason.DisruptionWindow, window))
            : List.of();
    return new TierOutcome(
        progress.storesSettled(), null, "stores not rolled and Ready yet", window, false, notices);
  }
}
