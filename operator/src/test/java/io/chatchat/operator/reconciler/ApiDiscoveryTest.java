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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Discovery of the optional kinds: asked only when a spec uses them, and remembered. */
class ApiDiscoveryTest {
  private final List<String> asked = new ArrayList<>();
  private final AtomicBoolean installed = new AtomicBoolean(false);

  private final ApiDiscovery discovery =
      new ApiDiscovery(
          groupVersion -> {
            asked.add(groupVersion);
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
          });

  @Test
  void aSpecThatUsesNoOptionalKindAsksNothing() {
    assertEquals(ApiCapabilities.NONE, discovery.of(TestClusters.managed()));
    assertTrue(asked.isEmpty());
  }

  @Test
  void anAbsentKindIsRememberedBrieflyAPresentOneUntilAnApplyFails() {
    ChatchatCluster c = TestClusters.managed();
    c.getSpec().monitoring.enabled = true;
    assertFalse(discovery.of(c).podMonitors());
    assertFalse(discovery.of(c).podMonitors());
    assertEquals(List.of("monitoring.coreos.com/v1"), asked, "absent: cached for a while");

    installed.set(true);
    discovery.forget("monitoring.coreos.com/v1", "PodMonitor");
    assertTrue(discovery.of(c).podMonitors());
    assertTrue(discovery.of(c).podMonitors());
    assertEquals(2, asked.size(), "present: cached");
    assertFalse(discovery.of(c).scaledObjects(), "KEDA not asked for");
    assertTrue(ApiDiscovery.ABSENT_FOR.getSeconds() <= 10, "installing the CRDs shows quickly");
  }
}
