package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.status.RolloutMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  /** A cluster whose stable spec ran image "old", now asking for {@code image}. */
  static ChatchatCluster upgradedTo(String image) {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().image = "chatchat:old";
    ChatchatClusterStatus s = new ChatchatClusterStatus();
    s.lastStableSpec = RolloutPlan.toJson(c.getSpec());
    s.stableRevision = RolloutPlan.revision(c.getSpec(), Map.of());
    c.setStatus(s);
    c.getSpec().image = image;
    return c;
  }

  static RolloutStatus rolling(ChatchatCluster c, Tier tier) {
    RolloutStatus r = new RolloutStatus();
    r.phase = RolloutStatus.Phase.Progressing;
    r.revision = RolloutPlan.revision(c.getSpec(), Map.of());
    r.tier = tier;
    r.stepStartedAt = NOW.minusSeconds(5).toString();
    r.message = "going";
    return r;
  }

  private static List<String> reasons(Plan p) {
    return p.notices().stream().map(Notice::reason).toList();
  }

  @Test
  void aFirstInstallIsSteady() {
    Plan p = RolloutPlanner.plan(TestClusters.external(), Map.of(), NOW);
    assertEquals(RolloutMode.STEADY, p.mode());
    assertNull(p.rollout());
    assertTrue(p.notices().isEmpty());
    assertEquals(Tier.Done, p.tier());
  }

  @Test
  void theStableRevisionIsSteady() {
    ChatchatCluster c = upgradedTo("chatchat:old");
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.STEADY, p.mode());
    assertEquals(c.getStatus().stableRevision, p.revision());
  }

  @Test
  void aNewRevisionStartsARolloutAtThePreflight() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.ROLLING, p.mode());
    assertEquals(Tier.Preflight, p.rollout().tier);
    assertEquals(NOW.toString(), p.rollout().stepStartedAt);
    assertEquals(List.of("RolloutStarted"), reasons(p));
    assertEquals(
        "Rolling out revision " + p.revision() + " (from " + c.getStatus().stableRevision + ")",
        p.rollout().message);
    assertEquals("started", p.notices().get(0).rolloutMetric());
    assertEquals("chatchat:old", p.stable().getSpec().image);
  }

  @Test
  void aRolloutInProgressGoesOnWithoutANewEvent() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    c.getStatus().rollout = rolling(c, Tier.Models);
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.ROLLING, p.mode());
    assertEquals(Tier.Models, p.rollout().tier);
    assertTrue(p.notices().isEmpty());
    assertNotSame(c.getStatus().rollout, p.rollout(), "decisions work on a copy");
  }

  @Test
  void eachTierRendersTheTargetUpToTheCurrentOneAndTheStableSpecAfterIt() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    c.getStatus().rollout = rolling(c, Tier.Models);
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertSame(p.want(), p.at(Tier.Stores));
    assertSame(p.want(), p.at(Tier.Models));
    assertSame(p.stable(), p.at(Tier.Init));
    assertSame(p.stable(), p.at(Tier.API));
  }

  @Test
  void aRolledBackRevisionStaysRolledBackOnTheStableSpec() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    RolloutStatus r = rolling(c, Tier.API);
    r.phase = RolloutStatus.Phase.RolledBack;
    r.failedRevision = r.revision;
    c.getStatus().rollout = r;
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.ROLLED_BACK, p.mode());
    assertEquals("chatchat:old", p.want().getSpec().image);
    assertSame(p.want(), p.at(Tier.API));
    assertTrue(p.notices().isEmpty());
  }

  @Test
  void theRetryAnnotationStartsTheFailedRevisionAgainOnce() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    RolloutStatus r = rolling(c, Tier.API);
    r.phase = RolloutStatus.Phase.RolledBack;
    r.failedRevision = r.revision;
    c.getStatus().rollout = r;
    c.getMetadata().setAnnotations(Map.of(RolloutPlanner.RETRY_ANNOTATION, "1"));
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.ROLLING, p.mode());
    assertEquals("1", p.rollout().retryToken);
    assertEquals(r.revision, p.rollout().failedRevision);
    assertTrue(p.rollout().message.startsWith("Retrying the rollout of revision "));

    // The token acted on does not start it again once it failed once more.
    p.rollout().phase = RolloutStatus.Phase.RolledBack;
    p.rollout().failedRevision = p.rollout().revision;
    c.getStatus().rollout = p.rollout();
    assertEquals(RolloutMode.ROLLED_BACK, RolloutPlanner.plan(c, Map.of(), NOW).mode());
  }

  @Test
  void aSpecBackAtTheStableRevisionEndsTheRollout() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    c.getStatus().rollout = rolling(c, Tier.API);
    c.getSpec().image = "chatchat:old";
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.STEADY, p.mode());
    assertEquals(RolloutStatus.Phase.Completed, p.rollout().phase);
    assertNull(p.rollout().tier);
    assertTrue(p.rollout().message.startsWith("The spec is back at the stable revision"));
    assertEquals(RolloutStatus.Phase.Progressing, c.getStatus().rollout.phase, "not mutated");
  }

  @Test
  void aRotatedSecretIsANewRevision() {
    ChatchatCluster c = upgradedTo("chatchat:old");
    Plan p = RolloutPlanner.plan(c, Map.of("db", "rotated"), NOW);
    assertEquals(RolloutMode.ROLLING, p.mode());
  }

  @Test
  void anUnreadableStableSpecIsRepairedToTheCurrentOne() {
    ChatchatCluster c = upgradedTo("chatchat:new");
    c.getStatus().lastStableSpec = "{not json";
    c.getStatus().rollout = rolling(c, Tier.API);
    Plan p = RolloutPlanner.plan(c, Map.of(), NOW);
    assertEquals(RolloutMode.STEADY, p.mode());
    assertEquals(List.of("StableSpecRepaired"), reasons(p));
    assertEquals(RolloutPlan.toJson(c.getSpec()), p.lastStableSpec());
    assertEquals(p.revision(), p.stableRevision());
    assertEquals("{not json", c.getStatus().lastStableSpec, "the status given is not changed");
  }
}
