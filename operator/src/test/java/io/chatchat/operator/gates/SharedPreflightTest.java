package io.chatchat.operator.gates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.Plan;
import io.chatchat.operator.rollout.TierSpecs;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Clusters whose preflight pods are equal share one preflight Job, and remember it passed. */
class SharedPreflightTest {
  private static final List<String> MODULES = List.of("pymysql", "elasticsearch");
  private final SecretsView secrets = VersionGatesTest.SECRETS;

  private static ChatchatCluster named(String name) {
    ChatchatCluster cr = TestClusters.external();
    cr.getMetadata().setName(name);
    return cr;
  }

  private VersionGates evaluate(ChatchatCluster cr, LiveState live) {
    Plan plan = new Plan(RolloutMode.STEADY, cr, null, null, "rev", null, null, List.of());
    return VersionGates.evaluate(TierSpecs.of(plan, live, secrets), live, secrets);
  }

  private static Job ended(Job job, String condition) {
    return TestClusters.ended(job, condition);
  }

  private static LiveState sharing(Job other) {
    return LiveState.EMPTY.withSharedPreflights(
        Map.of(other.getMetadata().getLabels().get(ChatchatJobs.PREFLIGHT_KEY_LABEL), other));
  }

  @Test
  void equalPreflightPodsHaveOneKeyWhateverTheClusterAndItsSettings() {
    ChatchatCluster a = named("a");
    ChatchatCluster b = named("b");
    b.getSpec().api.replicas = 7;
    Job ja = ChatchatJobs.preflight(a, MODULES);
    Job jb = ChatchatJobs.preflight(b, MODULES);
    assertNotEquals(ja.getMetadata().getName(), jb.getMetadata().getName());
    assertEquals(SharedPreflight.key(ja), SharedPreflight.key(jb));
    var pod = ja.getSpec().getTemplate().getSpec();
    assertTrue(
        pod.getVolumes().stream().allMatch(v -> v.getEmptyDir() != null),
        "no settings, no claim: " + pod.getVolumes());
    assertTrue(
        pod.getContainers().get(0).getEnv().stream().allMatch(e -> e.getValueFrom() == null),
        "no Secret of the cluster's");
    assertEquals("a", ja.getSpec().getTemplate().getMetadata().getLabels().get(Labels.INSTANCE));

    b.getSpec().imagePullSecrets = List.of(new LocalObjectReference("registry"));
    assertNotEquals(
        SharedPreflight.key(ja), SharedPreflight.key(ChatchatJobs.preflight(b, MODULES)));
    ChatchatCluster c = named("c");
    c.getSpec().api.nodeSelector = Map.of("kubernetes.io/arch", "arm64");
    assertNotEquals(
        SharedPreflight.key(ja), SharedPreflight.key(ChatchatJobs.preflight(c, MODULES)));
    ChatchatCluster d = named("d");
    d.getSpec().image = "chatchat:other";
    assertNotEquals(
        SharedPreflight.key(ja), SharedPreflight.key(ChatchatJobs.preflight(d, MODULES)));
  }

  @Test
  void aClusterWaitsForAnotherClustersRunningPreflightInsteadOfCreatingItsOwn() {
    Job other = ChatchatJobs.preflight(named("first"), MODULES);
    VersionGates g = evaluate(named("second"), sharing(other));
    assertEquals(GateState.RUNNING, g.preflight().state());
    assertTrue(g.preflight().message().contains("of cluster first"), g.preflight().message());
    assertTrue(g.create().isEmpty(), "no Job of its own: " + g.create());
    assertEquals(other, g.sharedPreflight());
    assertNull(g.driversChecked());
  }

  @Test
  void anotherClustersPassedPreflightPassesThisOneAndIsRemembered() {
    Job other = ended(ChatchatJobs.preflight(named("first"), MODULES), "Complete");
    VersionGates g = evaluate(named("second"), sharing(other));
    assertEquals(GateState.SUCCEEDED, g.preflight().state());
    assertEquals(
        GateState.RUNNING, g.init().state(), "the tables come next: " + g.init().message());
    assertNull(g.sharedPreflight(), "nothing to wait for");
    assertEquals(other.getMetadata().getLabels().get(ChatchatJobs.HASH_LABEL), g.driversChecked());
    assertTrue(g.create().stream().noneMatch(j -> j.getMetadata().getName().contains("preflight")));
  }

