package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a ChatchatCluster start a reconciliation: a new generation (a spec change), a
 * new value of the retry annotation (a command given with kubectl annotate), or a deletion. Status
 * updates, the operator's own included, do not.
 */
public class RolloutCommandFilter implements OnUpdateFilter<ChatchatCluster> {
  @Override
  public boolean accept(ChatchatCluster updated, ChatchatCluster old) {
    return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
        || !Objects.equals(retry(updated), retry(old))
        || updated.isMarkedForDeletion();
  }

  private static String retry(ChatchatCluster c) {
    Map<String, String> a = c.getMetadata().getAnnotations();
    return a == null ? null : a.get(ChatchatClusterReconciler.RETRY_ANNOTATION);
  }
}
