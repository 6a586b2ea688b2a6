package io.chatchat.operator.observe;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;

/**
 * Which optional APIs the API server serves, as far as this cluster's spec needs to know: the
 * Prometheus Operator's PodMonitor and KEDA's ScaledObject. Unasked ones are reported absent.
 */
public record ApiCapabilities(boolean podMonitors, boolean scaledObjects) {
  public static final ApiCapabilities NONE = new ApiCapabilities(false, false);

  public static final String MONITORING_GROUP_VERSION = "monitoring.coreos.com/v1";
  public static final String POD_MONITOR_KIND = "PodMonitor";
  public static final String KEDA_GROUP_VERSION = "keda.sh/v1alpha1";
  public static final String SCALED_OBJECT_KIND = "ScaledObject";

  /** The spec asks for PodMonitors. */
  public static boolean wantsPodMonitors(ChatchatClusterSpec spec) {
    return spec.monitoring.enabled;
  }

  /** A model tier asks to be scaled by KEDA. */
  public static boolean wantsKeda(ChatchatClusterSpec spec) {
    return usesKedaSpec(spec.llm.vllm) || usesKedaSpec(spec.embedding.tei);
  }

  /** This model server asks to be scaled by KEDA. */
  public static boolean usesKedaSpec(ModelServerSpec m) {
    return m != null && m.autoscaling.enabled && m.autoscaling.keda != null;
  }
}
