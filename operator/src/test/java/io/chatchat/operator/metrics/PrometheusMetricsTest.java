package io.chatchat.operator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.javaoperatorsdk.operator.api.monitoring.Metrics.ControllerExecution;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.prometheus.client.CollectorRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metric names are an interface: dashboards and alerts use them. */
class PrometheusMetricsTest {

  private static ControllerExecution<String> execution(boolean fail) {
    return new ControllerExecution<>() {
      public String name() {
        return "reconcile";
      }

      public String controllerName() {
        return "chatchatcluster";
      }

      public String successTypeName(String r) {
        return "ok";
      }

      public ResourceID resourceID() {
        return new ResourceID("demo", "team");
      }

      public Map<String, Object> metadata() {
        return Map.of();
      }

      public String execute() {
        if (fail) {
          throw new IllegalStateException("boom");
        }
        return "done";
      }
    };
  }

  @Test
  void reconciliationsFailuresAndDurationsAreCountedPerController() throws Exception {
    CollectorRegistry registry = new CollectorRegistry();
    PrometheusMetrics m = new PrometheusMetrics(registry);
    m.timeControllerExecution(execution(false));
    m.timeControllerExecution(execution(false));
    assertThrows(IllegalStateException.class, () -> m.timeControllerExecution(execution(true)));
    m.failedReconciliation(
        null, new IllegalStateException(), Map.of(Constants.CONTROLLER_NAME, "chatchatcluster"));
    m.receivedEvent(null, Map.of(Constants.CONTROLLER_NAME, "chatchatcluster"));

    String[] c = {"controller", "outcome"};
    assertEquals(
        2.0,
        registry.getSampleValue(
            "chatchat_operator_reconciliations_total",
            c,
            new String[] {"chatchatcluster", "success"}));
    assertEquals(
        1.0,
        registry.getSampleValue(
            "chatchat_operator_reconciliations_total",
            c,
            new String[] {"chatchatcluster", "failure"}));
    assertEquals(
        3.0,
        registry.getSampleValue(
            "chatchat_operator_reconciliation_duration_seconds_count",
            new String[] {"controller"},
            new String[] {"chatchatcluster"}));
    assertEquals(
        1.0,
        registry.getSampleValue(
            "chatchat_operator_reconciliation_failures_total",
            new String[] {"controller", "exception"},
            new String[] {"chatchatcluster", "IllegalStateException"}));
    assertEquals(
        1.0,
        registry.getSampleValue(
            "chatchat_operator_events_received_total",
            new String[] {"controller"},
            new String[] {"chatchatcluster"}));
  }

  @Test
  void rolloutsAndSmokeGatesAreCountedByEventAndResult() {
    CollectorRegistry registry = new CollectorRegistry();
    PrometheusMetrics m = new PrometheusMetrics(registry);
    assertEquals(
        0.0,
        registry.getSampleValue(
            "chatchat_operator_smoke_gates_total",
            new String[] {"gate", "result"},
            new String[] {"chat", "failed"}),
        "born at 0, so that increase() sees the first failure");
    m.rollout("started");
    m.rollout("rolled_back");
    m.smokeGate("database", true, 0.2);
    m.smokeGate("database", false, 3.0);
    m.smokeGate("database", false, 4.0);
    assertEquals(
        1.0,
        registry.getSampleValue(
            "chatchat_operator_rollouts_total", new String[] {"event"}, new String[] {"started"}));
    assertEquals(
        1.0,
        registry.getSampleValue(
            "chatchat_operator_rollouts_total",
            new String[] {"event"},
            new String[] {"rolled_back"}));
    assertEquals(
        2.0,
        registry.getSampleValue(
            "chatchat_operator_smoke_gates_total",
            new String[] {"gate", "result"},
            new String[] {"database", "failed"}));
    assertEquals(
        7.0,
        registry.getSampleValue(
            "chatchat_operator_smoke_gate_duration_seconds_sum",
            new String[] {"gate", "result"},
            new String[] {"database", "failed"}));
  }
}
