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
import io.chatchat.operator.observe.ApiCapabilities;
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
    assertEquals(AnswerCache.Mode.PASS_THROUGH, CacheModes.decide(p, live, false, null).mode());
    assertEquals(
        AnswerCache.Mode.STORED,
        CacheModes.decide(p, live, true, null).mode(),
        "no pass-through while the LLM waits for GPUs and does not move");
    DesiredState d = decide(p, live);
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
        DesiredState.decide(
            TierSpecs.of(p, live, secrets),
            live,
            secrets,
            RolloutInputs.NONE,
            ApiCapabilities.NONE);
    return d.infra().stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().endsWith("-cache-proxy"))
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aScaleTheControllerHasNotSeenYetChangesNothing() {
    ChatchatCluster c = cached("same/model");
    Plan steady = new Plan(RolloutMode.STEADY, c, null, null, "r", "{}", "r", List.of());
    Deployment live = llm(c);
    io.chatchat.operator.observe.Readiness.stamp(live);
    live.getMetadata().setGeneration(3L);
    live.setStatus(
        new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder()
            .withObservedGeneration(2L)
            .withReplicas(1)
            .withUpdatedReplicas(1)
            .build());
    CacheModes.Decision stored = new CacheModes.Decision(c, AnswerCache.Mode.STORED, 4);
    CacheModes.Decision d =
        CacheModes.decide(
            steady, LiveState.of(Map.of(Deployment.class, List.of(live))), false, stored.status());
    assertEquals(AnswerCache.Mode.STORED, d.mode());
    assertEquals(4, d.round());
  }

  @Test
  void turningTheCacheOffKeepsTheProxyWhileOldChatchatPodsCallIt() {
    ChatchatCluster stable = cached("same/model");
    ChatchatCluster want = cached("same/model");
    want.getSpec().cache.enabled = false;
    for (Tier t : List.of(Tier.Cache, Tier.Init, Tier.API, Tier.WebUI)) {
      Plan p = plan(RolloutMode.ROLLING, want, stable, t);
      assertTrue(
          CacheModes.decide(p, LiveState.of(Map.of()), false, null).spec() == stable, t.name());
    }
    Plan done = new Plan(RolloutMode.STEADY, want, null, null, "r", "{}", "r", List.of());
    assertFalse(
        CacheModes.decide(done, LiveState.of(Map.of()), false, null)
            .spec()
            .getSpec()
            .cache
            .enabled);
  }

  @Test
  void theCacheTierStoresUnderTheNewEpoch() {
    ChatchatCluster stable = cached("old/model");
    ChatchatCluster want = cached("new/model");
    Plan p = plan(RolloutMode.ROLLING, want, stable, Tier.Cache);
    LiveState live = LiveState.of(Map.of());
    DesiredState d = decide(p, live);
    assertEquals("Stored", d.cache().mode);
    assertEquals(AnswerCache.epoch(want), d.cache().epoch);
  }

  @Test
  void aRolloutThatKeepsTheLlmKeepsStoring() {
    ChatchatCluster stable = cached("same/model");
    ChatchatCluster want = cached("same/model");
    want.getSpec().image = "chatimage/chatchat:next";
    Plan p = plan(RolloutMode.ROLLING, want, stable, Tier.Models);
    assertEquals(
        AnswerCache.Mode.STORED, CacheModes.decide(p, LiveState.of(Map.of()), false, null).mode());
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
    CacheModes.Decision during =
        CacheModes.decide(
            back, LiveState.of(Map.of(Deployment.class, List.of(failed))), false, null);
    assertEquals(AnswerCache.Mode.PASS_THROUGH, during.mode());
    Deployment restored = llm(stable);
    io.chatchat.operator.observe.Readiness.stamp(restored);
    restored.setStatus(failed.getStatus());
    restored.getMetadata().setGeneration(2L);
    LiveState lagging = LiveState.of(Map.of(Deployment.class, List.of(restored)));
    assertEquals(
        AnswerCache.Mode.PASS_THROUGH,
        CacheModes.decide(back, lagging, false, during.status()).mode(),
        "the controller has not seen the rollback yet: as before");
    restored.getMetadata().setGeneration(1L);
    LiveState settled = LiveState.of(Map.of(Deployment.class, List.of(restored)));
    CacheModes.Decision after = CacheModes.decide(back, settled, false, during.status());
    assertEquals(AnswerCache.Mode.STORED, after.mode());
    assertEquals(1, after.round(), "a new round: nothing stored during the change is read");
    assertEquals(1, CacheModes.decide(back, settled, false, after.status()).round());
  }

  private DesiredState decide(Plan p, LiveState live) {
    return DesiredState.decide(
        TierSpecs.of(p, live, noSecrets),
        live,
        noSecrets,
        RolloutInputs.NONE,
        ApiCapabilities.NONE);
  }
}
