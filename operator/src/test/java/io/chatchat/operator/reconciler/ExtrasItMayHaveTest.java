package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which PodMonitors and ScaledObjects a pass looks at for removal. */
class ExtrasItMayHaveTest {
  private static ChatchatCluster observed(long generation, String trueCondition) {
    ChatchatCluster c = TestClusters.managed();
    c.getMetadata().setGeneration(generation);
    c.setStatus(new ChatchatClusterStatus());
    c.getStatus().observedGeneration = 2L;
    if (trueCondition != null) {
      c.getStatus().conditions =
          List.of(new ConditionBuilder().withType(trueCondition).withStatus("True").build());
    }
    return c;
  }

  @Test
  void nothingForAClusterThatNeverHadAnyAndDidNotChange() {
    assertTrue(DesiredStateWriter.extrasItMayHave(observed(2, null)).isEmpty());
  }

  @Test
  void everyKindAfterASpecChange() {
    assertEquals(
        Set.of("PodMonitor", "ScaledObject"),
        DesiredStateWriter.extrasItMayHave(observed(3, null)).keySet());
  }

  @Test
  void aKindWhoseConditionIsTrueEvenWhenTheChangeWasObservedWithoutBeingApplied() {
    // Generation 2 turned monitoring off but waited for a missing Secret: observed, not applied.
    assertEquals(
        Set.of("PodMonitor"),
        DesiredStateWriter.extrasItMayHave(observed(2, Conditions.MONITORING_READY)).keySet());
    assertEquals(
        List.of("demo-llm", "demo-embedding"),
        DesiredStateWriter.extrasItMayHave(observed(2, Conditions.KEDA_AVAILABLE))
            .get("ScaledObject"));
  }
}
