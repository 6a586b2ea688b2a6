package io.chatchat.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.model.SpecJson;
import io.chatchat.operator.validation.SpecValidator.Problem;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rollout overlay of the one status pass: Ready, Progressing, Degraded, RolledBack, phase. */
class StatusRolloutTest {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

  private static ChatchatClusterStatus ready() {
    ChatchatClusterStatus s = new ChatchatClusterStatus();
    s.observedGeneration = 2L;
    s.phase = Phase.Ready;
    s.version = "0.3.1.3";
    ConditionFixtures.set(s, 2, Conditions.READY, true, "AllComponentsReady", "All");
    ConditionFixtures.set(s, 2, Conditions.DEGRADED, false, "AsExpected", "-");
    return s;
  }

  private static ChatchatCluster cluster(ChatchatClusterStatus previous) {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().api.replicas = 1;
    c.getSpec().webui.enabled = false;
    c.getMetadata().setGeneration(2L);
    c.setStatus(previous);
    return c;
  }

  private static RolloutStatus rollout(RolloutStatus.Phase phase) {
    RolloutStatus r = new RolloutStatus();
    r.phase = phase;
    r.revision = "new";
    r.tier = RolloutStatus.Tier.API;
    r.position = "API 2/3";
    r.message = "API step 2/3: waiting";
    return r;
  }

  /** One pass with every component Ready and this rollout view. */
  private static ChatchatClusterStatus pass(
      ChatchatCluster c, RolloutView view, List<Problem> problems) {
    return StatusComputer.compute(
        new StatusComputer.Inputs(
            c,
            problems,
            StatusComputerTest.deployment(1, 1, 1, 1, "NewReplicaSetAvailable"),
            null,
            Observed.NONE,
            view,
            null,
            NOW));
  }

  private static RolloutView view(
      ChatchatCluster c, RolloutMode mode, RolloutStatus r, String stableRevision) {
    return new RolloutView(mode, r, "new", c.getSpec(), "{}", stableRevision);
  }

  private static String status(ChatchatClusterStatus s, String type) {
    return Conditions.find(s.conditions, type).getStatus();
  }

  private static String reason(ChatchatClusterStatus s, String type) {
    return Conditions.find(s.conditions, type).getReason();
  }

  @Test
  void aFirstReadyClusterRecordsItsStableSpec() {
    ChatchatCluster c = cluster(null);
    ChatchatClusterStatus st =
        pass(
            c,
            new RolloutView(RolloutMode.STEADY, null, "rev1", c.getSpec(), null, null),
            List.of());
    assertEquals(Phase.Ready, st.phase);
    assertEquals("rev1", st.stableRevision);
    assertEquals(SpecJson.toJson(c.getSpec()), st.lastStableSpec);
    assertNull(st.rollout);
  }

  @Test
  void aSteadyClusterOnItsStableRevisionKeepsTheRecordedSpec() {
    ChatchatCluster c = cluster(ready());
    ChatchatClusterStatus st =
        pass(
            c,
            new RolloutView(RolloutMode.STEADY, null, "new", c.getSpec(), "{}", "new"),
            List.of());
    assertEquals("{}", st.lastStableSpec, "not re-recorded on every pass");
  }

  @Test
  void aRollingClusterIsProgressingNotReadyAndKeepsTheOldVersion() {
    ChatchatCluster c = cluster(ready());
    c.getSpec().image = "chatchat:0.3.2";
    ChatchatClusterStatus st =
        pass(
            c,
            view(c, RolloutMode.ROLLING, rollout(RolloutStatus.Phase.Progressing), "old"),
            List.of());
    assertEquals(Phase.Progressing, st.phase);
    assertEquals("0.3.1.3", st.version, "the old version answers until promotion");
    assertEquals("False", status(st, Conditions.READY));
    assertEquals("RollingOut", reason(st, Conditions.READY));
    assertEquals(
        "Rolling out revision new (API 2/3): API step 2/3: waiting",
        Conditions.find(st.conditions, Conditions.READY).getMessage());
    assertEquals("RollingOut", reason(st, Conditions.PROGRESSING));
    assertEquals("True", status(st, Conditions.PROGRESSING));
    assertEquals("old", st.stableRevision);
  }

