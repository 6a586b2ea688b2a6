package io.chatchat.operator.gates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.status.GateState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobGateTest {
  private final ChatchatCluster cr = TestClusters.external();
  private final Job desired = ChatchatJobs.preflight(cr, List.of("pymysql"));

  private static Job withCondition(Job job, String type, Integer failed) {
    return new JobBuilder(job)
        .withNewStatus()
        .withFailed(failed)
        .addNewCondition()
        .withType(type)
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  private static Pod jobPod(String job, String message, int exitCode) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(job + "-pod")
        .withLabels(Map.of("job-name", job))
        .endMetadata()
        .withNewStatus()
        .addNewContainerStatus()
        .withName("main")
        .withNewState()
        .withNewTerminated()
        .withMessage(message)
        .withExitCode(exitCode)
        .endTerminated()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  private static LiveState live(List<Job> jobs, List<Pod> pods) {
    return LiveState.of(Map.of(Job.class, jobs, Pod.class, pods));
  }

  private JobGate.Outcome evaluate(LiveState live) {
    return JobGate.evaluate(cr, desired, live, "Checking", "Checked");
  }

  @Test
  void aMissingJobIsCreatedAndRuns() {
    JobGate.Outcome o = evaluate(LiveState.EMPTY);
    assertSame(desired, o.create());
    assertEquals(GateState.RUNNING, o.gate().state());
    assertEquals("Checking (Job " + desired.getMetadata().getName() + ")", o.gate().message());
  }

  @Test
  void aSucceededJobRetiresTheJobsOfEarlierInputsOnly() {
    Job older = ChatchatJobs.preflight(cr, List.of("pymysql", "elasticsearch"));
    Job otherComponent = ChatchatJobs.build(cr, "hash-0");
    Job otherCluster =
        new JobBuilder(older)
            .editMetadata()
            .withName("x")
            .addToLabels(Labels.INSTANCE, "other")
            .endMetadata()
            .build();
    JobGate.Outcome o =
        evaluate(
            live(
                List.of(
                    withCondition(desired, "Complete", null), older, otherComponent, otherCluster),
                List.of()));
    assertEquals(GateState.SUCCEEDED, o.gate().state());
    assertNull(o.create());
    assertEquals(
        List.of(older.getMetadata().getName()),
        o.superseded().stream().map(j -> j.getMetadata().getName()).toList());
  }

  @Test
  void aFailedJobSaysWhatItsPodWroteAndIsNotRecreated() {
    String name = desired.getMetadata().getName();
    JobGate.Outcome o =
        evaluate(
            live(
                List.of(withCondition(desired, "Failed", 2)),
                List.of(jobPod(name, "ModuleNotFoundError: No module named 'pymysql'\n", 1))));
    assertEquals(GateState.FAILED, o.gate().state());
    assertNull(o.create());
    assertEquals(
        "Job "
            + name
            + " failed: ModuleNotFoundError: No module named 'pymysql'. Delete the Job to"
            + " run it again",
        o.gate().message());
  }

  @Test
  void aFailedJobWhosePodIsStillCachedAsRunningWaitsForThePodsStatus() {
    String name = desired.getMetadata().getName();
    Pod running =
        new PodBuilder(jobPod(name, "", 1))
            .editStatus()
            .withPhase("Running")
            .withContainerStatuses(List.of())
            .endStatus()
            .build();
    Job failed = withCondition(desired, "Failed", 1);
    JobGate.Outcome o = evaluate(live(List.of(failed), List.of(running)));
    assertEquals(GateState.RUNNING, o.gate().state());
    assertEquals("Checking (Job " + name + " failed; reading why)", o.gate().message());

    Pod deleting =
        new PodBuilder(running)
            .editMetadata()
            .withDeletionTimestamp("2026-12-06T16:00:00Z")
            .endMetadata()
            .build();
    o = evaluate(live(List.of(failed), List.of(deleting)));
    assertEquals(GateState.FAILED, o.gate().state(), "a pod being deleted tells no more");
    assertTrue(o.gate().message().contains("no pod output recorded"), o.gate().message());
    o = evaluate(live(List.of(failed), List.of()));
    assertEquals(GateState.FAILED, o.gate().state(), "no pod left");
  }

  @Test
  void aRetriedAttemptIsToldWhileKubernetesRetries() {
    String name = desired.getMetadata().getName();
    Job retrying = new JobBuilder(desired).withNewStatus().withFailed(1).endStatus().build();
    JobGate.Outcome o = evaluate(live(List.of(retrying), List.of(jobPod(name, "", 3))));
    assertEquals(GateState.RUNNING, o.gate().state());
    assertTrue(
        o.gate()
            .message()
            .endsWith("attempt 1 failed, Kubernetes retries with back-off: exit code 3)"),
        o.gate().message());
  }

  @Test
  void aLongLogIsCutToItsEndFromALineStart() {
    String log = "x".repeat(500) + "\nTraceback (most recent call last):\nValueError: bad uri";
    String tail = JobGate.terminationMessage(live(List.of(), List.of(jobPod("j", log, 1))), "j");
    assertEquals("Traceback (most recent call last):\nValueError: bad uri", tail);
    assertEquals("no pod output recorded", JobGate.terminationMessage(LiveState.EMPTY, "j"));
  }
}
