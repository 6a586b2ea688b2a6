package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec.KedaScaling;
import io.chatchat.operator.model.ModelServers.Tier;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What scales the model tiers on their queue length: a KEDA ScaledObject (a Prometheus query,
 * summed to one series) when the tier asks for KEDA and its CRDs are installed, otherwise an HPA on
 * the custom-metrics API. Either way the Deployment's replicas are the scaler's: the operator
 * echoes the live count. Pure.
 */
public final class ModelScalers {
  /** KEDA freezes scale-in (HPA scaleDown selectPolicy Disabled) while this is "true". */
  public static final String PAUSED_SCALE_IN = "autoscaling.keda.sh/paused-scale-in";

  /** Labels of a ScaledObject KEDA does not copy onto the HPA it creates. */
  public static final String HPA_EXCLUDED_LABELS = "scaledobject.keda.sh/hpa-excluded-labels";

  /** A model pod takes minutes to load: do not drop one on a short lull. */
  private static final int SCALE_DOWN_WINDOW_SECONDS = 600;

  private static final int SCALE_DOWN_PERIOD_SECONDS = 300;

  private ModelScalers() {}

  /** The scalers of the model tiers. */
  public record Scalers(
      List<HorizontalPodAutoscaler> hpas, List<GenericKubernetesResource> scaledObjects) {}

  /**
   * What this pass decides about the model tiers' scalers.
   *
   * @param pausedScaleIn names of the model Deployments a rollout is rolling: KEDA must not remove
   *     a pod of them meanwhile
   * @param liveHpas names of the operator's HPAs that exist: a tier moving to KEDA gets its
   *     ScaledObject only once its HPA is gone (KEDA's admission refuses a ScaledObject on a target
   *     an HPA scales)
   */
  public record Inputs(ApiCapabilities caps, Set<String> pausedScaleIn, Set<String> liveHpas) {}

  public static Scalers desired(ChatchatCluster cr, Inputs in) {
    List<HorizontalPodAutoscaler> hpas = new ArrayList<>();
    List<GenericKubernetesResource> scaled = new ArrayList<>();
    add(cr, ModelServers.llmTier(cr), cr.getSpec().llm.vllm, in, hpas, scaled);
    add(cr, ModelServers.embeddingTier(cr), cr.getSpec().embedding.tei, in, hpas, scaled);
    return new Scalers(hpas, scaled);
  }

  /** Names of every ScaledObject this cluster may have had, to delete those no longer asked for. */
  public static List<String> possibleNames(ChatchatCluster cr) {
    return List.of(Names.llm(cr), Names.embedding(cr));
  }

  /** True when KEDA scales this server: it asks for KEDA and the CRDs are there. */
  public static boolean usesKeda(ModelServerSpec m, ApiCapabilities caps) {
    return ApiCapabilities.usesKedaSpec(m) && caps.scaledObjects();
  }

  private static void add(
      ChatchatCluster cr,
      Tier tier,
      ModelServerSpec m,
      Inputs in,
      List<HorizontalPodAutoscaler> hpas,
      List<GenericKubernetesResource> scaled) {
    if (m == null || !m.autoscaling.enabled) {
      return;
    }
    if (!usesKeda(m, in.caps())) {
      hpas.add(autoscaler(cr, tier, m));
    } else if (!in.liveHpas().contains(tier.name())) {
      scaled.add(scaledObject(cr, tier, m, in.pausedScaleIn().contains(tier.name())));
    }
  }

  /**
   * The default query: the tier's queue gauge summed to one series (KEDA's Prometheus scaler fails
   * on more than one) over this cluster's server pods. With {@code spec.monitoring} on, by the
   * labels its PodMonitors add, so no other scrape of the same pods counts twice; otherwise by the
   * Deployment's pod names, {@code <name>-<replica-set hash>-<suffix>} (the API server cuts a
   * generated name at 58 characters, then only that prefix is matched), so another cluster's
   * servers never match.
   */
  static String defaultQuery(ChatchatCluster cr, Tier tier) {
    String ns = "namespace=\"" + cr.getMetadata().getNamespace() + "\"";
    if (cr.getSpec().monitoring.enabled) {
      return "sum("
          + tier.defaultMetric()
          + "{"
          + ns
          + ","
          + Monitors.CLUSTER_LABEL
          + "=\""
          + cr.getMetadata().getName()
          + "\","
          + Monitors.COMPONENT_LABEL
          + "=\""
          + tier.component()
          + "\"})";
    }
    return "sum(" + tier.defaultMetric() + "{" + ns + ",pod=~\"" + podPattern(tier.name()) + "\"})";
  }

