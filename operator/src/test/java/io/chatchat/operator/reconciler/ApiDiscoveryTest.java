package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Discovery of the optional kinds: asked only when a spec uses them, and remembered. */
class ApiDiscoveryTest {
  private final List<String> asked = new ArrayList<>();
  private final AtomicBoolean installed = new AtomicBoolean(false);
  private final AtomicBoolean failing = new AtomicBoolean(false);
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final List<String> changes = new ArrayList<>();

  private final ApiDiscovery discovery =
      new ApiDiscovery(
          groupVersion -> {
            asked.add(groupVersion);
            if (failing.get()) {
              throw new KubernetesClientException("forbidden", 403, null);
            }
            if (!installed.get()) {
              return null;
            }
            String kind = groupVersion.startsWith("keda.sh") ? "ScaledObject" : "PodMonitor";
            APIResourceList list =
                new APIResourceListBuilder()
                    .withGroupVersion(groupVersion)
                    .addToResources(new APIResourceBuilder().withKind(kind).build())
                    .build();
            return list;
          },
          clock::get);

  {
    discovery.onChange(changes::add);
  }

  private void after(java.time.Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void aSpecThatUsesNoOptionalKindAsksNothing() {
    assertEquals(ApiCapabilities.NONE, discovery.of(TestClusters.managed()));
    assertTrue(asked.isEmpty());
  }

  @Test
  void anAbsentKindIsLookedUpAgainSoonAPresentOneAfterMinutesOrAFailedApply() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().monitoring.enabled = true;
    assertFalse(discovery.of(c).podMonitors());
    assertFalse(discovery.of(c).podMonitors());
    assertEquals(1, asked.size(), "absent: kept for a while");

    installed.set(true);
    after(ApiDiscovery.ABSENT_FOR.minusSeconds(1));
    assertFalse(discovery.of(c).podMonitors(), "not yet looked again");
    after(java.time.Duration.ofSeconds(1));
    assertTrue(discovery.of(c).podMonitors(), "installed later: found within ABSENT_FOR");
    assertEquals(List.of("PodMonitor"), changes, "the memory of applied objects is told");

    after(ApiDiscovery.PRESENT_FOR.minusSeconds(1));
    assertTrue(discovery.of(c).podMonitors());
    assertEquals(2, asked.size(), "present: kept for minutes");
    discovery.forget("monitoring.coreos.com/v1", "PodMonitor");
    installed.set(false);
    assertFalse(discovery.of(c).podMonitors(), "an apply answered 404: looked up again");
    assertEquals(List.of("PodMonitor", "PodMonitor"), changes);
    assertFalse(discovery.of(c).scaledObjects(), "KEDA not asked for");
  }

  @Test
  void aFailedLookupKeepsTheLastAnswerAndIsTriedAgainSoon() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().monitoring.enabled = true;
    installed.set(true);
    assertTrue(discovery.of(c).podMonitors());
    after(ApiDiscovery.PRESENT_FOR);
    failing.set(true);
    assertTrue(discovery.of(c).podMonitors(), "a 403 keeps what was known");
    int asks = asked.size();
    after(ApiDiscovery.ABSENT_FOR);
    failing.set(false);
    assertTrue(discovery.of(c).podMonitors());
    assertEquals(asks + 1, asked.size(), "tried again after the short wait");
    assertTrue(changes.isEmpty(), "no change seen");
  }
}
