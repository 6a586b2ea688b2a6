package io.chatchat.operator.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusComputerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T1 = Instant.parse("2026-01-01T00:05:00Z");

  /** A Deployment as the controller reports it. */
  static Deployment deployment(
      int desired, int replicas, int ready, int updated, String progressReason) {
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName("d")
        .withGeneration(2L)
        .endMetadata()
        .withNewSpec()
        .withReplicas(desired)
        .endSpec()
        .withNewStatus()
        .withObservedGeneration(2L)
        .withReplicas(replicas)
        .withReadyReplicas(ready)
        .withUpdatedReplicas(updated)
        .addNewCondition()
        .withType("Progressing")
        .withStatus(progressReason.equals("ProgressDeadlineExceeded") ? "False" : "True")
        .withReason(progressReason)
        .withMessage("ReplicaSet progress: " + progressReason)
        .endCondition()
        .endStatus()
        .build();
  }

  private static ChatchatCluster cluster(int api) {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().api.replicas = api;
    c.getSpec().webui.enabled = false;
    return c;
  }

  @Test
  void nothingCreatedYetIsPending() {
    ChatchatClusterStatus s = StatusComputer.compute(cluster(2), List.of(), null, null, T0);
    assertEquals(Phase.Pending, s.phase);
    assertEquals("0/2", s.apiReady);
    assertEquals("False", Conditions.find(s.conditions, Conditions.READY).getStatus());
    assertNull(s.version);
  }

  @Test
  void allReplicasReadyAndUpdatedIsReady() {
    ChatchatCluster c = cluster(2);
    ChatchatClusterStatus s =
        StatusComputer.compute(
            c, List.of(), deployment(2, 2, 2, 2, "NewReplicaSetAvailable"), null, T0);
    assertEquals(Phase.Ready, s.phase);
    assertEquals("2/2", s.apiReady);
    assertEquals(2, s.apiReplicas);
    assertEquals("0.3.1.3-717e03e-20241109", s.version);
    assertEquals("http://demo-api.team.svc:7861", s.url);
    assertEquals(
        "app.kubernetes.io/name=chatchat,app.kubernetes.io/instance=demo,app.kubernetes.io/component=api",
        s.apiSelector);
    assertTrue(Conditions.isTrue(s.conditions, Conditions.API_READY));
    assertFalse(Conditions.isTrue(s.conditions, Conditions.PROGRESSING));
    assertFalse(Conditions.isTrue(s.conditions, Conditions.DEGRADED));
    assertNull(
        Conditions.find(s.conditions, Conditions.WEBUI_READY), "WebUI disabled, no condition");
    assertEquals(1L, s.observedGeneration);
  }

  @Test
  void aNewReplicaSetComingUpIsProgressingNotDegraded() {
    ChatchatCluster c = cluster(3);
    c.setStatus(
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 3, 3, "NewReplicaSetAvailable"), null, T0));
    ChatchatClusterStatus s =
        StatusComputer.compute(c, List.of(), deployment(3, 4, 3, 1, "ReplicaSetUpdated"), null, T1);
    assertEquals(Phase.Progressing, s.phase);
    assertTrue(Conditions.isTrue(s.conditions, Conditions.PROGRESSING));
    assertFalse(Conditions.isTrue(s.conditions, Conditions.DEGRADED));
    assertEquals(
        "0.3.1.3-717e03e-20241109",
        s.version,
        "the version in service stays until the rollout completes");
    // Fresh pods of a new ReplicaSet, all updated but not ready yet: still progress.
    s = StatusComputer.compute(c, List.of(), deployment(3, 3, 1, 3, "ReplicaSetUpdated"), null, T1);
    assertEquals(Phase.Progressing, s.phase);
  }

  @Test
  void losingPodsAfterACompleteRolloutIsDegraded() {
    ChatchatCluster c = cluster(3);
    c.setStatus(
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 3, 3, "NewReplicaSetAvailable"), null, T0));
    ChatchatClusterStatus s =
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 1, 3, "NewReplicaSetAvailable"), null, T1);
    assertEquals(Phase.Degraded, s.phase);
    assertTrue(Conditions.isTrue(s.conditions, Conditions.DEGRADED));
    assertTrue(
        Conditions.find(s.conditions, Conditions.DEGRADED)
            .getMessage()
            .contains("only 1/3 pods ready"));
    assertEquals(
        "ReplicasNotReady", Conditions.find(s.conditions, Conditions.API_READY).getReason());
    // It stays degraded until every pod is back.
    c.setStatus(s);
    s =
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 2, 3, "NewReplicaSetAvailable"), null, T1);
    assertEquals(Phase.Degraded, s.phase);
    c.setStatus(s);
    s =
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 3, 3, "NewReplicaSetAvailable"), null, T1);
    assertEquals(Phase.Ready, s.phase);
  }

  @Test
  void scalingUpIsProgressNotDegradation() {
    // Seen on the real control plane: a scale keeps the Deployment's NewReplicaSetAvailable reason.
    ChatchatCluster c = cluster(3);
    c.setStatus(
        StatusComputer.compute(
            c, List.of(), deployment(3, 3, 3, 3, "NewReplicaSetAvailable"), null, T0));
    c.getSpec().api.replicas = 4;
    ChatchatClusterStatus s =
        StatusComputer.compute(
            c, List.of(), deployment(4, 4, 3, 4, "NewReplicaSetAvailable"), null, T1);
    assertEquals(Phase.Progressing, s.phase);
    assertFalse(Conditions.isTrue(s.conditions, Conditions.DEGRADED));
    assertEquals("Scaling", Conditions.find(s.conditions, Conditions.API_READY).getReason());
    assertTrue(Conditions.isTrue(s.conditions, Conditions.PROGRESSING));
    // Still scaling on the next reconciliation, at the new size.
    c.setStatus(s);
    s =
        StatusComputer.compute(
            c, List.of(), deployment(4, 4, 3, 4, "NewReplicaSetAvailable"), null, T1);
    assertEquals(Phase.Progressing, s.phase);
  }

  @Test
  void aFirstStartIsNeverDegraded() {
    ChatchatCluster c = cluster(2);
    ChatchatClusterStatus s =
        StatusComputer.compute(
            c, List.of(), deployment(2, 2, 0, 2, "NewReplicaSetAvailable"), null, T0);
    assertFalse(Conditions.isTrue(s.conditions, Conditions.DEGRADED));
  }

  @Test
  void aStuckRolloutIsDegraded() {
    ChatchatClusterStatus s =
        StatusComputer.compute(
            cluster(2), List.of(), deployment(2, 3, 2, 1, "ProgressDeadlineExceeded"), null, T0);
    assertEquals(Phase.Degraded, s.phase);
    assertTrue(
        Conditions.find(s.conditions, Conditions.DEGRADED)
            .getMessage()
            .contains("ProgressDeadlineExceeded"));
  }

  @Test
  void problemsMakeTheClusterInvalidWithTheirMessages() {
    ChatchatClusterStatus s =
        StatusComputer.compute(
            cluster(1),
            List.of(
                new Problem("SecretMissing", "Secret db does not exist"),
                new Problem("SecretMissing", "Secret keys has no key llm")),
            deployment(1, 1, 1, 1, "NewReplicaSetAvailable"),
            null,
            T0);
    assertEquals(Phase.Invalid, s.phase);
    var valid = Conditions.find(s.conditions, Conditions.CONFIG_VALID);
    assertEquals("False", valid.getStatus());
    assertEquals("SecretMissing", valid.getReason());
    assertEquals("Secret db does not exist; Secret keys has no key llm", valid.getMessage());
    assertEquals("ConfigInvalid", Conditions.find(s.conditions, Conditions.READY).getReason());
  }

  @Test
  void transitionTimesChangeOnlyWithTheStatus() {
    ChatchatCluster c = cluster(1);
    c.setStatus(
        StatusComputer.compute(
            c, List.of(), deployment(1, 1, 1, 1, "NewReplicaSetAvailable"), null, T0));
    ChatchatClusterStatus same =
        StatusComputer.compute(
            c, List.of(), deployment(1, 1, 1, 1, "NewReplicaSetAvailable"), null, T1);
    assertEquals(
        T0.toString(), Conditions.find(same.conditions, Conditions.READY).getLastTransitionTime());
    ChatchatClusterStatus changed =
        StatusComputer.compute(
            c, List.of(), deployment(1, 1, 0, 1, "NewReplicaSetAvailable"), null, T1);
    assertEquals(
        T1.toString(),
        Conditions.find(changed.conditions, Conditions.READY).getLastTransitionTime());
  }

  @Test
  void webUiIsPartOfReadiness() {
    ChatchatCluster c = TestClusters.external();
    ChatchatClusterStatus s =
        StatusComputer.compute(
            c,
            List.of(),
            deployment(1, 1, 1, 1, "NewReplicaSetAvailable"),
            deployment(1, 1, 0, 1, "ReplicaSetUpdated"),
            T0);
    assertEquals(Phase.Progressing, s.phase);
    assertEquals("False", Conditions.find(s.conditions, Conditions.WEBUI_READY).getStatus());
    assertTrue(Conditions.find(s.conditions, Conditions.READY).getMessage().contains("WebUI 0/1"));
    assertEquals("http://demo-webui.team.svc:8501", s.webuiUrl);
  }

  private static ChatchatClusterStatus withCapabilities(ChatchatCluster c, ApiCapabilities caps) {
    Deployment api = deployment(2, 2, 2, 2, "NewReplicaSetAvailable");
    return StatusComputer.compute(
        new StatusComputer.Inputs(
            c, List.of(), api, null, io.chatchat.operator.status.Observed.NONE, null, caps, T0));
  }

  @Test
  void missingPrometheusOperatorOrKedaIsReportedButKeepsTheClusterReady() {
    ChatchatCluster c = cluster(2);
    c.getSpec().monitoring.enabled = true;
    ChatchatClusterStatus s = withCapabilities(c, ApiCapabilities.NONE);
    Condition monitoring = Conditions.find(s.conditions, Conditions.MONITORING_READY);
    assertEquals("False", monitoring.getStatus());
    assertEquals("PrometheusOperatorMissing", monitoring.getReason());
    assertEquals(Phase.Ready, s.phase, "monitoring is not what the cluster serves");
    assertNull(Conditions.find(s.conditions, Conditions.KEDA_AVAILABLE), "KEDA not asked for");
    List<Notice> events = TransitionEvents.between(null, s);
    assertTrue(events.stream().anyMatch(e -> e.reason().equals("PrometheusOperatorMissing")));

    ChatchatClusterStatus served = withCapabilities(c, new ApiCapabilities(true, false));
    assertTrue(Conditions.isTrue(served.conditions, Conditions.MONITORING_READY));
    assertEquals(
        "PodMonitors scrape nothing: no tier the operator runs serves metrics",
        Conditions.find(served.conditions, Conditions.MONITORING_READY).getMessage());

    ChatchatCluster managed = TestClusters.managed();
    managed.getSpec().llm.vllm.autoscaling.enabled = true;
    managed.getSpec().llm.vllm.autoscaling.keda = new ModelServerSpec.KedaScaling();
    managed.getSpec().llm.vllm.autoscaling.keda.serverAddress = "http://prometheus:9090";
    Condition keda =
        Conditions.find(
            withCapabilities(managed, ApiCapabilities.NONE).conditions, Conditions.KEDA_AVAILABLE);
    assertEquals("KedaMissing", keda.getReason());
    assertTrue(keda.getMessage().contains("the LLM tier scales with a HorizontalPodAutoscaler"));
    managed.getSpec().llm.vllm.autoscaling.keda = null;
    assertNull(
        Conditions.find(
            withCapabilities(managed, ApiCapabilities.NONE).conditions, Conditions.KEDA_AVAILABLE));
  }

  @Test
  void aMissingCrdIsLookedForOftenAtFirstThenEveryFiveMinutes() {
    ChatchatCluster c = cluster(2);
    c.getSpec().monitoring.enabled = true;
    ChatchatClusterStatus s = withCapabilities(c, ApiCapabilities.NONE);
    assertEquals(java.time.Duration.ofSeconds(20), Integrations.recheckAfter(s.conditions, T0));
    assertEquals(
        java.time.Duration.ofMinutes(5),
        Integrations.recheckAfter(s.conditions, T0.plus(java.time.Duration.ofHours(1))));
    assertEquals(java.time.Duration.ofSeconds(75), Integrations.recheckAfter(s.conditions, T1));
    assertNull(
        Integrations.recheckAfter(
            withCapabilities(c, new ApiCapabilities(true, false)).conditions, T1),
        "found: nothing to look for");
  }
}
