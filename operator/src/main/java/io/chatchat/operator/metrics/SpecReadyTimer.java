package io.chatchat.operator.metrics;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Times each spec generation of a cluster from the operator's first sight of it to the cluster
 * Ready at it (its rollout completed), once per generation. Kept in memory, one small entry per
 * cluster the process has reconciled: a generation in flight when the operator restarts is timed
 * from the restart.
 */
public final class SpecReadyTimer {
  private record Seen(long generation, Instant first, boolean timed) {}

  private final Map<String, Seen> seen = new ConcurrentHashMap<>();

  /**
   * @param next the status this pass computed
   * @return the time to Ready when this pass is the first to find the generation Ready, else null
   */
  public Duration observe(ChatchatCluster cr, ChatchatClusterStatus next, Instant now) {
    long generation =
        cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration();
    String uid = cr.getMetadata().getUid() != null ? cr.getMetadata().getUid() : key(cr);
    Seen s = seen.get(uid);
    if (s == null || s.generation() != generation) {
      // Already Ready at it when first seen (an operator restart, a new leader): not timed here.
      s = new Seen(generation, now, readyAt(cr.getStatus(), generation));
      seen.put(uid, s);
    }
    if (s.timed() || !readyAt(next, generation)) {
      return null;
    }
    seen.put(uid, new Seen(generation, s.first(), true));
    return Duration.between(s.first(), now);
  }

  private static boolean readyAt(ChatchatClusterStatus st, long generation) {
    return st != null
        && st.observedGeneration != null
        && st.observedGeneration == generation
        && st.conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
        && (st.rollout == null || st.rollout.phase == RolloutStatus.Phase.Completed);
  }

  private static String key(ChatchatCluster cr) {
    return cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
  }
}
