package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The dependents share the operator's label-selected informers, one per kind. */
class DependentsWiringTest {
  private static final Dependent[] DEPENDENTS =
      ChatchatClusterReconciler.class.getAnnotation(Workflow.class).dependents();

  @Test
  void eachDependentUsesAnInformerTheOperatorRegisters() {
    Set<String> informers =
        ClusterEventSources.TYPES.stream()
            .map(ClusterEventSources::name)
            .collect(Collectors.toSet());
    for (Dependent d : DEPENDENTS) {
      assertTrue(informers.contains(d.useEventSourceWithName()), d.name());
    }
  }

  @Test
  void theWorkflowRunsOnlyWhereTheFlowCallsItAndReportsItsErrors() {
    Workflow w = ChatchatClusterReconciler.class.getAnnotation(Workflow.class);
    assertTrue(w.explicitInvocation());
    assertTrue(w.handleExceptionsInReconciler());
    assertEquals(
        List.of("disruption-budgets", "store-policies", "ingresses"),
        Arrays.stream(DEPENDENTS).map(Dependent::name).toList());
  }
}
