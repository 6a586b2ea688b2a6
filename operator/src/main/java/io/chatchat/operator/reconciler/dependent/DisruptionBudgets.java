package io.chatchat.operator.reconciler.dependent;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.Scaling;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;

/** The PodDisruptionBudgets of the tiers with more than one pod. */
public class DisruptionBudgets extends SpecShapedChildren<PodDisruptionBudget> {
  public DisruptionBudgets() {
    super(PodDisruptionBudget.class);
  }

  @Override
  List<PodDisruptionBudget> render(ChatchatCluster cluster) {
    return Scaling.budgets(cluster);
  }
}
