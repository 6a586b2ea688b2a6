package io.chatchat.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.Histogram;
import java.util.List;
import java.util.Map;

/**
 * JOSDK's metrics callbacks on the Prometheus simpleclient. Names are pinned by a test: dashboards
 * and alerts depend on them.
 */
public class PrometheusMetrics implements Metrics {
  public static final String RECONCILIATIONS = "chatchat_operator_reconciliations_total";
  public static final String FAILURES = "chatchat_operator_reconciliation_failures_total";
  public static final String DURATION = "chatchat_operator_reconciliation_duration_seconds";
  public static final String EVENTS = "chatchat_operator_events_received_total";
  public static final String RETRIES = "chatchat_operator_reconciliation_retries_total";
  public static final String CONTROLLERS = "chatchat_operator_controllers";
  public static final String APPLIES = "chatchat_operator_applies_total";
  public static final String ROLLOUTS = "chatchat_operator_rollouts_total";
  public static final String SMOKE_GATES = "chatchat_operator_smoke_gates_total";
  public static final String SMOKE_GATE_DURATION = "chatchat_operator_smoke_gate_duration_seconds";
  public static final String SPEC_TO_READY = "chatchat_operator_spec_to_ready_seconds";

  private final Counter reconciliations;
  private final Counter failures;
  private final Histogram duration;
  private final Counter events;
  private final Counter retries;
  private final Gauge controllers;
  private final Counter applies;
  private final Counter rollouts;
  private final Counter smokeGates;
  private final Histogram smokeGateDuration;
  private final Histogram specToReady;

  public PrometheusMetrics(CollectorRegistry registry) {
    reconciliations =
        Counter.build()
            .name(RECONCILIATIONS)
            .help("Reconciliations executed, by controller and outcome")
            .labelNames("controller", "outcome")
            .register(registry);
    failures =
        Counter.build()
            .name(FAILURES)
            .help("Reconciliations that threw, by controller and exception class")
            .labelNames("controller", "exception")
            .register(registry);
    duration =
        Histogram.build()
            .name(DURATION)
            .help("Duration of reconciliations, by controller")
            .labelNames("controller")
            .buckets(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    events =
        Counter.build()
            .name(EVENTS)
            .help("Events received by the controllers, by controller")
            .labelNames("controller")
            .register(registry);
    retries =
        Counter.build()
            .name(RETRIES)
            .help("Reconciliations that are retries of a failed one, by controller")
            .labelNames("controller")
            .register(registry);
    controllers = Gauge.build().name(CONTROLLERS).help("Registered controllers").register(registry);
    applies =
        Counter.build()
            .name(APPLIES)
            .help("Server-side applies sent, by kind (objects already as desired are skipped)")
            .labelNames("kind")
            .register(registry);
    rollouts =
        Counter.build()
            .name(ROLLOUTS)
            .help("Rollouts of a new spec revision, by event: started, completed, rolled_back")
            .labelNames("event")
            .register(registry);
    smokeGates =
        Counter.build()
            .name(SMOKE_GATES)
            .help("Smoke gates run against new API pods, by gate and result (passed, failed)")
            .labelNames("gate", "result")
            .register(registry);
    smokeGateDuration =
        Histogram.build()
            .name(SMOKE_GATE_DURATION)
            .help("How long a smoke gate took on one pod, retries included, by gate and result")
            .labelNames("gate", "result")
            .buckets(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
            .register(registry);
    specToReady =
        Histogram.build()
            .name(SPEC_TO_READY)
            .help(
                "From the operator's first sight of a spec generation to the cluster Ready at"
                    + " it, rollout included")
            .buckets(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)
            .register(registry);
    initialise();
  }

  /**
   * The known label values start at 0, so that increase() and rate() see the first rollout and the
   * first failed gate (a series born at 1 shows no increase).
   */
  private void initialise() {
    for (String event : List.of("started", "completed", "rolled_back")) {
      rollouts.labels(event);
    }
    for (String gate : List.of("database", "retrieval", "chat")) {
      smokeGates.labels(gate, "passed");
      smokeGates.labels(gate, "failed");
    }
  }

  /** A generation of a cluster's spec became Ready this long after the operator first saw it. */
  public void specReady(double seconds) {
    specToReady.observe(seconds);
  }

  /** Counts a rollout event: started, completed or rolled_back. */
  public void rollout(String event) {
    rollouts.labels(event).inc();
  }

  /** Counts one smoke gate's outcome on one pod, and its duration. */
  public void smokeGate(String gate, boolean passed, double seconds) {
    String result = passed ? "passed" : "failed";
    smokeGates.labels(gate, result).inc();
    smokeGateDuration.labels(gate, result).observe(seconds);
  }

  /** Counts a server-side apply of an object of this kind. */
  public void applied(String kind) {
    applies.labels(kind).inc();
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    controllers.inc();
  }

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    events.labels(controller(metadata)).inc();
  }

  @Override
  public void reconcileCustomResource(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    if (retryInfo != null && retryInfo.getAttemptCount() > 0) {
      retries.labels(controller(metadata)).inc();
    }
  }

  @Override
  public void failedReconciliation(
      HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    failures.labels(controller(metadata), exception.getClass().getSimpleName()).inc();
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    Histogram.Timer timer = duration.labels(execution.controllerName()).startTimer();
    try {
      T result = execution.execute();
      reconciliations.labels(execution.controllerName(), "success").inc();
      return result;
    } catch (Exception e) {
      reconciliations.labels(execution.controllerName(), "failure").inc();
      throw e;
    } finally {
      timer.observeDuration();
    }
  }

  private static String controller(Map<String, Object> metadata) {
    Object name = metadata == null ? null : metadata.get(Constants.CONTROLLER_NAME);
    return name == null ? "unknown" : name.toString();
  }
}
