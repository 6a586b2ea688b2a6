package io.chatchat.operator.gates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.Plan;
import io.chatchat.operator.rollout.TierSpecs;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gates of a Chatchat version, in order, from the live Jobs alone. */
class VersionGatesTest {
  private static final Secret DB =
      new SecretBuilder()
          .withNewMetadata()
          .withName("db")
          .endMetadata()
          .addToData(
              "uri", Base64.getEncoder().encodeToString("mysql+pymysql://u:p@db:3306/c".getBytes()))
          .build();

  /** The Secret {@code db} with a MySQL URI, and nothing else. */
  static final SecretsView SECRETS = new SecretsView(name -> name.equals("db") ? DB : null);

  private final SecretsView secrets = SECRETS;

  private static Plan steady(ChatchatCluster cr) {
    return new Plan(RolloutMode.STEADY, cr, null, null, "rev", null, null, List.of());
  }

  private static Plan rolling(ChatchatCluster cr) {
    RolloutStatus r = new RolloutStatus();
    r.tier = RolloutStatus.Tier.Preflight;
    r.phase = RolloutStatus.Phase.Progressing;
    return new Plan(
        RolloutMode.ROLLING, cr, TestClusters.external(), r, "rev", "{}", "old", List.of());
  }

  private VersionGates evaluate(Plan plan, LiveState live) {
    return VersionGates.evaluate(TierSpecs.of(plan, live, secrets), live, secrets);
  }

  /** The preflight Job of this plan, failed. */
  private Job failedPreflight(Plan plan) {
    TierSpecs specs = TierSpecs.of(plan, LiveState.EMPTY, secrets);
    Job job = ChatchatJobs.preflight(plan.want(), List.of("pymysql", "elasticsearch"));
    return new JobBuilder(job)
        .withNewStatus()
        .addNewCondition()
        .withType("Failed")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  @Test
  void theDriversOfTheUriSchemeAndTheVectorStoreAreCheckedFirst() {
    VersionGates g = evaluate(steady(TestClusters.external()), LiveState.EMPTY);
    assertEquals(GateState.RUNNING, g.preflight().state());
    assertTrue(
        g.preflight().message().contains("imports pymysql, elasticsearch"),
        g.preflight().message());
    assertEquals(1, g.create().size());
    assertEquals(GateState.WAITING, g.init().state());
    assertEquals("Waiting for the driver preflight", g.init().message());
    assertTrue(!g.chatMayStart());
  }

  @Test
  void aFailedPreflightOutsideARolloutIsAProblemOfTheSpec() {
    Plan plan = steady(TestClusters.external());
    VersionGates g =
        evaluate(plan, LiveState.of(Map.of(Job.class, List.of(failedPreflight(plan)))));
    assertEquals(GateState.FAILED, g.preflight().state());
    assertEquals(VersionGates.REASON_DRIVER_MISSING, g.problems().get(0).reason());
    assertTrue(g.problems().get(0).message().contains("no pod of this image was started"));
    assertTrue(g.create().isEmpty(), "a failed Job is not recreated");
  }

  @Test
  void aFailedPreflightInARolloutFailsTheRolloutInstead() {
    ChatchatCluster target = TestClusters.external();
    target.getSpec().image = "chatchat:new";
    Plan plan = rolling(target);
    VersionGates g =
        evaluate(plan, LiveState.of(Map.of(Job.class, List.of(failedPreflight(plan)))));
    assertTrue(g.problems().isEmpty());
    assertTrue(
        g.preflight()
            .message()
            .startsWith(
                "the image chatchat:new cannot import the drivers this spec needs (pymysql, elasticsearch): "),
        g.preflight().message());
  }

  @Test
  void theTablesWaitForAManagedDatabaseThatServes() {
    ChatchatCluster cr = TestClusters.managed();
    Plan plan = steady(cr);
    TierSpecs specs = TierSpecs.of(plan, LiveState.EMPTY, secrets);
    Job passed =
        new JobBuilder(ChatchatJobs.preflight(cr, List.of("pymysql", "elasticsearch")))
            .withNewStatus()
            .addNewCondition()
            .withType("Complete")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();
    VersionGates g = evaluate(plan, LiveState.of(Map.of(Job.class, List.of(passed))));
    assertEquals(GateState.SUCCEEDED, g.preflight().state());
    assertEquals("Waiting for the database demo-db", g.init().message());
  }

  @Test
  void aSinglePodClusterNeedsNoGate() {
    VersionGates g = evaluate(steady(TestClusters.singlePod()), LiveState.EMPTY);
    assertEquals(GateState.NOT_NEEDED, g.preflight().state());
    assertEquals(GateState.NOT_NEEDED, g.init().state());
    assertTrue(g.chatMayStart());
    assertTrue(g.create().isEmpty());
  }

  @Test
  void theKnowledgeBaseBuildWaitsForTheEmbeddingService() {
    ChatchatCluster cr = TestClusters.singlePod();
    cr.getSpec().embedding.external = null;
    cr.getSpec().embedding.tei = new io.chatchat.operator.api.v1alpha1.TeiSpec();
    cr.getSpec().embedding.tei.model = "BAAI/bge-m3";
    cr.getSpec().knowledgeBase.build.enabled = true;
    VersionGates g = evaluate(steady(cr), LiveState.EMPTY);
    assertEquals("Waiting for the embedding service", g.build().message());
    assertTrue(g.createAfterChat().isEmpty());
  }
}
