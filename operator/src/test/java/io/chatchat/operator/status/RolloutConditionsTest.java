package io.chatchat.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.rollout.RolloutPlan;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutConditionsTest {
  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private final ChatchatClusterSpec spec = TestClusters.external().getSpec();

  private static ChatchatClusterStatus ready() {
    ChatchatClusterStatus s = new ChatchatClusterStatus();
    s.observedGeneration = 2L;
    s.phase = Phase.Ready;
    s.version = "0.3.1.3";
    Conditions.set(
        s.conditions, s.conditions, Conditions.READY, true, "AllComponentsReady", "All", 2, NOW);
    Conditions.set(
        s.conditions, s.conditions, Conditions.DEGRADED, false, "AsExpected", "-", 2, NOW);
    return s;
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

  @Test
  void aFirstReadyClusterRecordsItsStableSpec() {
    ChatchatClusterStatus st = ready();
    RolloutConditions.apply(st, null, null, "STEADY", "rev1", spec, NOW);
    assertEquals("rev1", st.stableRevision);
    assertEquals(RolloutPlan.toJson(spec), st.lastStableSpec);
    assertNull(st.rollout);
  }

  @Test
  void aRollingClusterIsProgressingNotReadyAndKeepsTheOldVersion() {
    ChatchatClusterStatus previous = ready();
    previous.stableRevision = "old";
    previous.lastStableSpec = "{}";
    ChatchatClusterStatus st = ready();
    st.version = "0.3.2";
    RolloutConditions.apply(
        st, previous, rollout(RolloutStatus.Phase.Progressing), "ROLLING", "new", spec, NOW);
    assertEquals(Phase.Progressing, st.phase);
    assertEquals("0.3.1.3", st.version, "the old version answers until promotion");
    assertEquals("False", Conditions.find(st.conditions, Conditions.READY).getStatus());
    assertEquals("RollingOut", Conditions.find(st.conditions, Conditions.PROGRESSING).getReason());
    assertEquals("old", st.stableRevision);
  }

  @Test
  void waitingForAGpuIsProgressingFalseWithInsufficientGpu() {
    ChatchatClusterStatus st = ready();
    RolloutConditions.apply(
        st, ready(), rollout(RolloutStatus.Phase.WaitingForGPU), "ROLLING", "new", spec, NOW);
    assertEquals("False", Conditions.find(st.conditions, Conditions.PROGRESSING).getStatus());
    assertEquals(
        "InsufficientGPU", Conditions.find(st.conditions, Conditions.PROGRESSING).getReason());
  }

  @Test
  void aFailureIsReportedAtOnceAsDegradedAndRolledBack() {
    ChatchatClusterStatus st = ready();
    RolloutStatus r = rollout(RolloutStatus.Phase.RolledBack);
    r.message = "smoke gate failed";
    RolloutConditions.apply(st, ready(), r, "ROLLING", "new", spec, NOW);
    assertEquals(Phase.Degraded, st.phase);
    assertEquals("True", Conditions.find(st.conditions, Conditions.ROLLED_BACK).getStatus());
    assertEquals("RolledBack", Conditions.find(st.conditions, Conditions.DEGRADED).getReason());
    assertEquals(
        "smoke gate failed", Conditions.find(st.conditions, Conditions.DEGRADED).getMessage());
  }

  @Test
  void aCompletedRolloutRecordsTheNewStableSpecAndClearsRolledBack() {
    ChatchatClusterStatus previous = ready();
    previous.stableRevision = "old";
    previous.lastStableSpec = "{}";
    Conditions.set(
        previous.conditions,
        previous.conditions,
        Conditions.ROLLED_BACK,
        true,
        "RolloutFailed",
        "earlier",
        1,
        NOW);
    ChatchatClusterStatus st = ready();
    st.conditions.add(Conditions.find(previous.conditions, Conditions.ROLLED_BACK));
    RolloutConditions.apply(
        st, previous, rollout(RolloutStatus.Phase.Completed), "ROLLING", "new", spec, NOW);
    assertEquals("new", st.stableRevision);
    assertNotNull(st.lastStableSpec);
    assertEquals("False", Conditions.find(st.conditions, Conditions.ROLLED_BACK).getStatus());
    assertEquals(Phase.Ready, st.phase);
  }

  @Test
  void aRolloutBlockedByAProblemSaysSo() {
    ChatchatClusterStatus st = new ChatchatClusterStatus();
    st.rollout = new RolloutStatus();
    st.rollout.phase = RolloutStatus.Phase.Progressing;
    st.rollout.message = "Rolling the API tier";
    RolloutConditions.blockedBy(st, List.of());
    assertEquals("Rolling the API tier", st.rollout.message);
    RolloutConditions.blockedBy(
        st, List.of("Deployment x-api was rejected by the API server: quota"));
    assertEquals(
        "Blocked until the spec is fixed: Deployment x-api was rejected by the API server: quota",
        st.rollout.message);
  }
}
