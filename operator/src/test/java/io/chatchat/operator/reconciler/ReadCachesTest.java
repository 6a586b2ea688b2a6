package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.model.Traffic;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's own read-side caches: Secrets per generation, HTTPRoutes, trimmed informers. */
class ReadCachesTest {
  private final Map<String, Secret> secrets = new HashMap<>();
  private final List<String> gets = new ArrayList<>();
  private final SecretReads reads =
      new SecretReads(
          (ns, name) -> {
            gets.add(ns + "/" + name);
            return secrets.get(name);
          });

  /** A cluster whose status describes generation {@code observed} of its spec. */
  private static ChatchatCluster cluster(String uid, long generation, long observed) {
    ChatchatCluster c = TestClusters.external();
    c.getMetadata().setNamespace("team");
    c.getMetadata().setUid(uid);
    c.getMetadata().setGeneration(generation);
    c.setStatus(new ChatchatClusterStatus());
    c.getStatus().observedGeneration = observed;
    c.getStatus().phase = ChatchatClusterStatus.Phase.Ready;
    return c;
  }

  private void secret(String name, String value) {
    secrets.put(
        name,
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .addToStringData("uri", value)
            .build());
  }

  @Test
  void aSettledClusterSharesAReadOfAMinuteAndAChangedOrNewOneReadsAfresh() {
    secret("db", "a");
    Secret first = reads.get(cluster("uid-1", 1, 1), "db");
    assertSame(first, reads.get(cluster("uid-1", 1, 1), "db"));
    assertSame(first, reads.get(cluster("uid-2", 3, 3), "db"), "shared by the namespace");
    assertEquals(List.of("team/db"), gets);

    secret("db", "b");
    assertEquals("b", value(reads.get(cluster("uid-1", 2, 1), "db")), "a changed spec reads");
    assertEquals("b", value(reads.get(cluster("uid-3", 1, 0), "db")), "so does a new cluster");
    assertEquals(3, gets.size());
    assertEquals("b", value(reads.get(cluster("uid-2", 3, 3), "db")), "the newest read is shared");
    assertEquals(3, gets.size());
  }

  @Test
  void aMissingSecretAndAnInvalidClusterAreReadEveryTime() {
    ChatchatCluster c = cluster("uid-1", 1, 1);
    assertNull(reads.get(c, "db"));
    secret("db", "a");
    assertEquals("a", value(reads.get(c, "db")), "created since: seen at once");

    c.getStatus().phase = ChatchatClusterStatus.Phase.Invalid;
    secret("db", "b");
    assertEquals("b", value(reads.get(c, "db")), "mended since: seen at once");
    assertEquals(3, gets.size());
  }

  private static String value(Secret s) {
    return s.getStringData().get("uri");
  }

  @Test
  void aRouteIsSentWhenNewOrChangedAndAnAbsentOneIsNotDeletedTwice() {
    UninformedMemory memory = new UninformedMemory();
    ChatchatCluster c = TestClusters.external();
    c.getMetadata().setNamespace("team");
    c.getSpec().gateway.enabled = true;
    c.getSpec()
        .gateway
        .parentRefs
        .add(new io.chatchat.operator.api.v1alpha1.GatewayRouteSpec.ParentRef());
    c.getSpec().gateway.parentRefs.get(0).name = "gw";
    HTTPRoute route = Traffic.routes(c).get(0);
    assertTrue(memory.needsApply(route));
    memory.applied(route);
    assertFalse(memory.needsApply(Traffic.routes(c).get(0)), "unchanged");

    c.getSpec().gateway.requestTimeout = "900s";
    assertTrue(memory.needsApply(Traffic.routes(c).get(0)), "changed");

    String name = route.getMetadata().getName();
    assertTrue(memory.mayExist("HTTPRoute", "team", name));
    memory.absent("HTTPRoute", "team", name);
    assertFalse(
        memory.mayExist("HTTPRoute", "team", name), "deleted or found absent: not deleted again");
    assertTrue(memory.mayExist("PodMonitor", "team", name), "another kind of the same name");
    assertTrue(memory.needsApply(route), "a route the spec asks for again is sent");
  }