  @Test
  void aRememberedPassNeedsNoJobAtAll() {
    ChatchatCluster cr = named("second");
    String hash =
        ChatchatJobs.preflight(cr, MODULES).getMetadata().getLabels().get(ChatchatJobs.HASH_LABEL);
    cr.setStatus(new ChatchatClusterStatus());
    cr.getStatus().driversChecked = hash;
    VersionGates g = evaluate(cr, LiveState.EMPTY);
    assertEquals(GateState.SUCCEEDED, g.preflight().state());
    assertTrue(
        g.preflight().message().endsWith("(" + SharedPreflight.RECORDED + ")"),
        g.preflight().message());

    cr.getSpec().image = "chatchat:next";
    VersionGates next = evaluate(cr, LiveState.EMPTY);
    assertEquals(GateState.RUNNING, next.preflight().state(), "a new image is checked");
    assertEquals(1, next.create().size());
  }

  @Test
  void aSharedPreflightThatFailedIsNotTrustedTheClusterRunsItsOwn() {
    Job other = ended(ChatchatJobs.preflight(named("first"), MODULES), "Failed");
    VersionGates g = evaluate(named("second"), sharing(other));
    assertEquals(GateState.RUNNING, g.preflight().state());
    assertEquals("second", g.create().get(0).getMetadata().getLabels().get(Labels.INSTANCE));
    assertNull(g.sharedPreflight());
  }

  @Test
  void aJobWithTheRightLabelsIsNotTrustedUnlessAClusterControlsItAndItRunsThisPreflight() {
    Job other = ended(ChatchatJobs.preflight(named("first"), MODULES), "Complete");
    Job foreign = new JobBuilder(other).editMetadata().withOwnerReferences().endMetadata().build();
    VersionGates g = evaluate(named("second"), sharing(foreign));
    assertEquals("second", g.create().get(0).getMetadata().getLabels().get(Labels.INSTANCE));
    Job otherCommand =
        new JobBuilder(other)
            .editSpec()
            .editTemplate()
            .editSpec()
            .editFirstContainer()
            .withCommand("true")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    g = evaluate(named("second"), sharing(otherCommand));
    assertEquals("second", g.create().get(0).getMetadata().getLabels().get(Labels.INSTANCE));
  }

  @Test
  void theClustersOwnJobDecidesWhenItExists() {
    ChatchatCluster cr = named("second");
    Job own = ended(ChatchatJobs.preflight(cr, MODULES), "Failed");
    Job other = ended(ChatchatJobs.preflight(named("first"), MODULES), "Complete");
    VersionGates g =
        evaluate(
            cr,
            LiveState.of(Map.of(Job.class, List.of(own)))
                .withSharedPreflights(Map.of(SharedPreflight.key(other), other)));
    assertEquals(GateState.FAILED, g.preflight().state());
    assertEquals(VersionGates.REASON_DRIVER_MISSING, g.problems().get(0).reason());
  }

  @Test
  void passingThroughAnotherClustersJobDeletesThisClustersOlderPreflights() {
    ChatchatCluster cr = named("second");
    ChatchatCluster old = named("second");
    old.getSpec().image = "chatchat:old";
    Job older = ended(ChatchatJobs.preflight(old, MODULES), "Complete");
    Job other = ended(ChatchatJobs.preflight(named("first"), MODULES), "Complete");
    VersionGates g =
        evaluate(
            cr,
            LiveState.of(Map.of(Job.class, List.of(older)))
                .withSharedPreflights(Map.of(SharedPreflight.key(other), other)));
    assertEquals(
        List.of(older.getMetadata().getName()),
        g.delete().stream().map(j -> j.getMetadata().getName()).toList());
  }
}
