package io.chatchat.operator.reconciler.dependent;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;

/**
 * The JOSDK dependents of a ChatchatCluster (PodDisruptionBudgets, NetworkPolicies, Ingresses:
 * nothing else writes or prunes these kinds), and what a pass hands them.
 */
public final class Dependents {
  private static final String TARGET = "chatchat.io/target";

  private Dependents() {}

  /**
   * Hands the dependents the cluster at the spec the tiers move to (after a rollback, the last
   * stable spec), then lets JOSDK reconcile them; returns what failed, by dependent.
   */
  public static List<Exception> reconcile(
      ChatchatCluster target, Context<ChatchatCluster> context) {
    var workflow = context.managedWorkflowAndDependentResourceContext();
    workflow.put(TARGET, target);
    return List.copyOf(workflow.reconcileManagedWorkflow().getErroredDependents().values());
  }

  static ChatchatCluster target(ChatchatCluster primary, Context<ChatchatCluster> context) {
    return context
        .managedWorkflowAndDependentResourceContext()
        .get(TARGET, ChatchatCluster.class)
        .orElse(primary);
  }
}
