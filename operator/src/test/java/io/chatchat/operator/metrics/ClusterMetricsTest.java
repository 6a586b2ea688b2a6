package io.chatchat.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.prometheus.client.CollectorRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-cluster gauges from the cache, and the time from a spec to Ready. */
class ClusterMetricsTest {
  private static ChatchatCluster cluster(String name, boolean ready, RolloutStatus rollout) {
    ChatchatCluster c = TestClusters.external();
    c.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team")
            .withUid(name + "-uid")
            .withGeneration(2L)
            .build());
    ChatchatClusterStatus st = new ChatchatClusterStatus();
    st.observedGeneration = 2L;
    st.phase = ready ? ChatchatClusterStatus.Phase.Ready : ChatchatClusterStatus.Phase.Progressing;
    st.conditions.add(
        new ConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build());
    st.rollout = rollout;
    c.setStatus(st);
    return c;
  }

  private static RolloutStatus rolling(RolloutStatus.Tier tier, Integer step) {
    RolloutStatus r = new RolloutStatus();
    r.phase = RolloutStatus.Phase.Progressing;
    r.tier = tier;
    r.step = step;
    r.steps = 3;
    return r;
  }

  private static double value(CollectorRegistry r, String name, String... labels) {
    Double v = r.getSampleValue(name, names(name, labels.length), labels);
    assertNotNull(v, name + " " + List.of(labels));
    return v;
  }

  private static String[] names(String metric, int n) {
    if (n == 2) {
      return new String[] {"namespace", "cluster"};
    }
    String third =
        switch (metric) {
          case ClusterMetrics.ROLLOUT_TIER -> "tier";
          case ClusterMetrics.CONDITION -> "condition";
          case ClusterMetrics.READY_REPLICAS, ClusterMetrics.DESIRED_REPLICAS -> "component";
          default -> "phase";
        };
    return new String[] {"namespace", "cluster", third};
  }

  @Test
  void eachClusterInTheCacheIsOneSetOfSeriesAndADeletedOneNone() {
    List<ChatchatCluster> cache = new ArrayList<>();
    cache.add(cluster("a", true, null));
    cache.add(cluster("b", false, rolling(RolloutStatus.Tier.API, 2)));
    CollectorRegistry registry = new CollectorRegistry();
    new ClusterMetrics(() -> cache).register(registry);

    assertEquals(1, value(registry, ClusterMetrics.READY, "team", "a"));
    assertEquals(0, value(registry, ClusterMetrics.READY, "team", "b"));
    assertEquals(1, value(registry, ClusterMetrics.PHASE, "team", "a", "Ready"));
    assertEquals(0, value(registry, ClusterMetrics.PHASE, "team", "a", "Progressing"));
    assertEquals(1, value(registry, ClusterMetrics.ROLLOUT_TIER, "team", "b", "API"));
    assertEquals(0, value(registry, ClusterMetrics.ROLLOUT_TIER, "team", "b", "Cache"));
    assertEquals(2, value(registry, ClusterMetrics.ROLLOUT_STEP, "team", "b"));
    assertEquals(1, value(registry, ClusterMetrics.ROLLOUT_PHASE, "team", "b", "Progressing"));
    assertEquals(0, value(registry, ClusterMetrics.CONDITION, "team", "b", "Ready"));

    cache.remove(0);
    assertNull(
        registry.getSampleValue(
            ClusterMetrics.READY,
            new String[] {"namespace", "cluster"},
            new String[] {"team", "a"}),
        "a deleted cluster leaves no series");
  }

  @Test
  void aGenerationIsTimedOnceFromFirstSightToReadyAfterItsRollout() {
    SpecReadyTimer timer = new SpecReadyTimer();
    Instant t0 = Instant.parse("2026-12-06T00:00:00Z");
    ChatchatCluster c = cluster("a", false, rolling(RolloutStatus.Tier.Models, null));
    assertNull(timer.observe(c, c.getStatus(), t0));
    ChatchatCluster ready = cluster("a", true, rolling(RolloutStatus.Tier.WebUI, null));
    assertNull(
        timer.observe(ready, ready.getStatus(), t0.plusSeconds(20)), "Ready mid-rollout is not it");
    ready.getStatus().rollout.phase = RolloutStatus.Phase.Completed;
    assertEquals(
        Duration.ofSeconds(42), timer.observe(ready, ready.getStatus(), t0.plusSeconds(42)));
    assertNull(timer.observe(ready, ready.getStatus(), t0.plusSeconds(50)), "once");

    // A new generation: timed from this pass, whose cluster still shows the old one.
    ready.getMetadata().setGeneration(3L);
    ChatchatCluster next = cluster("a", true, null);
    next.getStatus().observedGeneration = 3L;
    assertNull(timer.observe(ready, cluster("a", false, null).getStatus(), t0.plusSeconds(60)));
    assertEquals(Duration.ofSeconds(5), timer.observe(ready, next.getStatus(), t0.plusSeconds(65)));
  }

  @Test
  void aClusterAlreadyReadyWhenFirstSeenIsNotTimed() {
    SpecReadyTimer timer = new SpecReadyTimer();
    ChatchatCluster ready = cluster("b", true, null);
    assertNull(
        timer.observe(ready, ready.getStatus(), Instant.now()),
        "an operator restart is no 0 s rollout");
  }
}
