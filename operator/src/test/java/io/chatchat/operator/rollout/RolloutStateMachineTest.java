package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.rollout.RolloutStateMachine.Transition;
import io.chatchat.operator.rollout.tier.TierProgress;
import io.chatchat.operator.rollout.tier.TierProgress.ApiProgress;
import io.chatchat.operator.status.Gate;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.status.RolloutMode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per transition of the rollout state machine. */
class RolloutStateMachineTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final Gate RUNNING = new Gate(GateState.RUNNING, "Job x running");

  private final ChatchatCluster target = TestClusters.external();

  private static RolloutStatus at(Tier tier, Phase phase, long startedSecondsAgo) {
    RolloutStatus r = new RolloutStatus();
    r.phase = phase;
    r.revision = "new";
    r.tier = tier;
    r.stepStartedAt = NOW.minusSeconds(startedSecondsAgo).toString();
    r.message = "going";
    return r;
  }

  private Plan plan(RolloutStatus r) {
    return new Plan(
        RolloutMode.ROLLING, target, TestClusters.external(), r, "new", "{}", "old", List.of());
  }

  /** Nothing done anywhere: gates running, workloads rolling. */
  private static TierProgress waiting() {
    return new TierProgress(
        RUNNING, RUNNING, false, null, false, false, ApiProgress.NONE, false, null);
  }

  private static TierProgress with(Gate preflight, Gate init) {
    return new TierProgress(
        preflight, init, false, null, false, false, ApiProgress.NONE, false, null);
  }

  private static TierProgress settled() {
    return new TierProgress(
        Gate.NOT_NEEDED, Gate.NOT_NEEDED, true, null, true, true, ApiProgress.NONE, true, null);
  }

  /** Stores and models settled; the API tier as given. */
  private static TierProgress api(ApiProgress api) {
    return new TierProgress(
        Gate.NOT_NEEDED, Gate.NOT_NEEDED, true, null, true, true, api, false, null);
  }

  private Transition advance(RolloutStatus r, TierProgress p) {
    return RolloutStateMachine.advance(plan(r), p, null, NOW);
  }

  private static List<String> reasons(Transition t) {
    return t.notices().stream().map(Notice::reason).toList();
  }

  @Test
  void pausingHoldsTheTierAndTellsOnce() {
    target.getSpec().rollout.paused = true;
    Transition t = advance(at(Tier.Stores, Phase.Progressing, 5), settled());
    assertEquals(Phase.Paused, t.next().phase);
    assertEquals(Tier.Stores, t.next().tier, "a paused rollout does not move on");
    assertEquals("Stores", t.next().position);
    assertEquals(List.of("RolloutPaused"), reasons(t));
    assertTrue(advance(t.next(), settled()).notices().isEmpty(), "told once");
  }

  @Test
  void aPausedRolloutHasNoDeadline() {
    target.getSpec().rollout.paused = true;
    Transition t = advance(at(Tier.Preflight, Phase.Paused, 100_000), waiting());
    assertEquals(Phase.Paused, t.next().phase);
  }

  @Test
  void resumingRestartsTheClock() {
    Transition t = advance(at(Tier.Preflight, Phase.Paused, 100_000), waiting());
    assertEquals(Phase.Progressing, t.next().phase);
    assertEquals(NOW.toString(), t.next().stepStartedAt);
    assertEquals(List.of("RolloutResumed"), reasons(t));
  }

  @Test
  void noFreeGpuWaitsAndTellsOnce() {
    TierProgress p =
        new TierProgress(
            Gate.NOT_NEEDED,
            Gate.NOT_NEEDED,
            true,
            null,
            false,
            false,
            ApiProgress.NONE,
            false,
            "no GPUs");
    Transition t = advance(at(Tier.Models, Phase.Progressing, 100_000), p);
    assertEquals(Phase.WaitingForGPU, t.next().phase);
    assertEquals("no GPUs", t.next().message);
    assertEquals(List.of("InsufficientGPU"), reasons(t));
    assertTrue(advance(t.next(), p).notices().isEmpty(), "told once, and no deadline");
  }

  @Test
  void freedGpusGoOnWithAFreshDeadline() {
    Transition t = advance(at(Tier.Models, Phase.WaitingForGPU, 100_000), waiting());
    assertEquals(Phase.Progressing, t.next().phase);
    assertEquals(NOW.toString(), t.next().stepStartedAt);
    assertEquals("Model servers: rolling to the new spec", t.next().message);
  }

  @Test
  void aPassedPreflightMovesToTheStores() {
    Transition t =
        advance(at(Tier.Preflight, Phase.Progressing, 5), with(Gate.NOT_NEEDED, RUNNING));
    assertEquals(Tier.Stores, t.next().tier);
    assertEquals("Stores", t.next().position);
    assertEquals(NOW.toString(), t.next().stepStartedAt);
    assertTrue(t.notices().isEmpty());
  }

  @Test
  void aFailedPreflightRollsBack() {
    Gate failed = new Gate(GateState.FAILED, "no module pymysql");
    Transition t = advance(at(Tier.Preflight, Phase.Progressing, 5), with(failed, RUNNING));
    assertEquals(Phase.RolledBack, t.next().phase);
    assertEquals("new", t.next().failedRevision);
    assertEquals(
        "Rollout of revision new failed at Preflight: driver preflight: no module pymysql."
            + " Rolled back to revision old",
        t.next().message);
    assertEquals(List.of("RolloutFailed"), reasons(t));
    assertEquals("rolled_back", t.notices().get(0).rolloutMetric());
  }

  @Test
  void aFailedInitialisationRollsBack() {
    Gate failed = new Gate(GateState.FAILED, "Job failed");
    Transition t = advance(at(Tier.Init, Phase.Progressing, 5), with(Gate.NOT_NEEDED, failed));
    assertEquals(Phase.RolledBack, t.next().phase);
    assertTrue(t.next().message.contains("failed at Init: initialisation: Job failed"));
  }

  @Test
  void aMissedDeadlineRollsBackWithWhatTheTierWaitedFor() {
    target.getSpec().rollout.stepDeadlineSeconds = 60;
    Transition t = advance(at(Tier.Stores, Phase.Progressing, 61), waiting());
    assertEquals(Phase.RolledBack, t.next().phase);
    assertTrue(
        t.next()
            .message
            .contains(
                "Stores did not finish within its deadline of 60s: stores not rolled and Ready yet"),
        t.next().message);
  }

  @Test
  void aTierWithinItsDeadlineWaits() {
    target.getSpec().rollout.stepDeadlineSeconds = 60;
    Transition t = advance(at(Tier.Stores, Phase.Progressing, 59), waiting());
    assertEquals(Phase.Progressing, t.next().phase);
    assertEquals(Tier.Stores, t.next().tier);
    assertEquals("Stores", t.next().position);
  }

  @Test
  void aSinglePodStoreWindowIsToldOnce() {
    TierProgress p =
        new TierProgress(
            Gate.NOT_NEEDED,
            Gate.NOT_NEEDED,
            false,
            "Disruption window: db",
            false,
            false,
            ApiProgress.NONE,
            false,
            null);
    Transition t = advance(at(Tier.Stores, Phase.Progressing, 5), p);
    assertEquals(List.of("DisruptionWindow"), reasons(t));
    assertEquals("Disruption window: db", t.next().message);
    assertTrue(advance(t.next(), p).notices().isEmpty());
  }

  @Test
  void aPassedCanaryStepIsToldAndRestartsTheDeadline() {
    RolloutStatus r = at(Tier.API, Phase.Progressing, 500);
    r.step = 1;
    r.steps = 3;
    CanaryStep step =
        new CanaryStep(
            List.of(), false, false, true, null, 2, 3, "API step 1/3 passed", List.of(), List.of());
    TierProgress p = api(new ApiProgress(false, true, null));
    Transition t = RolloutStateMachine.advance(plan(r), p, step, NOW);
    assertEquals(List.of("CanaryStepPassed"), reasons(t));
    assertEquals("API step 1/3 passed", t.notices().get(0).message());
    assertEquals(2, t.next().step);
    assertEquals("API 2/3", t.next().position);
    assertEquals(NOW.toString(), t.next().stepStartedAt);
  }

  @Test
  void aCanaryFailureRollsBack() {
    RolloutStatus r = at(Tier.API, Phase.Progressing, 5);
    CanaryStep step =
        new CanaryStep(
            List.of(),
            false,
            false,
            false,
            "API step 1/3: smoke gate failed",
            1,
            3,
            null,
            List.of(),
            List.of());
    TierProgress p =
        new TierProgress(
            Gate.NOT_NEEDED,
            Gate.NOT_NEEDED,
            true,
            null,
            true,
            true,
            new ApiProgress(false, false, step.failure()),
            false,
            null);
    Transition t = RolloutStateMachine.advance(plan(r), p, step, NOW);
    assertEquals(Phase.RolledBack, t.next().phase);
    assertTrue(t.next().message.contains("failed at API 1/3: API step 1/3: smoke gate failed"));
  }

  @Test
  void aMissedCanaryDeadlineNamesTheStep() {
    target.getSpec().rollout.stepDeadlineSeconds = 15;
    RolloutStatus r = at(Tier.API, Phase.Progressing, 16);
    CanaryStep step =
        new CanaryStep(
            List.of(),
            false,
            false,
            false,
            null,
            1,
            2,
            "API step 1/2: waiting",
            List.of(),
            List.of());
    TierProgress p = settled();
    Transition t = RolloutStateMachine.advance(plan(r), p, step, NOW);
    assertTrue(
        t.next()
            .message
            .contains(
                "API step 1/2 did not finish within its deadline of 15s: API step 1/2: waiting"),
        t.next().message);
  }

  @Test
  void promotionShowsAsApiPromote() {
    RolloutStatus r = at(Tier.API, Phase.Progressing, 5);
    CanaryStep step =
        new CanaryStep(
            List.of(), false, false, false, null, 4, 3, "API: promoting", List.of(), List.of());
    Transition t = RolloutStateMachine.advance(plan(r), settled(), step, NOW);
    assertEquals("API promote", t.next().position);
  }

  @Test
  void aPromotedApiTierMovesToTheWebUi() {
    RolloutStatus r = at(Tier.API, Phase.Progressing, 5);
    CanaryStep step =
        new CanaryStep(
            List.of(), true, true, false, null, 4, 3, "API: 4 pod(s) run", List.of(), List.of());
    TierProgress p = api(new ApiProgress(true, false, null));
    Transition t = RolloutStateMachine.advance(plan(r), p, step, NOW);
    assertEquals(Tier.WebUI, t.next().tier);
    assertNull(t.next().step);
    assertNull(t.next().steps);
    assertEquals("WebUI", t.next().position);
  }

  @Test
  void theLastTierCompletesTheRollout() {
    Transition t = advance(at(Tier.WebUI, Phase.Progressing, 5), settled());
    assertEquals(Phase.Completed, t.next().phase);
    assertEquals(Tier.Done, t.next().tier);
    assertNull(t.next().position);
    assertEquals("Revision new rolled out to every tier", t.next().message);
    assertEquals(List.of("RolloutCompleted"), reasons(t));
    assertEquals("completed", t.notices().get(0).rolloutMetric());
  }

  @Test
  void theRolloutGivenIsNotChanged() {
    RolloutStatus r = at(Tier.WebUI, Phase.Progressing, 5);
    advance(r, settled());
    assertEquals(Phase.Progressing, r.phase);
    assertEquals(Tier.WebUI, r.tier);
  }
}
