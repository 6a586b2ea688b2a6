package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.chatchat.operator.model.AnswerCache;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The answer cache through a vLLM upgrade on the real API server and controllers (kwok's pods run
 * nothing: the order of what the operator writes is the subject here; the cache's behaviour is
 * {@link AnswerCacheE2ETest}'s).
 */
class AnswerCacheRolloutE2ETest extends E2ETest {
  private static final String NEW_MODEL = "Qwen/Qwen2.5-7B-Instruct-AWQ";

  @Test
  void anLlmUpgradePassesThroughBeforeTheNewModelServesAndStoresUnderANewEpochAfter()
      throws Exception {
    ChatchatCluster c = Clusters.valid("cachellm");
    c.getSpec().webui.enabled = false;
    c.getSpec().llm.external = null;
    c.getSpec().llm.vllm = new VllmSpec();
    c.getSpec().llm.vllm.model = "Qwen/Qwen2.5-7B-Instruct";
    c.getSpec().llm.vllm.servedModelName = "qwen2.5-7b";
    c.getSpec().cache.enabled = true;
    c.getSpec().cache.proxy.replicas = 1;
    client
        .resource(Clusters.dbSecret("mysql+pymysql://u:p@db.example:3306/chatchat"))
        .inNamespace(ns)
        .create();
    client.resource(c).inNamespace(ns).create();
    ChatchatCluster ready = awaitStatus("cachellm", E2ETest::readyForGeneration);
    String epoch = ready.getStatus().cache.epoch;
    assertEquals("Stored", ready.getStatus().cache.mode);

    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    try (Watch cm = watchConfigMap(seen);
        Watch llm = watchLlm(seen)) {
      editCluster("cachellm", x -> x.getSpec().llm.vllm.model = NEW_MODEL);
      ChatchatCluster done = awaitRolledOut("cachellm", Duration.ofSeconds(180));
      String next = done.getStatus().cache.epoch;
      assertNotEquals(epoch, next);
      assertEquals("Stored", done.getStatus().cache.mode);
      assertEquals(1, done.getStatus().cache.round, "back from pass-through: a new round");
      assertTrue(proxyNamespace().endsWith(":" + next + "-1"), proxyNamespace());
    }
    List<String> order = List.copyOf(seen);
    System.out.println("[cache rollout] what the operator wrote, in order: " + order);
    int passThrough = order.indexOf("proxy PassThrough");
    int newModel = order.indexOf("llm " + NEW_MODEL);
    int storedAgain = order.lastIndexOf("proxy Stored");
    assertTrue(
        0 <= passThrough && passThrough < newModel && newModel < storedAgain,
        "the proxies pass through before the new model is applied, and store after: " + order);
  }

  private Watch watchConfigMap(List<String> seen) {
    return client
        .configMaps()
        .inNamespace(ns)
        .withName("cachellm-cache-proxy")
        .watch(
            on(
                (ConfigMap m) -> {
                  String config = m.getData().get(AnswerCache.CONFIG_KEY);
                  String mode =
                      config.contains("default_off") ? "proxy PassThrough" : "proxy Stored";
                  addIfNew(seen, mode);
                }));
  }

  private Watch watchLlm(List<String> seen) {
    return client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName("cachellm-llm")
        .watch(
            on(
                (Deployment d) -> {
                  List<String> args =
                      d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
                  if (args.contains("--model=" + NEW_MODEL)) {
                    addIfNew(seen, "llm " + NEW_MODEL);
                  }
                }));
  }

  private static void addIfNew(List<String> seen, String what) {
    synchronized (seen) {
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(what)) {
        if (!what.startsWith("llm") || !seen.contains(what)) {
          seen.add(what);
        }
      }
    }
  }

  private String proxyNamespace() {
    Deployment proxy =
        client.apps().deployments().inNamespace(ns).withName("cachellm-cache-proxy").get();
    return proxy.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> "CACHE_NAMESPACE".equals(e.getName()))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow();
  }

  private static <T> Watcher<T> on(Consumer<T> change) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        if (action != Action.DELETED) {
          change.accept(resource);
        }
      }

      @Override
      public void onClose(WatcherException e) {}
    };
  }
}
