package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.status.Notice;
import java.util.List;

/**
 * A tier's verdict in one pass.
 *
 * @param done the tier finished: the rollout moves to the next one
 * @param failure why the tier failed (the rollout rolls back), or null
 * @param detail what it still waits for, told when its deadline passes
 * @param message the rollout's new message (null: unchanged)
 * @param restartClock a step finished within the tier: its deadline starts again
 */
public record TierOutcome(
    boolean done,
    String failure,
    String detail,
    String message,
    boolean restartClock,
    List<Notice> notices) {

  static TierOutcome of(boolean done, String failure, String detail) {
    return new TierOutcome(done, failure, detail, null, false, List.of());
  }
}
