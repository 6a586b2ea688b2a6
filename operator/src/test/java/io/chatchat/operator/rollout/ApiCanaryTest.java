package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The API canary's decisions, pass by pass, on a 4-replica API (steps 1, 2, 4). */
class ApiCanaryTest {
  private final ChatchatCluster stable = cluster("chatchat:old");
  private final ChatchatCluster target = cluster("chatchat:new");

  private static ChatchatCluster cluster(String image) {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().image = image;
    c.getSpec().api.replicas = 4;
    return c;
  }

  /** A live Deployment as the controller reports it once all its pods are Ready. */
  static Deployment live(Deployment d, int ready) {
    Readiness.stamp(d);
    d.getMetadata().setGeneration(1L);
    int n = d.getSpec().getReplicas();
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(1L)
            .withReplicas(n)
            .withUpdatedReplicas(n)
            .withReadyReplicas(ready)
            .build());
    return d;
  }

  static Pod apiPod(String name, boolean canary) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.INSTANCE, "demo");
    labels.put(Labels.COMPONENT, Labels.COMPONENT_API);
    if (canary) {
      labels.put(Labels.TRACK, Labels.TRACK_CANARY);
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withUid("uid-" + name)
        .withLabels(labels)
        .endMetadata()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .endStatus()
        .build();
  }

  private RolloutStatus at(Integer step) {
    RolloutStatus r = new RolloutStatus();
    r.tier = RolloutStatus.Tier.API;
    r.step = step;
    r.steps = step == null ? null : 3;
    return r;
  }

  private Deployment liveStable() {
    return live(ApiComponent.deployment(stable, "old-hash"), 4);
  }

  private Deployment liveCanary(int replicas, int ready) {
    return live(ApiComponent.canary(target, "new-hash", replicas), ready);
  }

  private CanaryStep step(
      Integer step,
      Deployment canary,
      List<Pod> pods,
      Set<String> endpoints,
      Map<String, SmokeRun> smoke) {
    return ApiCanary.step(
        new ApiCanary.Inputs(
            target,
            "new-hash",
            stable,
            "old-hash",
            at(step),
            liveStable(),
            canary,
            pods,
            endpoints,
            smoke));
  }

  private static Set<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }

  private static Map<String, SmokeRun> runs(List<Pod> pods, SmokeRun run) {
    Map<String, SmokeRun> m = new HashMap<>();
    pods.forEach(p -> m.put(p.getMetadata().getUid(), run));
    return m;
  }

  private static int replicas(HasMetadata d) {
    return ((Deployment) d).getSpec().getReplicas();
  }

  @Test
  void anUnchangedTemplateIsNotCanaried() {
    ChatchatCluster same = cluster("chatchat:old");
    Deployment live = live(ApiComponent.deployment(same, "old-hash"), 4);
    CanaryStep s =
        ApiCanary.step(
            new ApiCanary.Inputs(
                same,
                "old-hash",
                stable,
                "old-hash",
                at(null),
                live,
                null,
                List.of(),
                Set.of(),
                Map.of()));
    assertTrue(s.done());
    assertNull(s.step());
    assertEquals(1, s.apply().size());
    assertFalse(s.deleteCanary());
  }

  @Test
  void theFirstStepStartsOneNewPodAndKeepsAllOldOnes() {
    CanaryStep s = step(null, null, List.of(), Set.of(), Map.of());
    assertEquals(1, s.step());
    assertEquals(3, s.steps());
    assertEquals(1, replicas(s.apply().get(0)), "canary");
    assertEquals(4, replicas(s.apply().get(1)), "stable");
    assertEquals("API step 1/3: waiting for 1 new pod(s) to be Ready (0 ready)", s.message());
    assertFalse(s.advanced());
  }

  @Test
  void newPodsWaitUntilTheServiceListsThemAsReady() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s = step(1, liveCanary(1, 1), pods, Set.of(), Map.of());
    assertEquals("API step 1/3: waiting for the new pods to be ready endpoints", s.message());
    assertTrue(s.gate().isEmpty());
  }

  @Test
  void listedPodsAreSentThroughTheSmokeGates() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s = step(1, liveCanary(1, 1), pods, names(pods), Map.of());
    assertEquals(pods, s.gate());
    assertEquals("API step 1/3: smoke gates (database, chat) running on 1 new pod(s)", s.message());
    assertFalse(s.advanced());
  }

  @Test
  void aRunForAnotherConfigHashIsRunAgain() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s =
        step(1, liveCanary(1, 1), pods, names(pods), runs(pods, new SmokeRun("older", true, null)));
    assertEquals(pods, s.gate());
  }

  @Test
  void aRunningGateStartsNothingMore() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s =
        step(
            1,
            liveCanary(1, 1),
            pods,
            names(pods),
            runs(pods, new SmokeRun("new-hash", false, null)));
    assertTrue(s.gate().isEmpty());
    assertFalse(s.advanced());
  }

  @Test
  void passedGatesAdvanceToTheNextStep() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s =
        step(
            1,
            liveCanary(1, 1),
            pods,
            names(pods),
            runs(pods, new SmokeRun("new-hash", true, null)));
    assertTrue(s.advanced());
    assertEquals(2, s.step());
    assertEquals(
        "API step 1/3 passed: 1 new pod(s) Ready and through the smoke gates (database, chat)",
        s.message());
  }

  @Test
  void aFailedGateFailsTheStepAndIsUsedUp() {
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s =
        step(
            1,
            liveCanary(1, 1),
            pods,
            names(pods),
            runs(pods, new SmokeRun("new-hash", true, "smoke gate failed on pod c1: 500")));
    assertEquals("API step 1/3: smoke gate failed on pod c1: 500", s.failure());
    assertEquals(List.of("uid-c1"), s.forget());
    assertFalse(s.advanced());
  }

  @Test
  void withoutGatesReadyEndpointsAreEnough() {
    target.getSpec().rollout.smokeGates.database = false;
    target.getSpec().rollout.smokeGates.chat = false;
    List<Pod> pods = List.of(apiPod("c1", true));
    CanaryStep s = step(1, liveCanary(1, 1), pods, names(pods), Map.of());
    assertTrue(s.advanced());
    assertTrue(s.gate().isEmpty());
  }

  @Test
  void theSecondStepShrinksTheStableByThePodsOfTheFirst() {
    CanaryStep s = step(2, liveCanary(1, 1), List.of(), Set.of(), Map.of());
    assertEquals(2, replicas(s.apply().get(0)), "canary at step 2");
    assertEquals(3, replicas(s.apply().get(1)), "stable: 4 - 1");
  }

  @Test
  void promotionRollsTheStableDeploymentWhileTheCanaryServes() {
    CanaryStep s = step(4, liveCanary(4, 4), List.of(), Set.of(), Map.of());
    assertEquals(2, s.apply().size());
    assertEquals(4, replicas(s.apply().get(0)), "the canary keeps all its pods");
    assertEquals("API: promoting the new version to demo-api", s.message());
    assertFalse(s.done());
    assertFalse(s.deleteCanary());
  }

  /** A pass after promotion: the API Deployment runs the new template on all its pods. */
  private CanaryStep promoted(List<Pod> pods, Set<String> endpoints) {
    Deployment promoted = live(ApiComponent.deployment(target, "new-hash"), 4);
    return ApiCanary.step(
        new ApiCanary.Inputs(
            target,
            "new-hash",
            stable,
            "old-hash",
            at(4),
            promoted,
            liveCanary(4, 4),
            pods,
            endpoints,
            Map.of()));
  }

  @Test
  void aPromotedStableDeploymentThatServesEndsTheCanary() {
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pods.add(apiPod("s" + i, false));
    }
    CanaryStep s = promoted(pods, names(pods));
    assertTrue(s.done());
    assertTrue(s.deleteCanary());
    assertEquals("API: 4 pod(s) run the new version", s.message());
  }

  @Test
  void promotedPodsNotYetListedKeepTheCanary() {
    List<Pod> pods = List.of(apiPod("s0", false));
    CanaryStep s = promoted(pods, Set.of());
    assertFalse(s.done());
    assertFalse(s.deleteCanary());
    assertEquals("API: waiting for the promoted pods to be ready endpoints", s.message());
  }
}
