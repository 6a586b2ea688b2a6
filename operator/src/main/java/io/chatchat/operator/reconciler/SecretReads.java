package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The Secrets the operator reads by name (its RBAC is get-by-name: no informer). A read is kept for
 * a minute and shared by the clusters of its namespace, so that the dozen passes a new cluster
 * takes, and the clusters that name the same Secret, cost one GET instead of one per pass and
 * cluster. Read afresh: by each new generation of a cluster's spec (a user's change sees the
 * Secrets as they are), while a cluster is invalid (it waits for a Secret to appear or be mended),
 * and a Secret that does not exist. An idle cluster is reconciled every 5 minutes, so a rotated
 * Secret is seen as before: within 5 minutes, or at the next change.
 */
final class SecretReads {
  static final Duration FRESH = Duration.ofSeconds(60);

  private record Key(String namespace, String name) {}

  private record Read(Secret secret, long atNanos) {}

  private final BiFunction<String, String, Secret> fetch;
  private final Map<Key, Read> reads = new ConcurrentHashMap<>();

  private volatile long lastSweepNanos = System.nanoTime();

  /**
   * @param fetch GET of a Secret by namespace and name (null when it does not exist)
   */
  SecretReads(BiFunction<String, String, Secret> fetch) {
    this.fetch = fetch;
  }

  /** The Secret this cluster's pass should see, or null when it does not exist. */
  Secret get(ChatchatCluster cr, String name) {
    long now = System.nanoTime();
    sweep(now);
    Key key = new Key(cr.getMetadata().getNamespace(), name);
    Read read = reads.get(key);
    if (read != null && fresh(read, now) && settled(cr)) {
      return read.secret();
    }
    Secret secret = fetch.apply(key.namespace(), name);
    if (secret == null) {
      reads.remove(key);
    } else {
      reads.put(key, new Read(secret, now));
    }
    return secret;
  }

  /**
   * The cluster's status describes its current spec, and the spec was valid: no user's change or
   * missing Secret waits to be seen.
   */
  private static boolean settled(ChatchatCluster cr) {
    return cr.getStatus() != null
        && Objects.equals(cr.getStatus().observedGeneration, cr.getMetadata().getGeneration())
        && !Objects.equals(cr.getStatus().phase, Phase.Invalid);
  }

  private static boolean fresh(Read read, long now) {
    return now - read.atNanos() < FRESH.toNanos();
  }

  /** Drops stale reads once a minute. */
  private void sweep(long now) {
    if (now - lastSweepNanos < FRESH.toNanos()) {
      return;
    }
    lastSweepNanos = now;
    reads.values().removeIf(r -> !fresh(r, now));
  }
}
