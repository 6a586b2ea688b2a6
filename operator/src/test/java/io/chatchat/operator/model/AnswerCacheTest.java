package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.CacheSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The answer cache's objects and its epoch, from the spec alone. */
class AnswerCacheTest {
  private static ChatchatCluster cached(ChatchatCluster c) {
    c.getSpec().cache.enabled = true;
    return c;
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).findFirst().orElseThrow();
  }

  private static Map<String, EnvVar> proxyEnv(List<HasMetadata> objects) {
    return only(objects, Deployment.class)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .getEnv()
        .stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void offByDefaultItRendersNothingAndChatchatCallsTheLlm() {
    ChatchatCluster c = TestClusters.managed();
    assertTrue(AnswerCache.desired(c, AnswerCache.Mode.STORED).isEmpty());
    assertTrue(Endpoints.llm(c).baseUrl().contains(Names.llm(c)));
  }

  @Test
  void chatchatCallsTheProxyWhichCallsTheLlmAndKeepsTheKeyAndPasswordInEnv() {
    ChatchatCluster c = cached(TestClusters.external());
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("llm", "key");
    List<HasMetadata> objects = AnswerCache.desired(c, AnswerCache.Mode.STORED);
    assertEquals(
        "http://" + Names.serviceHost(c, Names.cacheProxy(c)) + ":4000/v1",
        Endpoints.llm(c).baseUrl());
    assertEquals(null, Endpoints.llm(c).apiKey(), "Chatchat no longer holds the LLM key");
    String config = only(objects, ConfigMap.class).getData().get(AnswerCache.CONFIG_KEY);
    assertTrue(config.contains("api_base: \"" + c.getSpec().llm.external.baseUrl), config);
    assertTrue(config.contains("os.environ/LLM_API_KEY"), config);
    assertTrue(config.contains("os.environ/CACHE_PASSWORD"), config);
    assertTrue(config.contains("mode: \"default_on\""), config);
    assertTrue(config.contains("ttl: 86400"), config);
    Map<String, EnvVar> env = proxyEnv(objects);
    assertEquals("llm", env.get("LLM_API_KEY").getValueFrom().getSecretKeyRef().getName());
    assertEquals(
        Names.cacheCredentials(c),
        env.get("CACHE_PASSWORD").getValueFrom().getSecretKeyRef().getName());
    assertEquals("0", env.get("AIOHTTP_KEEPALIVE_TIMEOUT").getValue());
    assertTrue(
        env.get("CACHE_NAMESPACE").getValue().endsWith(":" + AnswerCache.epoch(c) + "-0"),
        env.get("CACHE_NAMESPACE").getValue());
    StatefulSet store = only(objects, StatefulSet.class);
    String start =
        store.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand().get(2);
    assertFalse(start.contains("requirepass ") && !start.contains("$VALKEY_PASSWORD"), start);
    assertTrue(start.contains("--maxmemory 256mb --maxmemory-policy allkeys-lru"), start);
  }

  @Test
  void anExternalStoreIsNotRunAndItsPasswordComesFromTheUsersSecret() {
    ChatchatCluster c = cached(TestClusters.external());
    c.getSpec().cache.external = new CacheSpec.ExternalStore();
    c.getSpec().cache.external.host = "redis.example";
    c.getSpec().cache.external.passwordSecretRef = new SecretKeyRef("redis", "password");
    List<HasMetadata> objects = AnswerCache.desired(c, AnswerCache.Mode.STORED);
    assertTrue(objects.stream().noneMatch(o -> o instanceof StatefulSet));
    Map<String, EnvVar> env = proxyEnv(objects);
    assertEquals("redis.example", env.get("CACHE_HOST").getValue());
    assertEquals("redis", env.get("CACHE_PASSWORD").getValueFrom().getSecretKeyRef().getName());
  }

  @Test
  void theEpochFollowsTheLlmAndTheFlushValueButNotItsScale() {
    ChatchatCluster c = cached(TestClusters.managed());
    String epoch = AnswerCache.epoch(c);
    c.getSpec().llm.vllm.replicas = 3;
    assertEquals(epoch, AnswerCache.epoch(c), "more replicas of the same model");
    c.getSpec().llm.vllm.image = "vllm/vllm-openai:v0.11.0";
    String image = AnswerCache.epoch(c);
    assertNotEquals(epoch, image);
    c.getSpec().llm.vllm.extraArgs = List.of("--quantization=awq");
    assertNotEquals(image, AnswerCache.epoch(c));
    String args = AnswerCache.epoch(c);
    c.getSpec().cache.flush = "2026-12-06";
    assertNotEquals(args, AnswerCache.epoch(c));
  }

  @Test
  void passThroughStoresNothingAndRollsTheProxy() {
    ChatchatCluster c = cached(TestClusters.external());
    List<HasMetadata> stored = AnswerCache.desired(c, AnswerCache.Mode.STORED);
    List<HasMetadata> through = AnswerCache.desired(c, AnswerCache.Mode.PASS_THROUGH);
    assertTrue(
        only(through, ConfigMap.class)
            .getData()
            .get(AnswerCache.CONFIG_KEY)
            .contains("mode: \"default_off\""));
    assertNotEquals(
        only(stored, Deployment.class).getSpec().getTemplate(),
        only(through, Deployment.class).getSpec().getTemplate(),
        "the config digest in the template restarts the proxies");
  }

  @Test
  void onlyChatchatPodsReachTheProxyAndOnlyTheProxyReachesTheStore() {
    ChatchatCluster c = cached(TestClusters.external());
    Map<String, NetworkPolicy> policies =
        Scaling.storePolicies(c).stream()
            .map(NetworkPolicy.class::cast)
            .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    var proxyFrom =
        policies.get(Names.cacheProxy(c)).getSpec().getIngress().get(0).getFrom().get(0);
    assertEquals("true", proxyFrom.getPodSelector().getMatchLabels().get(Labels.STORE_CLIENT));
    var storeFrom =
        policies.get(Names.cacheStore(c)).getSpec().getIngress().get(0).getFrom().get(0);
    assertEquals(
        Labels.COMPONENT_CACHE_PROXY,
        storeFrom.getPodSelector().getMatchLabels().get(Labels.COMPONENT));
  }

  @Test
  void ttlShapes() {
    CacheSpec s = new CacheSpec();
    assertEquals(86400, s.ttlSeconds());
    s.ttl = "90m";
    assertEquals(5400, s.ttlSeconds());
    s.ttl = "45s";
    assertEquals(45, s.ttlSeconds());
  }
}
