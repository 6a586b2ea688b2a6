package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutPlanTest {

  @Test
  void defaultStepsOnFourReplicasAreOneTwoFour() {
    assertEquals(List.of(1, 2, 4), RolloutPlan.canaryCounts(List.of("1", "50%", "100%"), 4));
  }

  @Test
  void stepsAreClampedRoundedUpDeduplicatedAndEndAtAllPods() {
    // 2 replicas: 1, 50% = 1 (dropped: adds no pod), 100% = 2.
    assertEquals(List.of(1, 2), RolloutPlan.canaryCounts(List.of("1", "50%", "100%"), 2));
    assertEquals(List.of(1), RolloutPlan.canaryCounts(List.of("1", "50%", "100%"), 1));
    // 10%: rounded up to 1 pod of 5; a count above the replicas is all of them.
    assertEquals(List.of(1, 5), RolloutPlan.canaryCounts(List.of("10%", "40"), 5));
    // No 100% step given: it is implied.
    assertEquals(List.of(3, 6), RolloutPlan.canaryCounts(List.of("50%"), 6));
  }

  @Test
  void malformedStepsAreNamed() {
    assertNull(RolloutPlan.invalidStep(List.of("1", "25%", "100%")));
    assertTrue(RolloutPlan.invalidStep(List.of("0")).contains("\"0\""));
    assertTrue(RolloutPlan.invalidStep(List.of("150%")).contains("150%"));
    assertTrue(RolloutPlan.invalidStep(List.of("half")).contains("half"));
  }

  @Test
  void scalingIsNotANewRevisionButAnImageOrASecretIs() {
    ChatchatClusterSpec a = TestClusters.external().getSpec();
    String rev = RolloutPlan.revision(a, Map.of("db", "d1"));
    ChatchatClusterSpec scaled = RolloutPlan.fromJson(RolloutPlan.toJson(a));
    scaled.api.replicas = 7;
    scaled.webui.replicas = 3;
    scaled.rollout.paused = true;
    scaled.rollout.canarySteps = List.of("2");
    assertEquals(rev, RolloutPlan.revision(scaled, Map.of("db", "d1")));

    ChatchatClusterSpec upgraded = RolloutPlan.fromJson(RolloutPlan.toJson(a));
    upgraded.image = "chatchat:0.3.2";
    assertNotEquals(rev, RolloutPlan.revision(upgraded, Map.of("db", "d1")));
    assertNotEquals(rev, RolloutPlan.revision(a, Map.of("db", "d2")), "a rotated password");
    ChatchatClusterSpec rebuilt = RolloutPlan.copy(a);
    rebuilt.knowledgeBase.build.revision = "files-added";
    assertEquals(rev, RolloutPlan.revision(rebuilt, Map.of("db", "d1")), "a rebuild rolls nothing");
  }

  @Test
  void theStableSpecKeepsTodaysScale() {
    ChatchatClusterSpec stable = TestClusters.managed().getSpec();
    stable.api.replicas = 2;
    ChatchatClusterSpec current = RolloutPlan.fromJson(RolloutPlan.toJson(stable));
    current.image = "chatchat:next";
    current.api.replicas = 6;
    current.llm.vllm.replicas = 3;
    current.rollout.stepDeadlineSeconds = 42;
    current.knowledgeBase.build.revision = "after-upload";
    ChatchatClusterSpec back = RolloutPlan.stableWithCurrentScale(stable, current);
    assertEquals(stable.image, back.image);
    assertEquals(6, back.api.replicas);
    assertEquals(3, back.llm.vllm.replicas);
    assertEquals(42, back.rollout.stepDeadlineSeconds);
    assertEquals("after-upload", back.knowledgeBase.build.revision, "no rebuild undone");
  }

  @Test
  void anUnreadableStableSpecIsNamedNotThrown() {
    assertNull(RolloutPlan.unreadableStableSpec(null));
    assertNull(
        RolloutPlan.unreadableStableSpec(RolloutPlan.toJson(TestClusters.external().getSpec())));
    assertTrue(RolloutPlan.unreadableStableSpec("{not json") != null);
    assertEquals(
        "it lacks metadataStore, vectorStore, llm or embedding",
        RolloutPlan.unreadableStableSpec("{}"));
  }

  @Test
  void anOffCacheIsNoRevisionAndItsProxyReplicasAreScale() {
    var spec = io.chatchat.operator.TestClusters.external().getSpec();
    String before = RolloutPlan.revision(spec, java.util.Map.of());
    spec.cache = null;
    org.junit.jupiter.api.Assertions.assertEquals(
        RolloutPlan.revision(spec, java.util.Map.of()),
        before,
        "the same revision as before the cache existed");
    spec.cache = new io.chatchat.operator.api.v1alpha1.CacheSpec();
    spec.cache.enabled = true;
    String on = RolloutPlan.revision(spec, java.util.Map.of());
    org.junit.jupiter.api.Assertions.assertNotEquals(before, on);
    spec.cache.proxy.replicas = 7;
    org.junit.jupiter.api.Assertions.assertEquals(
        on, RolloutPlan.revision(spec, java.util.Map.of()));
  }
}
