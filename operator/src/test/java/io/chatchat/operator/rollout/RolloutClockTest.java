package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RolloutClockTest {
  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

  private static RolloutStatus at(Phase phase, Tier tier, Integer step, Instant started) {
    RolloutStatus r = new RolloutStatus();
    r.phase = phase;
    r.revision = "r2";
    r.tier = tier;
    r.step = step;
    r.steps = 3;
    r.stepStartedAt = started == null ? null : started.toString();
    return r;
  }

  @Test
  void aPassThatMovedTheRolloutIsFollowedAtOnce() {
    RolloutStatus before = at(Phase.Progressing, Tier.API, 1, NOW.minusSeconds(5));
    RolloutStatus after = at(Phase.Progressing, Tier.API, 2, NOW);
    assertEquals(RolloutClock.MOVED, RolloutClock.nextLook(before, after, 600, NOW));
    RolloutStatus rolledBack = at(Phase.RolledBack, Tier.API, 1, NOW.minusSeconds(5));
    assertEquals(RolloutClock.MOVED, RolloutClock.nextLook(before, rolledBack, 600, NOW));
  }

  @Test
  void aWaitingStepIsLookedAtWhenItsDeadlinePassesOrAtTheSafetyNet() {
    RolloutStatus step = at(Phase.Progressing, Tier.API, 1, NOW.minusSeconds(7));
    assertEquals(
        Duration.ofMillis(3050), RolloutClock.nextLook(step, step.copy(), 10, NOW), "deadline");
    assertEquals(
        RolloutClock.SAFETY_NET, RolloutClock.nextLook(step, step.copy(), 600, NOW), "far off");
    assertEquals(
        RolloutClock.MOVED,
        RolloutClock.nextLook(step, step.copy(), 5, NOW),
        "already past: look again now");
  }

  @Test
  void theModelTierPollsForFreeGpusAndAPausedRolloutHasNoDeadline() {
    RolloutStatus models = at(Phase.WaitingForGPU, Tier.Models, null, NOW.minusSeconds(1));
    assertEquals(RolloutClock.GPU_POLL, RolloutClock.nextLook(models, models.copy(), 600, NOW));
    RolloutStatus paused = at(Phase.Paused, Tier.API, 1, NOW.minusSeconds(900));
    assertEquals(RolloutClock.SAFETY_NET, RolloutClock.nextLook(paused, paused.copy(), 600, NOW));
  }

  @Test
  void aFinishedRolloutThatDidNotMoveNeedsNoLook() {
    RolloutStatus done = at(Phase.Completed, Tier.Done, null, NOW.minusSeconds(1));
    assertNull(RolloutClock.nextLook(done, done.copy(), 600, NOW));
  }
}
