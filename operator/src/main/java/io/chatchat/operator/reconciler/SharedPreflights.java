package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The process's side of shared driver preflights (the decision is {@code gates.SharedPreflight}'s):
 * which preflight Jobs of a namespace another cluster may share, including those this process is
 * creating and its Job informer does not hold yet (a burst of clusters would otherwise each create
 * one); and which clusters wait for another's Job, woken when it ends.
 */
final class SharedPreflights {
  /** How often a waiting cluster looks again if no end of the Job woke it. */
  static final Duration SAFETY_NET = Duration.ofSeconds(30);

  /**
   * How long a claim to create a preflight Job is kept: it stands in for the Job until the informer
   * holds it, and keeps a second pass from creating another (a failed create is forgotten then).
   */
  static final Duration CREATING_FOR = Duration.ofSeconds(30);

  private record Creating(Job job, long atNanos) {}

  private final ConcurrentMap<String, Creating> creating = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Set<ResourceID>> waiters = new ConcurrentHashMap<>();
  private final Consumer<ResourceID> wake;
  private final LongSupplier nanos;

  SharedPreflights(Consumer<ResourceID> wake, LongSupplier nanos) {
    this.wake = wake;
    this.nanos = nanos;
  }

  /**
   * Preflight Jobs of the cluster's namespace that other clusters run, by preflight key: one that
   * succeeded before one still running (then by name); the cache's before one being created. On the
   * way, forgets the claims the informer now holds or that expired, and wakes the clusters waiting
   * for a Job that ended or went (a deleted Job's event may carry no deletion timestamp).
   */
  Map<String, Job> sharable(ChatchatCluster cr, Stream<Job> namespaceJobs) {
    String ns = cr.getMetadata().getNamespace();
    long now = nanos.getAsLong();
    Map<String, Job> cached = new HashMap<>();
    namespaceJobs.filter(SharedPreflights::isPreflight).forEach(j -> cached.put(id(j), j));
    creating.forEach(
        (nsKey, c) -> {
          if (expired(c, now) || cached.containsKey(id(c.job()))) {
            creating.remove(nsKey, c);
          }
        });
    waiters.forEach(
        (jobId, waiting) -> {
          Job j = cached.get(jobId);
          boolean gone = j == null && jobId.startsWith(ns + "/") && !claimed(jobId);
          if (gone || (j != null && ended(j))) {
            wakeAll(jobId);
          }
        });
    Map<String, Job> byKey = new HashMap<>();
    cached.values().stream()
        .filter(
            j ->
                !ownedBy(j, cr)
                    && !Readiness.jobFailed(j)
                    && j.getMetadata().getDeletionTimestamp() == null)
        .forEach(j -> byKey.merge(key(j), j, SharedPreflights::better));
    creating.forEach(
        (nsKey, c) -> {
          if (nsKey.startsWith(ns + "/") && !ownedBy(c.job(), cr)) {
            byKey.putIfAbsent(key(c.job()), c.job());
          }
        });
    return byKey;
  }

  /**
   * The Jobs to create, after claiming each preflight Job's key in its namespace. When another
   * cluster's pass claimed the same key since this pass observed (passes run in parallel), that Job
   * is awaited instead of creating a second one. A claim lasts {@link #CREATING_FOR} from the first
   * one, however often its cluster tries again.
   */
  List<Job> claim(List<Job> jobs, ChatchatCluster cr) {
    List<Job> create = new ArrayList<>();
    long now = nanos.getAsLong();
    for (Job j : jobs) {
      if (!isPreflight(j)) {
        create.add(j);
        continue;
      }
      Creating mine = new Creating(j, now);
      Creating claimed =
          creating.compute(
              j.getMetadata().getNamespace() + "/" + key(j),
              (k, c) -> c == null || expired(c, now) ? mine : c);
      if (claimed == mine || ownedBy(claimed.job(), cr)) {
        create.add(j);
      } else {
        await(claimed.job(), cr);
      }
    }
    return create;
  }

  /** The cluster waits for another cluster's Job: wake it when the Job ends. */
  void await(Job shared, ChatchatCluster cr) {
    waiters
        .computeIfAbsent(id(shared), k -> ConcurrentHashMap.newKeySet())
        .add(ResourceID.fromResource(cr));
  }

  /** Whether the cluster waits for another cluster's preflight Job (it looks again soon). */
  boolean waits(ChatchatCluster cr) {
    ResourceID id = ResourceID.fromResource(cr);
    return waiters.values().stream().anyMatch(w -> w.contains(id));
  }

  /** Every event of a Job: one that ended (or goes) wakes the clusters waiting for it. */
  void onJobEvent(Job job) {
    if (isPreflight(job) && (ended(job) || job.getMetadata().getDeletionTimestamp() != null)) {
      wakeAll(id(job));
    }
  }

  /** Clusters waiting, for tests. */
  int waiting() {
    return waiters.values().stream().mapToInt(Set::size).sum();
  }

  private static boolean expired(Creating c, long now) {
    return now - c.atNanos() > CREATING_FOR.toNanos();
  }

  private void wakeAll(String jobId) {
    Set<ResourceID> waiting = waiters.remove(jobId);
    if (waiting != null) {
      waiting.forEach(wake);
    }
  }

  private boolean claimed(String jobId) {
    return creating.values().stream().anyMatch(c -> id(c.job()).equals(jobId));
  }

  private static boolean ended(Job j) {
    return Readiness.jobSucceeded(j) || Readiness.jobFailed(j);
  }

  /** The one that succeeded; between equals, the first by name (the same every pass). */
  private static Job better(Job a, Job b) {
    boolean as = Readiness.jobSucceeded(a);
    boolean bs = Readiness.jobSucceeded(b);
    if (as != bs) {
      return as ? a : b;
    }
    return a.getMetadata().getName().compareTo(b.getMetadata().getName()) <= 0 ? a : b;
  }

  private static boolean isPreflight(Job j) {
    Map<String, String> l = j.getMetadata().getLabels();
    return l != null
        && Labels.COMPONENT_PREFLIGHT.equals(l.get(Labels.COMPONENT))
        && l.get(ChatchatJobs.PREFLIGHT_KEY_LABEL) != null;
  }

  private static boolean ownedBy(Job j, ChatchatCluster cr) {
    return cr.getMetadata().getName().equals(j.getMetadata().getLabels().get(Labels.INSTANCE));
  }

  private static String key(Job j) {
    return j.getMetadata().getLabels().get(ChatchatJobs.PREFLIGHT_KEY_LABEL);
  }

  private static String id(Job j) {
    return j.getMetadata().getNamespace() + "/" + j.getMetadata().getName();
  }
}