  @Test
  void theInformerCacheKeepsOnlyTheOperatorsManagedFields() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace("team")
            .addToManagedFields(
                new ManagedFieldsEntryBuilder().withManager("kube-controller-manager").build())
            .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build())
            .endMetadata()
            .withNewSpec()
            .withNodeName("node-1")
            .addNewContainer()
            .withName("api")
            .addNewEnv()
            .withName("MODEL_PLATFORMS")
            .withValue("[…]")
            .endEnv()
            .endContainer()
            .addNewVolume()
            .withName("settings")
            .withNewConfigMap()
            .withName("demo-settings-1")
            .endConfigMap()
            .endVolume()
            .endSpec()
            .withNewStatus()
            .withPodIP("198.51.100.7")
            .endStatus()
            .build();
    TrimmedStore<Pod> store = new TrimmedStore<>();
    store.put(store.getKey(pod), pod);
    Pod cached = store.get("team/p");
    assertNull(cached.getMetadata().getManagedFields());
    assertEquals(
        List.of(new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("api").build()),
        cached.getSpec().getContainers(),
        "of containers, names and images only");
    assertEquals("node-1", cached.getSpec().getNodeName());
    assertEquals("demo-settings-1", cached.getSpec().getVolumes().get(0).getConfigMap().getName());
    assertEquals("198.51.100.7", cached.getStatus().getPodIP());

    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put(
        "f:metadata", new java.util.LinkedHashMap<>(Map.of("f:labels", Map.of(".", Map.of()))));
    fields.put("f:spec", new java.util.LinkedHashMap<>());
    Pod ours =
        new PodBuilder(pod)
            .editMetadata()
            .addToManagedFields(
                new ManagedFieldsEntryBuilder()
                    .withManager(ChildWriter.FIELD_MANAGER)
                    .withNewFieldsV1()
                    .addToAdditionalProperties(fields)
                    .endFieldsV1()
                    .build())
            .endMetadata()
            .build();
    store.put(store.getKey(ours), ours);
    var kept = store.get("team/p").getMetadata().getManagedFields();
    assertEquals(
        List.of(ChildWriter.FIELD_MANAGER), kept.stream().map(e -> e.getManager()).toList());
    assertEquals(
        Map.of("f:metadata", Map.of("f:labels", Map.of(".", Map.of())), "f:spec", Map.of()),
        kept.get(0).getFieldsV1().getAdditionalProperties(),
        "the same field set, compacted");
  }

  @Test
  void aCompactedObjectSaysTheSameWithSharedEmptyMapsAndOneInstanceOfEachRepeatedString() {
    io.chatchat.operator.api.v1alpha1.ChatchatCluster cr =
        io.chatchat.operator.TestClusters.external();
    var one = io.chatchat.operator.model.ApiComponent.deployment(cr, "h1");
    var two = io.chatchat.operator.model.ApiComponent.deployment(cr, "h1");
    one.getMetadata().setUid(new String("0b5c-uid-one"));
    String before = io.fabric8.kubernetes.client.utils.Serialization.asJson(one);
    CompactObjects.compact(one);
    CompactObjects.compact(two);
    assertEquals(before, io.fabric8.kubernetes.client.utils.Serialization.asJson(one));
    var a = one.getSpec().getTemplate().getSpec().getContainers().get(0);
    var b = two.getSpec().getTemplate().getSpec().getContainers().get(0);
    org.junit.jupiter.api.Assertions.assertSame(a.getImage(), b.getImage());
    org.junit.jupiter.api.Assertions.assertSame(a.getCommand().get(2), b.getCommand().get(2));
    org.junit.jupiter.api.Assertions.assertSame(
        one.getMetadata().getLabels().get("app.kubernetes.io/instance"),
        two.getMetadata().getLabels().get("app.kubernetes.io/instance"));
    org.junit.jupiter.api.Assertions.assertSame(
        a.getAdditionalProperties(), b.getSecurityContext().getAdditionalProperties());
    assertEquals(Map.of(), a.getAdditionalProperties());
    org.junit.jupiter.api.Assertions.assertNotSame(
        "0b5c-uid-one".intern(), one.getMetadata().getUid(), "a uid is not interned");
  }

  @Test
  void ofAJobTheCacheKeepsItsLabelsStatusAndContainersImageAndCommand() {
    var cr = io.chatchat.operator.TestClusters.external();
    var job =
        new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder(
                io.chatchat.operator.model.ChatchatJobs.init(cr, "h1", "cfg", true))
            .withNewStatus()
            .withSucceeded(1)
            .endStatus()
            .build();
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    TrimmedStore<io.fabric8.kubernetes.api.model.batch.v1.Job> store = new TrimmedStore<>();
    store.put(store.getKey(job), job);
    var cached = store.get(store.getKey(job));
    var kept = cached.getSpec().getTemplate().getSpec();
    assertEquals(
        List.of(
            new io.fabric8.kubernetes.api.model.ContainerBuilder()
                .withName(container.getName())
                .withImage(container.getImage())
                .withCommand(container.getCommand())
                .build()),
        kept.getContainers());
    assertNull(kept.getVolumes().isEmpty() ? null : kept.getVolumes(), "no volumes");
    assertNull(cached.getSpec().getBackoffLimit());
    assertEquals(1, cached.getStatus().getSucceeded());
    assertEquals("h1", cached.getMetadata().getLabels().get("chatchat.io/job-hash"));
  }
}
