package io.chatchat.e2e.bench;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** When each ChatchatCluster of a namespace was first seen Ready, from a watch. */
final class ReadyWatch implements AutoCloseable {
  private final Map<String, Instant> firstReady = new ConcurrentHashMap<>();
  private final SharedIndexInformer<ChatchatCluster> informer;

  ReadyWatch(KubernetesClient client, String namespace) {
    informer =
        client
            .resources(ChatchatCluster.class)
            .inNamespace(namespace)
            .inform(RolloutTimes.onAddOrUpdate(this::seen));
  }

  private void seen(ChatchatCluster c) {
    if (ready(c)) {
      firstReady.putIfAbsent(c.getMetadata().getName(), Instant.now());
    }
  }

  static boolean ready(ChatchatCluster c) {
    return c.getStatus() != null
        && c.getStatus().conditions != null
        && c.getStatus().conditions.stream()
            .anyMatch(k -> "Ready".equals(k.getType()) && "True".equals(k.getStatus()));
  }

  Instant readyAt(String name) {
    return firstReady.get(name);
  }

  /** Waits until every named cluster was seen Ready; false on timeout. */
  boolean await(Collection<String> names, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (firstReady.keySet().containsAll(names)) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  long readyCount(Collection<String> names) {
    return names.stream().filter(firstReady::containsKey).count();
  }

  @Override
  public void close() {
    informer.close();
  }
}
