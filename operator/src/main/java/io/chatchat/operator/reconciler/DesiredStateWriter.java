package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.ModelScalers;
import io.chatchat.operator.model.Monitors;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.reconciler.dependent.Dependents;
import io.chatchat.operator.rollout.ApiCanary;
import io.chatchat.operator.rollout.CanaryStep;
import io.chatchat.operator.rollout.DesiredState;
import io.chatchat.operator.rollout.SmokeGateRunner;
import io.chatchat.operator.status.Conditions;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Acts on what a pass decided, in dependency order: the infrastructure, the routes and the JOSDK
 * dependents; the pods of a rolled-back store revision; the gate Jobs; the canary's exit and its
 * smoke gates; the chat tier; the knowledge-base build; pruning. And records the Events the
 * decisions asked for.
 */
final class DesiredStateWriter {
  private final ChildWriter writer;
  private final SmokeGateRunner smoke;
  private final EventRecorder events;
  private final PrometheusMetrics metrics;
  private final Consumer<ChatchatCluster> wake;
  private final SharedPreflights preflights;

  /**
   * @param wake asks for another reconciliation of a cluster (a smoke-gate run finished)
   * @param preflights the preflight Jobs being created and the clusters waiting for one
   */
  DesiredStateWriter(
      ChildWriter writer,
      SmokeGateRunner smoke,
      EventRecorder events,
      PrometheusMetrics metrics,
      Consumer<ChatchatCluster> wake,
      SharedPreflights preflights) {
    this.preflights = preflights;
    this.writer = writer;
    this.smoke = smoke;
    this.events = events;
    this.metrics = metrics;
    this.wake = wake;
  }

  void write(
      ChatchatCluster cr,
      DesiredState desired,
      LiveState live,
      Context<ChatchatCluster> context,
      List<Problem> problems) {
    writer.removeExtras(cr, desired.extras(), extrasItMayHave(cr));
    writer.apply(desired.infra(), live, context, problems);
    writer.applyRoutes(cr, problems);
    writer.applyExtras(desired.extras(), problems);
    for (Exception e : Dependents.reconcile(cr, context)) {
      KubernetesClientException k = clientException(e);
      if (k == null) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      ChildWriter.refused(kind(k), name(k), "", k, problems);
    }
    writer.delete(desired.storePodsToDelete(), "a store pod of a rolled-back revision, not Ready");
    writer.apply(preflights.claim(desired.gates().create(), cr), live, context, problems);
    if (desired.gates().sharedPreflight() != null) {
      preflights.await(desired.gates().sharedPreflight(), cr);
    }
    writer.delete(desired.gates().delete(), "superseded by a Job that succeeded");
    if (desired.canaryToDelete() != null) {
      writer.delete(List.of(desired.canaryToDelete()), "the stable API pods serve");
    }
    CanaryStep canary = desired.canary();
    if (canary != null) {
      smoke.forget(canary.forget());
      if (!canary.gate().isEmpty()) {
        smoke.start(
            canary.gate(), desired.configHash(), ApiCanary.config(cr), () -> wake.accept(cr));
      }
    }
    writer.apply(desired.chat(), live, context, problems);
    writer.apply(desired.gates().createAfterChat(), live, context, problems);
    writer.prune(cr, live, desired.kept());
  }

  /**
   * The PodMonitors and ScaledObjects this cluster may have: those of a kind whose condition a
   * previous pass set True (the objects were applied), or any after a spec change. A pass that was
   * not applied keeps the conditions, so a removal it held up still happens.
   */
  static Map<String, List<String>> extrasItMayHave(ChatchatCluster cr) {
    boolean specChanged = ChildWriter.specChanged(cr);
    List<Condition> previous = cr.getStatus() == null ? null : cr.getStatus().conditions;
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (specChanged || Conditions.isTrue(previous, Conditions.MONITORING_READY)) {
      out.put(ApiCapabilities.POD_MONITOR_KIND, Monitors.possibleNames(cr));
    }
    if (specChanged || Conditions.isTrue(previous, Conditions.KEDA_AVAILABLE)) {
      out.put(ApiCapabilities.SCALED_OBJECT_KIND, ModelScalers.possibleNames(cr));
    }
    return out;
  }

  private static KubernetesClientException clientException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k) {
        return k;
      }
    }
    return null;
  }

  private static String kind(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getDetails() != null
        ? e.getStatus().getDetails().getKind()
        : "object";
  }

  private static String name(KubernetesClientException e) {
    return e.getStatus() != null && e.getStatus().getDetails() != null
        ? e.getStatus().getDetails().getName()
        : "?";
  }

  /** Records each notice as an Event, and counts the rollout ones. */
  void record(ChatchatCluster cr, List<Notice> notices) {
    for (Notice n : notices) {
      events.record(cr, n);
      if (n.rolloutMetric() != null) {
        metrics.rollout(n.rolloutMetric());
      }
    }
  }
}
