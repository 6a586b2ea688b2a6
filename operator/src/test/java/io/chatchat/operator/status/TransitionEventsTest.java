package io.chatchat.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransitionEventsTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  private static ChatchatClusterStatus status(Phase phase, boolean valid, String message) {
    ChatchatClusterStatus s = new ChatchatClusterStatus();
    s.phase = phase;
    s.apiReady = "2/2";
    set(s, Conditions.CONFIG_VALID, valid, valid ? "Valid" : "SecretMissing", message);
    set(s, Conditions.DEGRADED, false, "AsExpected", "none");
    set(s, Conditions.PROGRESSING, true, "RollingOut", "Rolling out: API");
    return s;
  }

  private static void set(
      ChatchatClusterStatus s, String type, boolean ok, String reason, String message) {
    ConditionFixtures.set(s, 1, type, ok, reason, message);
  }

  private static List<String> reasons(List<Notice> notices) {
    return notices.stream().map(n -> n.type() + "/" + n.reason()).toList();
  }

  @Test
  void anInvalidSpecIsToldOnceWithTheProblemsReason() {
    ChatchatClusterStatus bad = status(Phase.Invalid, false, "Secret db is missing");
    assertEquals(
        List.of("Warning/SecretMissing"),
        reasons(TransitionEvents.between(null, bad)).subList(0, 1));
    assertTrue(
        TransitionEvents.between(bad, status(Phase.Invalid, false, "Secret db is missing"))
            .isEmpty());
    assertEquals(
        List.of("Warning/SecretMissing"),
        reasons(TransitionEvents.between(bad, status(Phase.Invalid, false, "another problem"))));
  }

  @Test
  void aSpecValidAgainIsTold() {
    ChatchatClusterStatus bad = status(Phase.Invalid, false, "Secret db is missing");
    List<Notice> n =
        TransitionEvents.between(bad, status(Phase.Invalid, true, "The spec is valid"));
    assertEquals(List.of("Normal/ConfigValid"), reasons(n));
  }

  @Test
  void aFailedGateIsAWarningAndAPassedOneNormal() {
    ChatchatClusterStatus before = status(Phase.Progressing, true, "ok");
    ChatchatClusterStatus failed = status(Phase.Progressing, true, "ok");
    set(failed, Conditions.INITIALIZED, false, "Failed", "Job x failed");
    assertEquals(
        List.of("Warning/InitializedFailed"), reasons(TransitionEvents.between(before, failed)));
    ChatchatClusterStatus passed = status(Phase.Progressing, true, "ok");
    set(passed, Conditions.INITIALIZED, true, "Succeeded", "Tables created");
    assertEquals(List.of("Normal/Initialized"), reasons(TransitionEvents.between(failed, passed)));
  }

  @Test
  void schedulingTellsOnlyItsProblems() {
    ChatchatClusterStatus before = status(Phase.Progressing, true, "ok");
    ChatchatClusterStatus gpu = status(Phase.Progressing, true, "ok");
    set(gpu, Conditions.SCHEDULED, false, "InsufficientGPU", "no GPUs");
    assertEquals(
        List.of("Warning/InsufficientGPU"), reasons(TransitionEvents.between(before, gpu)));
    ChatchatClusterStatus fine = status(Phase.Progressing, true, "ok");
    set(fine, Conditions.SCHEDULED, true, "Scheduled", "Every pod is scheduled");
    assertTrue(TransitionEvents.between(gpu, fine).isEmpty());
  }

  @Test
  void phaseChangesAreTold() {
    ChatchatClusterStatus progressing = status(Phase.Progressing, true, "ok");
    List<Notice> ready = TransitionEvents.between(progressing, status(Phase.Ready, true, "ok"));
    assertEquals(List.of("Normal/Ready"), reasons(ready));
    assertEquals("All components are ready (API 2/2)", ready.get(0).message());
    assertEquals(
        List.of("Normal/Progressing"),
        reasons(TransitionEvents.between(status(Phase.Ready, true, "ok"), progressing)));
    assertEquals(
        List.of("Warning/Degraded"),
        reasons(TransitionEvents.between(progressing, status(Phase.Degraded, true, "ok"))));
  }
}
