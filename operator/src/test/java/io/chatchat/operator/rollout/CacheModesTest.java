package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.AnswerCache;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the answer cache stores, and when the proxy passes through while the LLM rolls. */
class CacheModesTest {
  private final SecretsView noSecrets = new SecretsView(name -> null);

  private static ChatchatCluster cached(String model) {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().cache.enabled = true;
    c.getSpec().llm.vllm.model = model;
    return c;
  }

  private static Plan plan(RolloutMode mode, ChatchatCluster want, ChatchatCluster stable, Tier t) {
    RolloutStatus r = new RolloutStatus();
    r.phase = RolloutStatus.Phase.Progressing;
    r.revision = "new";
    r.tier = t;
    return new Plan(mode, want, stable, r, "new", "{}", "old", List.of());
  }

  private static Deployment llm(ChatchatCluster c) {
    for (HasMetadata o : ModelServers.desired(c, null, null)) {
      if (o instanceof Deployment d && Names.llm(c).equals(d.getMetadata().getName())) {
        return d;
      }
    }
    throw new AssertionError();
  }

  @Test
  void theModelTierOfANewLlmPassesThroughAndTheLlmWaitsForTheProxies() {
    ChatchatCluster stable = cached("old/model");
    ChatchatCluster want = cached("new/model");
    Plan p = plan(RolloutMode.ROLLING, want, stable, Tier.Models);
    LiveState live = LiveState.of(Map.of());
    assertEquals(AnswerCache.Mode.PASS_THROUGH, CacheModes.decide(p, live));
    DesiredState d =
        DesiredState.decide(TierSpecs.of(p, live, noSecrets), live, noSecrets, RolloutInputs.NONE);
    Deployment rendered =
        d.infra().stream()
            .filter(
                o -> o instanceof Deployment && Names.llm(want).equals(o.getMetadata().getName()))
            .map(Deployment.class::cast)
            .findFirst()
            .orElseThrow();
    assertEquals(
        llm(stable).getSpec().getTemplate(),
        rendered.getSpec().getTemplate(),
        "the LLM is held at its stable spec until the proxies pass through");
    assertFalse(d.progress().modelsSettled());
    assertEquals("PassThrough", d.cache().mode);
    assertEquals(AnswerCache.epoch(stable), d.cache().epoch, "the proxy's epoch moves later");
  }

  @Test
  void rotatingTheLlmKeyRestartsTheProxies() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().cache.enabled = true;
    c.getSpec().llm.external.apiKeySecretRef =
        new io.chatchat.operator.api.v1alpha1.SecretKeyRef("llm", "key");
    Plan p = new Plan(RolloutMode.STEADY, c, null, null, "r", "{}", "r", List.of());
    LiveState live = LiveState.of(Map.of());
    assertFalse(
        proxy(p, live, keyed("one"))
            .getSpec()
            .getTemplate()
            .equals(proxy(p, live, keyed("two")).getSpec().getTemplate()));
  }

  private static SecretsView keyed(String key) {
    return new SecretsView(
        name ->
            "llm".equals(name)
                ? new io.fabric8.kubernetes.api.model.SecretBuilder()
                    .withNewMetadata()
                    .withName("llm")
                    .endMetadata()
                    .addToData("key", key)
                    .build()
                : null);
  }

  private static Deployment proxy(Plan p, LiveState live, SecretsView secrets) {
    DesiredState d =
        DesiredState.decide(TierSpecs.of(p, live, secrets), live, secrets, RolloutInputs.NONE);
    return d.infra().stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().endsWith("-cache-proxy"))
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theCacheTierStoresUnderTheNewEpoch() {
    ChatchatCluster stable = cached("old/model");
    ChatchatCluster want = cached("new/model");
    Plan p = plan(RolloutMode.ROLLING, want, stable, Tier.Cache);
    LiveState live = LiveState.of(Map.of());
    DesiredState d =
        DesiredState.decide(TierSpecs.of(p, live, noSecrets), live, noSecrets, RolloutInputs.NONE);
    assertEquals("Stored", d.cache().mode);
    assertEquals(AnswerCache.epoch(want), d.cache().epoch);
  }

  @Test
  void aRolloutThatKeepsTheLlmKeepsStoring() {
    ChatchatCluster stable = cached("same/model");
    ChatchatCluster want = cached("same/model");
    want.getSpec().image = "chatimage/chatchat:next";
    Plan p = plan(RolloutMode.ROLLING, want, stable, Tier.Models);
    assertEquals(AnswerCache.Mode.STORED, CacheModes.decide(p, LiveState.of(Map.of())));
  }

  @Test
  void aRollbackPassesThroughUntilEveryLlmPodRunsTheStableModelAgain() {
    ChatchatCluster stable = cached("old/model");
    Plan back = plan(RolloutMode.ROLLED_BACK, stable, stable, Tier.Models);
    Deployment failed = llm(cached("new/model"));
    io.chatchat.operator.observe.Readiness.stamp(failed);
    failed.setStatus(
        new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
            .withObservedGeneration(1L)
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .build());
    failed.getMetadata().setGeneration(1L);
    assertEquals(
        AnswerCache.Mode.PASS_THROUGH,
        CacheModes.decide(back, LiveState.of(Map.of(Deployment.class, List.of(failed)))));
    Deployment restored = llm(stable);
    io.chatchat.operator.observe.Readiness.stamp(restored);
    restored.setStatus(failed.getStatus());
    restored.getMetadata().setGeneration(1L);
    assertTrue(
        CacheModes.decide(back, LiveState.of(Map.of(Deployment.class, List.of(restored))))
            == AnswerCache.Mode.STORED);
  }
}
