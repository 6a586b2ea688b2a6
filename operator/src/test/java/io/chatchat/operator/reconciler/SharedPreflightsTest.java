package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The namespace's sharable preflight Jobs, those being created, and the waiters' wake-up. */
class SharedPreflightsTest {
  private static final List<String> MODULES = List.of("pymysql", "elasticsearch");
  private final AtomicLong nanos = new AtomicLong();
  private final List<ResourceID> woken = new ArrayList<>();
  private final SharedPreflights shared = new SharedPreflights(woken::add, nanos::get);

  private static ChatchatCluster named(String name) {
    ChatchatCluster cr = TestClusters.external();
    cr.getMetadata().setName(name);
    return cr;
  }

  private static Job preflight(String cluster, String condition) {
    Job job = ChatchatJobs.preflight(named(cluster), MODULES);
    return condition == null ? job : TestClusters.ended(job, condition);
  }

  private static String key(Job j) {
    return j.getMetadata().getLabels().get(ChatchatJobs.PREFLIGHT_KEY_LABEL);
  }

  private static String owner(Job j) {
    return j == null ? null : j.getMetadata().getLabels().get(Labels.INSTANCE);
  }

  @Test
  void anotherClustersJobIsSharableOneThatSucceededFirstNeitherOwnNorFailed() {
    Job running = preflight("a", null);
    Job succeeded = preflight("b", "Complete");
    Job failed = preflight("c", "Failed");
    Map<String, Job> byKey = shared.sharable(named("z"), Stream.of(running, failed, succeeded));
    assertEquals("b", owner(byKey.get(key(running))));
    assertEquals(
        "a", owner(shared.sharable(named("z"), Stream.of(failed, running)).get(key(running))));
    assertTrue(shared.sharable(named("a"), Stream.of(running)).isEmpty(), "its own is not shared");
    assertTrue(shared.sharable(named("z"), Stream.of(failed)).isEmpty());
  }

  @Test
  void aJobBeingCreatedStandsInForThirtySecondsBehindTheInformersOwn() {
    Job creating = preflight("a", null);
    assertEquals(List.of(creating), shared.claim(List.of(creating), named("a")));
    assertEquals("a", owner(shared.sharable(named("z"), Stream.empty()).get(key(creating))));
    assertTrue(
        shared.sharable(named("a"), Stream.empty()).isEmpty(), "not to the cluster creating it");
    ChatchatCluster elsewhere = named("z");
    elsewhere.getMetadata().setNamespace("other");
    assertTrue(shared.sharable(elsewhere, Stream.empty()).isEmpty(), "only in its namespace");

    nanos.addAndGet(SharedPreflights.CREATING_FOR.toNanos() + 1);
    assertTrue(
        shared.sharable(named("z"), Stream.empty()).isEmpty(), "a create that never showed up");

    shared.claim(List.of(creating), named("a"));
    Job cached = preflight("a", "Failed");
    assertTrue(
        shared.sharable(named("z"), Stream.of(cached)).isEmpty(),
        "the informer's failed Job ends the claim");
    assertEquals(
        List.of(preflight("b", null)),
        shared.claim(List.of(preflight("b", null)), named("b")),
        "another cluster may run its own");
  }

  @Test
  void aPassThatLostTheRaceToCreateAwaitsTheWinnersJob() {
    Job first = preflight("a", null);
    Job second = preflight("b", null);
    Job init = ChatchatJobs.init(named("b"), "h", "cfg", true);
    assertEquals(List.of(first), shared.claim(List.of(first), named("a")));
    assertEquals(List.of(init), shared.claim(List.of(second, init), named("b")));
    assertEquals(1, shared.waiting());
    assertTrue(shared.waits(named("b")));
    assertEquals(List.of(first), shared.claim(List.of(first), named("a")), "its own claim");
    nanos.addAndGet(SharedPreflights.CREATING_FOR.toNanos() / 2);
    shared.claim(List.of(first), named("a"));
    nanos.addAndGet(SharedPreflights.CREATING_FOR.toNanos() / 2 + 1);
    assertEquals(
        List.of(second), shared.claim(List.of(second), named("b")), "counted from the first claim");
    shared.onJobEvent(preflight("a", "Complete"));
    assertEquals(List.of(new ResourceID("b", "team")), woken);
  }

  @Test
  void waitersOfAJobThatWentOrEndedUnseenAreWokenByTheNextLookAtTheNamespace() {
    Job gone = preflight("a", null);
    Job ended = preflight("c", "Complete");
    shared.await(gone, named("b"));
    shared.await(ended, named("d"));
    shared.sharable(named("z"), Stream.of(ended));
    assertEquals(
        java.util.Set.of(new ResourceID("b", "team"), new ResourceID("d", "team")),
        java.util.Set.copyOf(woken));
    assertEquals(0, shared.waiting());
  }

  @Test
  void aWaiterOfAJobBeingCreatedKeepsWaiting() {
    Job first = preflight("a", null);
    shared.claim(List.of(first), named("a"));
    shared.claim(List.of(preflight("b", null)), named("b"));
    shared.sharable(named("z"), Stream.empty());
    assertTrue(woken.isEmpty());
    assertEquals(1, shared.waiting());
  }

  @Test
  void theEndOfASharedJobWakesItsWaitersOnce() {
    Job job = preflight("a", null);
    shared.await(job, named("b"));
    shared.await(job, named("c"));
    shared.onJobEvent(job);
    assertTrue(woken.isEmpty(), "still running");
    shared.onJobEvent(preflight("a", "Complete"));
    assertEquals(2, woken.size());
    assertTrue(woken.contains(new ResourceID("b", "team")), woken.toString());
    shared.onJobEvent(preflight("a", "Complete"));
    assertEquals(2, woken.size(), "woken once");
    assertEquals(0, shared.waiting());
  }
}