  /** Longest generated-name prefix the API server keeps (names are at most 63 characters). */
  private static final int GENERATED_PREFIX = 58;

  /** The longest replica-set hash (a pod-template hash, 10 safe-encoded characters at most). */
  private static final int HASH = 10;

  private static String podPattern(String deployment) {
    if (deployment.length() + 1 + HASH + 1 <= GENERATED_PREFIX) {
      return deployment + "-[a-z0-9]+-[a-z0-9]+";
    }
    String prefix =
        (deployment + "-").substring(0, Math.min(deployment.length() + 1, GENERATED_PREFIX));
    return prefix + "[a-z0-9-]*";
  }

  static GenericKubernetesResource scaledObject(
      ChatchatCluster cr, Tier tier, ModelServerSpec m, boolean pauseScaleIn) {
    KedaScaling keda = m.autoscaling.keda;
    ObjectMeta meta = OwnerRefs.owned(cr, tier.name(), tier.component());
    Map<String, String> annotations = new LinkedHashMap<>();
    // KEDA copies the ScaledObject's labels onto its HPA; without ours the operator's informers
    // (selected by managed-by) never see that HPA.
    annotations.put(HPA_EXCLUDED_LABELS, Labels.MANAGED_BY);
    if (pauseScaleIn) {
      annotations.put(PAUSED_SCALE_IN, "true");
    }
    meta.setAnnotations(annotations);
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("serverAddress", keda.serverAddress);
    metadata.put("query", keda.query != null ? keda.query : defaultQuery(cr, tier));
    // KEDA parses the threshold as a float: "500m" is written 0.5.
    metadata.put(
        "threshold",
        Quantity.getAmountInBytes(new Quantity(m.autoscaling.targetAverageValue))
            .stripTrailingZeros()
            .toPlainString());
    Map<String, Object> trigger = new LinkedHashMap<>();
    trigger.put("type", "prometheus");
    trigger.put("metricType", "AverageValue");
    trigger.put("metadata", metadata);
    if (keda.authenticationRef != null) {
      trigger.put("authenticationRef", Map.of("name", keda.authenticationRef));
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put(
        "scaleTargetRef",
        Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", tier.name()));
    spec.put("minReplicaCount", m.autoscaling.minReplicas);
    spec.put("maxReplicaCount", m.autoscaling.maxReplicas);
    spec.put("pollingInterval", keda.pollingIntervalSeconds);
    spec.put(
        "advanced",
        Map.of("horizontalPodAutoscalerConfig", Map.of("behavior", scaleDownBehaviour())));
    spec.put("triggers", List.of(trigger));
    return OwnerRefs.custom(
        ApiCapabilities.KEDA_GROUP_VERSION, ApiCapabilities.SCALED_OBJECT_KIND, meta, spec);
  }

  private static Map<String, Object> scaleDownBehaviour() {
    return Map.of(
        "scaleDown",
        Map.of(
            "stabilizationWindowSeconds",
            SCALE_DOWN_WINDOW_SECONDS,
            "policies",
            List.of(
                Map.of("type", "Pods", "value", 1, "periodSeconds", SCALE_DOWN_PERIOD_SECONDS))));
  }

  /** Scales a model tier on its queue length, read through the custom-metrics API. */
  static HorizontalPodAutoscaler autoscaler(ChatchatCluster cr, Tier tier, ModelServerSpec m) {
    String metric =
        m.autoscaling.metricName != null ? m.autoscaling.metricName : tier.defaultMetric();
    return new HorizontalPodAutoscalerBuilder()
        .withMetadata(OwnerRefs.owned(cr, tier.name(), tier.component()))
        .withNewSpec()
        .withNewScaleTargetRef()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(tier.name())
        .endScaleTargetRef()
        .withMinReplicas(m.autoscaling.minReplicas)
        .withMaxReplicas(m.autoscaling.maxReplicas)
        .addNewMetric()
        .withType("Pods")
        .withNewPods()
        .withNewMetric()
        .withName(metric)
        .endMetric()
        .withNewTarget()
        .withType("AverageValue")
        .withAverageValue(new Quantity(m.autoscaling.targetAverageValue))
        .endTarget()
        .endPods()
        .endMetric()
        .withNewBehavior()
        .withNewScaleDown()
        .withStabilizationWindowSeconds(SCALE_DOWN_WINDOW_SECONDS)
        .addNewPolicy()
        .withType("Pods")
        .withValue(1)
        .withPeriodSeconds(SCALE_DOWN_PERIOD_SECONDS)
        .endPolicy()
        .endScaleDown()
        .endBehavior()
        .endSpec()
        .build();
  }
}
