package io.chatchat.operator.metrics;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.ComponentStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Per-cluster gauges, read from the operator's cache of ChatchatClusters at each scrape (as
 * kube-state-metrics does): a deleted cluster leaves no series behind, and nothing is written.
 */
public final class ClusterMetrics extends Collector {
  public static final String READY = "chatchat_cluster_ready";
  public static final String PHASE = "chatchat_cluster_phase";
  public static final String CONDITION = "chatchat_cluster_condition";
  public static final String ROLLOUT_PHASE = "chatchat_cluster_rollout_phase";
  public static final String ROLLOUT_TIER = "chatchat_cluster_rollout_tier";
  public static final String ROLLOUT_STEP = "chatchat_cluster_rollout_step";
  public static final String ROLLOUT_STEPS = "chatchat_cluster_rollout_steps";
  public static final String READY_REPLICAS = "chatchat_cluster_component_ready_replicas";
  public static final String DESIRED_REPLICAS = "chatchat_cluster_component_desired_replicas";

  private static final List<String> CLUSTER = List.of("namespace", "cluster");

  private final Supplier<Collection<ChatchatCluster>> clusters;

  /**
   * @param clusters the clusters in the operator's cache (empty before it started)
   */
  public ClusterMetrics(Supplier<Collection<ChatchatCluster>> clusters) {
    this.clusters = clusters;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    Families f = new Families();
    for (ChatchatCluster c : clusters.get()) {
      ChatchatClusterStatus st = c.getStatus();
      if (st == null) {
        continue;
      }
      List<String> id = List.of(c.getMetadata().getNamespace(), c.getMetadata().getName());
      f.ready.addMetric(id, conditionTrue(st, "Ready") ? 1 : 0);
      for (ChatchatClusterStatus.Phase p : ChatchatClusterStatus.Phase.values()) {
        f.phase.addMetric(with(id, p.name()), p == st.phase ? 1 : 0);
      }
      for (Condition cond : st.conditions) {
        f.condition.addMetric(with(id, cond.getType()), "True".equals(cond.getStatus()) ? 1 : 0);
      }
      rollout(f, id, st.rollout);
      for (Map.Entry<String, ComponentStatus> e : st.components.entrySet()) {
        f.readyReplicas.addMetric(with(id, e.getKey()), nz(e.getValue().readyReplicas));
        f.desiredReplicas.addMetric(with(id, e.getKey()), nz(e.getValue().desiredReplicas));
      }
    }
    return f.all();
  }

  private static void rollout(Families f, List<String> id, RolloutStatus r) {
    if (r == null || r.phase == null) {
      return;
    }
    for (RolloutStatus.Phase p : RolloutStatus.Phase.values()) {
      f.rolloutPhase.addMetric(with(id, p.name()), p == r.phase ? 1 : 0);
    }
    boolean moving = r.phase != RolloutStatus.Phase.Completed;
    for (RolloutStatus.Tier t : RolloutStatus.Tier.values()) {
      f.rolloutTier.addMetric(with(id, t.name()), moving && t == r.tier ? 1 : 0);
    }
    f.rolloutStep.addMetric(id, moving && r.step != null ? r.step : 0);
    f.rolloutSteps.addMetric(id, r.steps != null ? r.steps : 0);
  }

  private static boolean conditionTrue(ChatchatClusterStatus st, String type) {
    return st.conditions.stream()
        .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static List<String> with(List<String> id, String value) {
    List<String> labels = new ArrayList<>(id);
    labels.add(value);
    return labels;
  }

  private static double nz(Integer i) {
    return i == null ? 0 : i;
  }

  /** The families of one scrape. */
  private static final class Families {
    final GaugeMetricFamily ready =
        new GaugeMetricFamily(READY, "1 when the cluster's Ready condition is True", CLUSTER);
    final GaugeMetricFamily phase =
        new GaugeMetricFamily(PHASE, "1 for the cluster's status.phase", labels("phase"));
    final GaugeMetricFamily condition =
        new GaugeMetricFamily(
            CONDITION, "1 when the condition is True, 0 otherwise", labels("condition"));
    final GaugeMetricFamily rolloutPhase =
        new GaugeMetricFamily(
            ROLLOUT_PHASE, "1 for the phase of the cluster's last rollout", labels("phase"));
    final GaugeMetricFamily rolloutTier =
        new GaugeMetricFamily(
            ROLLOUT_TIER, "1 for the tier a rollout in progress is at", labels("tier"));
    final GaugeMetricFamily rolloutStep =
        new GaugeMetricFamily(
            ROLLOUT_STEP, "The API canary step of a rollout in progress (0: none)", CLUSTER);
    final GaugeMetricFamily rolloutSteps =
        new GaugeMetricFamily(ROLLOUT_STEPS, "Canary steps of the API tier", CLUSTER);
    final GaugeMetricFamily readyReplicas =
        new GaugeMetricFamily(
            READY_REPLICAS, "Ready pods of a component (status.components)", labels("component"));
    final GaugeMetricFamily desiredReplicas =
        new GaugeMetricFamily(
            DESIRED_REPLICAS, "Pods a component should have", labels("component"));

    private static List<String> labels(String extra) {
      List<String> l = new ArrayList<>(CLUSTER);
      l.add(extra);
      return l;
    }

    List<MetricFamilySamples> all() {
      return List.of(
          ready,
          phase,
          condition,
          rolloutPhase,
          rolloutTier,
          rolloutStep,
          rolloutSteps,
          readyReplicas,
          desiredReplicas);
    }
  }
}
