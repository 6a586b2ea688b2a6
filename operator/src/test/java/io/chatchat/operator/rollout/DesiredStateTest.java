package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What one pass decides to write, from the plan and the live state alone. */
class DesiredStateTest {
  private final SecretsView noSecrets = new SecretsView(name -> null);

  private static Plan rolling(ChatchatCluster target, ChatchatCluster stable, Tier tier) {
    RolloutStatus r = new RolloutStatus();
    r.phase = RolloutStatus.Phase.Progressing;
    r.revision = "new";
    r.tier = tier;
    return new Plan(RolloutMode.ROLLING, target, stable, r, "new", "{}", "old", List.of());
  }

  private DesiredState decide(Plan plan, LiveState live) {
    return DesiredState.decide(
        TierSpecs.of(plan, live, noSecrets), live, noSecrets, RolloutInputs.NONE);
  }

  private static Deployment named(List<HasMetadata> objects, String name) {
    return objects.stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(name))
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aModelServerAlreadyRollingOneAtATimeKeepsThatStrategy() {
    ChatchatCluster target = TestClusters.managed();
    ChatchatCluster stable = TestClusters.managed();
    stable.getSpec().llm.vllm.model = "old/model";
    Deployment rollingLlm =
        ModelServers.withStrategy(
            named(ModelServers.desired(target, null, null), Names.llm(target)),
            ModelServers.oneAtATime());
    Readiness.stamp(rollingLlm);
    LiveState live = LiveState.of(Map.of(Deployment.class, List.of(rollingLlm)));
    Plan plan = rolling(target, stable, Tier.Models);
    assertFalse(DesiredState.needsCapacity(plan, live), "the template is applied already");
    Deployment llm = named(decide(plan, live).infra(), Names.llm(target));
    assertEquals(0, llm.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal());
  }

  @Test
  void tiersAfterTheCurrentOneRenderTheStableSpec() {
    ChatchatCluster target = TestClusters.external();
    target.getSpec().image = "chatchat:new";
    target.getSpec().knowledgeBase.build.enabled = true;
    ChatchatCluster stable = TestClusters.external();
    stable.getSpec().image = "chatchat:old";
    DesiredState d = decide(rolling(target, stable, Tier.Models), LiveState.EMPTY);
    Deployment api = named(d.chat(), Names.api(target));
    assertEquals(
        "chatchat:old", api.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertEquals("Waiting for the rollout to finish", d.gates().build().message());
  }

  @Test
  void aFirstInstallStartsNoChatPodBeforeTheDriverPreflightPassed() {
    ChatchatCluster cr = TestClusters.external();
    Plan steady = new Plan(RolloutMode.STEADY, cr, null, null, "rev", null, null, List.of());
    DesiredState d = decide(steady, LiveState.EMPTY);
    assertTrue(d.chat().isEmpty());
    assertEquals(GateState.RUNNING, d.gates().preflight().state());
    assertEquals(1, d.gates().create().size(), "the preflight Job");
    assertEquals(GateState.WAITING, d.gates().init().state());
    assertTrue(
        d.infra().stream().anyMatch(o -> o.getMetadata().getName().equals(Names.api(cr))),
        "the API Service comes first");
  }

  @Test
  void aSinglePodClusterNeedsNoGateAndStartsAtOnce() {
    ChatchatCluster cr = TestClusters.singlePod();
    Plan steady = new Plan(RolloutMode.STEADY, cr, null, null, "rev", null, null, List.of());
    DesiredState d = decide(steady, LiveState.EMPTY);
    assertTrue(d.gates().chatMayStart());
    assertEquals(
        ApiComponent.deployment(cr, d.configHash()).getSpec(),
        named(d.chat(), Names.api(cr)).getSpec());
    assertTrue(d.canary() == null && d.canaryToDelete() == null);
  }
}