  @Test
  void aPausedRolloutIsProgressingFalseWithRolloutPaused() {
    ChatchatCluster c = cluster(ready());
    ChatchatClusterStatus st =
        pass(
            c, view(c, RolloutMode.ROLLING, rollout(RolloutStatus.Phase.Paused), "old"), List.of());
    assertEquals("False", status(st, Conditions.PROGRESSING));
    assertEquals("RolloutPaused", reason(st, Conditions.PROGRESSING));
    assertEquals(Phase.Progressing, st.phase);
  }

  @Test
  void waitingForAGpuIsProgressingFalseWithInsufficientGpu() {
    ChatchatCluster c = cluster(ready());
    ChatchatClusterStatus st =
        pass(
            c,
            view(c, RolloutMode.ROLLING, rollout(RolloutStatus.Phase.WaitingForGPU), "old"),
            List.of());
    assertEquals("False", status(st, Conditions.PROGRESSING));
    assertEquals("InsufficientGPU", reason(st, Conditions.PROGRESSING));
  }

  @Test
  void aFailureIsReportedAtOnceAsDegradedAndRolledBack() {
    ChatchatCluster c = cluster(ready());
    RolloutStatus r = rollout(RolloutStatus.Phase.RolledBack);
    r.message = "smoke gate failed";
    ChatchatClusterStatus st = pass(c, view(c, RolloutMode.ROLLING, r, "old"), List.of());
    assertEquals(Phase.Degraded, st.phase);
    assertEquals("True", status(st, Conditions.ROLLED_BACK));
    assertEquals("RolledBack", reason(st, Conditions.DEGRADED));
    assertEquals(
        "smoke gate failed", Conditions.find(st.conditions, Conditions.DEGRADED).getMessage());
    assertEquals("True", status(st, Conditions.READY), "the stable pods serve");
  }

  @Test
  void aClusterThatStaysRolledBackStaysDegraded() {
    ChatchatCluster c = cluster(ready());
    RolloutStatus r = rollout(RolloutStatus.Phase.RolledBack);
    ChatchatClusterStatus st = pass(c, view(c, RolloutMode.ROLLED_BACK, r, "old"), List.of());
    assertEquals(Phase.Degraded, st.phase);
    assertEquals("RolloutFailed", reason(st, Conditions.ROLLED_BACK));
    assertEquals("old", st.stableRevision);
  }

  @Test
  void aCompletedRolloutRecordsTheNewStableSpecAndClearsRolledBack() {
    ChatchatClusterStatus previous = ready();
    ConditionFixtures.set(previous, 1, Conditions.ROLLED_BACK, true, "RolloutFailed", "earlier");
    ChatchatCluster c = cluster(previous);
    ChatchatClusterStatus st =
        pass(
            c,
            view(c, RolloutMode.ROLLING, rollout(RolloutStatus.Phase.Completed), "old"),
            List.of());
    assertEquals("new", st.stableRevision);
    assertNotNull(st.lastStableSpec);
    assertEquals("False", status(st, Conditions.ROLLED_BACK));
    assertEquals("RolloutCompleted", reason(st, Conditions.ROLLED_BACK));
    assertEquals(Phase.Ready, st.phase);
  }

  @Test
  void aRolloutBlockedByAProblemSaysSo() {
    ChatchatCluster c = cluster(ready());
    RolloutStatus r = rollout(RolloutStatus.Phase.Progressing);
    ChatchatClusterStatus fine = pass(c, view(c, RolloutMode.ROLLING, r, "old"), List.of());
    assertEquals("API step 2/3: waiting", fine.rollout.message);
    ChatchatClusterStatus blocked =
        pass(
            c,
            view(c, RolloutMode.ROLLING, r, "old"),
            List.of(new Problem("ApplyRejected", "Deployment x-api was rejected: quota")));
    assertEquals(
        "Blocked until the spec is fixed: Deployment x-api was rejected: quota",
        blocked.rollout.message);
    assertEquals("API step 2/3: waiting", r.message, "the rollout given is not changed");
    assertEquals(Phase.Invalid, blocked.phase);
  }

  @Test
  void aSpecNotAppliedKeepsThePreviousRolloutAndStableSpec() {
    ChatchatClusterStatus previous = ready();
    previous.rollout = rollout(RolloutStatus.Phase.Paused);
    previous.lastStableSpec = "{}";
    previous.stableRevision = "old";
    ChatchatCluster c = cluster(previous);
    ChatchatClusterStatus st =
        pass(c, null, List.of(new Problem("SecretMissing", "Secret x is missing")));
    assertSame(previous.rollout, st.rollout);
    assertEquals("old", st.stableRevision);
    assertEquals(Phase.Invalid, st.phase);
  }
}
