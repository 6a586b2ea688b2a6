package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ModelScalers;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.status.GateState;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
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
    return decide(plan, live, ApiCapabilities.NONE);
  }

  private DesiredState decide(Plan plan, LiveState live, ApiCapabilities caps) {
    return DesiredState.decide(
        TierSpecs.of(plan, live, noSecrets), live, noSecrets, RolloutInputs.NONE, caps);
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

  private static ChatchatCluster kedaScaled(String model) {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().llm.vllm.model = model;
    c.getSpec().llm.vllm.gpus = 0;
    c.getSpec().embedding.tei.gpus = 0;
    c.getSpec().llm.vllm.autoscaling.enabled = true;
    c.getSpec().llm.vllm.autoscaling.keda = new ModelServerSpec.KedaScaling();
    c.getSpec().llm.vllm.autoscaling.keda.serverAddress = "http://prometheus.monitoring:9090";
    return c;
  }

  private static GenericKubernetesResource scaledObject(DesiredState d, String name) {
    return d.extras().stream()
        .filter(o -> o.getKind().equals("ScaledObject") && o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void kedaScalesTheLlmWhenItsCrdsExistAndScaleInPausesWhileTheModelTierRollsIt() {
    ChatchatCluster target = kedaScaled("new/model");
    ChatchatCluster stable = kedaScaled("old/model");
    Deployment oldLlm = named(ModelServers.desired(stable, 2, null), Names.llm(stable));
    Readiness.stamp(oldLlm);
    LiveState live = LiveState.of(Map.of(Deployment.class, List.of(oldLlm)));
    ApiCapabilities keda = new ApiCapabilities(false, true);

    DesiredState rollingModels = decide(rolling(target, stable, Tier.Models), live, keda);
    GenericKubernetesResource so = scaledObject(rollingModels, Names.llm(target));
    assertEquals("true", so.getMetadata().getAnnotations().get(ModelScalers.PAUSED_SCALE_IN));
    assertTrue(
        rollingModels.infra().stream().noneMatch(o -> o instanceof HorizontalPodAutoscaler),
        "KEDA makes its own HPA: the operator makes none");
    assertEquals(
        2,
        named(rollingModels.infra(), Names.llm(target)).getSpec().getReplicas(),
        "the live replica count is echoed: KEDA owns it");

    DesiredState laterTier = decide(rolling(target, stable, Tier.API), live, keda);
    assertFalse(
        scaledObject(laterTier, Names.llm(target))
            .getMetadata()
            .getAnnotations()
            .containsKey(ModelScalers.PAUSED_SCALE_IN),
        "only while the model tier rolls");

    DesiredState withoutKeda =
        decide(rolling(target, stable, Tier.Models), live, ApiCapabilities.NONE);
    assertTrue(withoutKeda.extras().isEmpty());
    assertTrue(
        withoutKeda.infra().stream()
            .anyMatch(
                o ->
                    o instanceof HorizontalPodAutoscaler
                        && o.getMetadata().getName().equals(Names.llm(target))),
        "without KEDA's CRDs the HPA on the custom-metrics API");
  }

  @Test
  void podMonitorsOnlyWhenAskedForAndServed() {
    ChatchatCluster cr = TestClusters.managed();
    cr.getSpec().monitoring.enabled = true;
    Plan steady = new Plan(RolloutMode.STEADY, cr, null, null, "rev", null, null, List.of());
    assertTrue(decide(steady, LiveState.EMPTY, ApiCapabilities.NONE).extras().isEmpty());
    List<String> monitors =
        decide(steady, LiveState.EMPTY, new ApiCapabilities(true, false)).extras().stream()
            .map(o -> o.getKind() + "/" + o.getMetadata().getName())
            .toList();
    assertEquals(List.of("PodMonitor/demo-llm", "PodMonitor/demo-embedding"), monitors);
  }
}
