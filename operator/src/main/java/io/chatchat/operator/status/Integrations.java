package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The conditions of the optional APIs a spec uses: MonitoringReady (PodMonitors) and KedaAvailable
 * (ScaledObjects). Informational: neither keeps the cluster from being Ready, and neither is
 * present when the spec does not ask for it. Pure.
 */
public final class Integrations {
  private Integrations() {}

  /**
   * @param caps what the API server serves; null when nothing was applied (conditions are kept)
   */
  static void set(ChatchatClusterSpec spec, ApiCapabilities caps, ConditionSet cs) {
    if (caps == null) {
      return;
    }
    monitoring(spec, caps, cs);
    keda(spec, caps, cs);
  }

  /** The first look for a CRD that is missing comes this soon after it was found missing. */
  static final Duration FIRST_RECHECK = Duration.ofSeconds(20);

  /** ... and the looks thin out to this. */
  static final Duration LONGEST_RECHECK = Duration.ofMinutes(5);

  /**
   * When to look again for the CRDs a spec asks for and the cluster lacks (null: none lacks): a
   * quarter of the time since they were found missing, between 20 seconds and 5 minutes. Nothing
   * announces CRDs installed later.
   */
  public static Duration recheckAfter(List<Condition> conditions, Instant now) {
    Duration next = null;
    for (String type : List.of(Conditions.MONITORING_READY, Conditions.KEDA_AVAILABLE)) {
      Condition c = Conditions.find(conditions, type);
      if (c == null || !Conditions.FALSE.equals(c.getStatus())) {
        continue;
      }
      Duration missing = Duration.between(Instant.parse(c.getLastTransitionTime()), now);
      Duration look = missing.dividedBy(4);
      look = look.compareTo(FIRST_RECHECK) < 0 ? FIRST_RECHECK : look;
      look = look.compareTo(LONGEST_RECHECK) > 0 ? LONGEST_RECHECK : look;
      next = next == null || look.compareTo(next) < 0 ? look : next;
    }
    return next;
  }

  private static void monitoring(ChatchatClusterSpec spec, ApiCapabilities caps, ConditionSet cs) {
    if (!ApiCapabilities.wantsPodMonitors(spec)) {
      cs.remove(Conditions.MONITORING_READY);
    } else if (caps.podMonitors()) {
      cs.set(
          Conditions.MONITORING_READY,
          true,
          "PrometheusOperatorFound",
          "PodMonitors scrape " + String.join(", ", scraped(spec)));
    } else {
      cs.set(
          Conditions.MONITORING_READY,
          false,
          "PrometheusOperatorMissing",
          "monitoring.enabled is set but the Prometheus Operator's CRDs (PodMonitor,"
              + " monitoring.coreos.com/v1) are not installed in this cluster");
    }
  }

  private static List<String> scraped(ChatchatClusterSpec spec) {
    List<String> out = new ArrayList<>();
    if (spec.llm.vllm != null) {
      out.add("vLLM");
    }
    if (spec.embedding.tei != null) {
      out.add("text-embeddings-inference");
    }
    if (spec.cache.enabled) {
      out.add("the cache proxy");
    }
    return out.isEmpty() ? List.of("nothing: no tier the operator runs serves metrics") : out;
  }

  private static void keda(ChatchatClusterSpec spec, ApiCapabilities caps, ConditionSet cs) {
    List<String> tiers = new ArrayList<>();
    if (ApiCapabilities.usesKedaSpec(spec.llm.vllm)) {
      tiers.add("LLM");
    }
    if (ApiCapabilities.usesKedaSpec(spec.embedding.tei)) {
      tiers.add("embedding");
    }
    String which = String.join(" and ", tiers);
    if (tiers.isEmpty()) {
      cs.remove(Conditions.KEDA_AVAILABLE);
    } else if (caps.scaledObjects()) {
      cs.set(
          Conditions.KEDA_AVAILABLE,
          true,
          "KedaFound",
          "KEDA ScaledObjects scale the " + which + " tier on its queue length");
    } else {
      cs.set(
          Conditions.KEDA_AVAILABLE,
          false,
          "KedaMissing",
          "autoscaling.keda is set but KEDA's CRDs (ScaledObject, keda.sh/v1alpha1) are not"
              + " installed in this cluster: the "
              + which
              + " tier scales with a HorizontalPodAutoscaler on the custom-metrics API instead");
    }
  }
}
