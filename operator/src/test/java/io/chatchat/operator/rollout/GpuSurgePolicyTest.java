package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.ClusterCapacity;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.Notice;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Surge, replace one at a time, or hold: decided before the model servers are rendered. */
class GpuSurgePolicyTest {
  private final ChatchatCluster target = TestClusters.managed();

  /** The LLM as it runs now: the old model, stamped as the operator applies it. */
  private LiveState running(String model, int replicas) {
    ChatchatCluster old = TestClusters.managed();
    old.getSpec().llm.vllm.model = model;
    old.getSpec().llm.vllm.replicas = replicas;
    Deployment live = deployment(old);
    live.getSpec().setStrategy(new DeploymentStrategyBuilder().withType("RollingUpdate").build());
    Readiness.stamp(live);
    return LiveState.of(Map.of(Deployment.class, List.of(live)));
  }

  private static Deployment deployment(ChatchatCluster cr) {
    return (Deployment)
        ModelServers.desired(cr, null, null).stream()
            .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(Names.llm(cr)))
            .findFirst()
            .orElseThrow();
  }

  private List<HasMetadata> wanted() {
    return ModelServers.desired(target, null, null);
  }

  /** One GPU node, with {@code used} of its {@code gpus} taken by a running pod. */
  private static ClusterCapacity capacity(int gpus, int used) {
    Pod pod = GpuCapacityTest.running("gpu-0", used, "Running");
    return new ClusterCapacity(
        List.of(GpuCapacityTest.node("gpu-0", gpus, false, Map.of())), List.of(pod));
  }

  @Test
  void onlyANewGpuTemplateNeedsTheFreeGpusCounted() {
    assertTrue(GpuSurgePolicy.needsCapacity(wanted(), target, running("old/model", 1)));
    assertFalse(
        GpuSurgePolicy.needsCapacity(
            wanted(), target, running(target.getSpec().llm.vllm.model, 1)));
    assertFalse(GpuSurgePolicy.needsCapacity(wanted(), target, LiveState.EMPTY), "first install");
  }

  @Test
  void aFreeGpuSurgesAsUsual() {
    GpuSurgePolicy.Decision d =
        GpuSurgePolicy.decide(wanted(), target, running("old/model", 1), capacity(2, 1));
    assertTrue(d.strategies().isEmpty());
    assertTrue(d.held().isEmpty());
    assertNull(d.waiting());
  }

  @Test
  void noFreeGpuReplacesOneAtATimeWhenThereAreSeveralPods() {
    target.getSpec().llm.vllm.replicas = 2;
    GpuSurgePolicy.Decision d =
        GpuSurgePolicy.decide(wanted(), target, running("old/model", 2), capacity(2, 2));
    assertEquals(
        0, d.strategies().get(Names.llm(target)).getRollingUpdate().getMaxSurge().getIntVal());
    assertEquals(List.of("ReplacingOneAtATime"), d.notices().stream().map(Notice::reason).toList());
    assertNull(d.waiting());
  }

  @Test
  void noFreeGpuWithThePolicyWaitHoldsTheServer() {
    target.getSpec().llm.vllm.replicas = 2;
    target.getSpec().rollout.whenNoFreeGpu = RolloutSpec.GpuPolicy.Wait;
    GpuSurgePolicy.Decision d =
        GpuSurgePolicy.decide(wanted(), target, running("old/model", 2), capacity(2, 2));
    assertEquals(java.util.Set.of(Names.llm(target)), d.held());
    assertTrue(d.waiting().contains("whenNoFreeGpu is Wait"), d.waiting());
  }

  @Test
  void aSinglePodIsHeldRatherThanStopped() {
    GpuSurgePolicy.Decision d =
        GpuSurgePolicy.decide(wanted(), target, running("old/model", 1), capacity(1, 1));
    assertEquals(java.util.Set.of(Names.llm(target)), d.held());
    assertTrue(d.waiting().contains("with 1 replica"), d.waiting());
  }

  @Test
  void aServerAlreadyRollingKeepsItsStrategy() {
    GpuSurgePolicy.Decision d =
        GpuSurgePolicy.decide(
            wanted(), target, running(target.getSpec().llm.vllm.model, 1), capacity(1, 1));
    assertEquals("RollingUpdate", d.strategies().get(Names.llm(target)).getType());
    assertTrue(d.held().isEmpty());
  }
}
