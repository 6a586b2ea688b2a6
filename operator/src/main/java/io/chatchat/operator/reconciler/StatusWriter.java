package io.chatchat.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.metrics.SpecReadyTimer;
import io.chatchat.operator.status.ConditionSet;
import io.chatchat.operator.status.Conditions;
import io.chatchat.operator.status.EventReason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes a cluster's status (only when it changed), and the status of a failed reconciliation. */
final class StatusWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StatusWriter.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final EventRecorder events;
  private final PrometheusMetrics metrics;
  private final SpecReadyTimer readyTimer = new SpecReadyTimer();

  StatusWriter(EventRecorder events, PrometheusMetrics metrics) {
    this.events = events;
    this.metrics = metrics;
  }

  /**
   * Read-after-write: the next reconciliation must see this status, not an older cached one, or a
   * skipped "unchanged" patch could leave a stale status behind (a status-only change triggers no
   * reconciliation).
   */
  void writeIfChanged(
      ChatchatCluster cr, ChatchatClusterStatus status, Context<ChatchatCluster> context) {
    Duration toReady = readyTimer.observe(cr, status, Instant.now());
    if (toReady != null) {
      metrics.specReady(toReady.toMillis() / 1000.0);
    }
    if (!sameStatus(cr.getStatus(), status)) {
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(
          cr, statusPatch(cr, status), context);
    }
  }

  /**
   * Ready=False with the error (its message once as an Event), phase Degraded: an error the
   * operator retries is visible where a user looks. A cluster deleted meanwhile is left alone.
   */
  ErrorStatusUpdateControl<ChatchatCluster> errorStatus(ChatchatCluster cr, Exception e) {
    String id = cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
    if (isNotFound(e)) {
      LOG.debug("{} is gone: {}", id, e.toString());
      return ErrorStatusUpdateControl.<ChatchatCluster>noStatusUpdate().withNoRetry();
    }
    LOG.warn("reconciling {} failed: {}", id, e.toString());
    ChatchatClusterStatus status =
        cr.getStatus() == null ? new ChatchatClusterStatus() : cr.getStatus();
    List<Condition> prev = new ArrayList<>(status.conditions);
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    ConditionSet cs =
        new ConditionSet(
            prev,
            cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration(),
            Instant.now());
    cs.set(
        Conditions.READY,
        false,
        "ReconcileError",
        "The operator could not reconcile (it retries with back-off): "
            + (message.length() > 500 ? message.substring(0, 500) : message));
    status.conditions = cs.conditions();
    status.phase = ChatchatClusterStatus.Phase.Degraded;
    Condition ready = Conditions.find(status.conditions, Conditions.READY);
    Condition before = Conditions.find(prev, Conditions.READY);
    if (before == null || !Objects.equals(before.getMessage(), ready.getMessage())) {
      events.record(cr, EventReason.ReconcileError, ready.getMessage());
    }
    return ErrorStatusUpdateControl.patchStatus(statusPatch(cr, status));
  }

  private static boolean sameStatus(ChatchatClusterStatus a, ChatchatClusterStatus b) {
    return a != null && MAPPER.valueToTree(a).equals(MAPPER.valueToTree(b));
  }

  /** A fresh object with only identity and status: what server-side apply of status needs. */
  private static ChatchatCluster statusPatch(ChatchatCluster cr, ChatchatClusterStatus status) {
    ChatchatCluster patch = new ChatchatCluster();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(cr.getMetadata().getName())
            .withNamespace(cr.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }

  private static boolean isNotFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 404) {
        return true;
      }
    }
    return false;
  }
}
