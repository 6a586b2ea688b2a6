package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Whether the API server serves the optional kinds a spec uses (PodMonitor, ScaledObject), from its
 * discovery endpoint, shared by every cluster of this process. A kind found is trusted for {@link
 * #PRESENT_FOR} (or until an apply answers 404); one not found is looked up again after {@link
 * #ABSENT_FOR}, so installing the CRDs later takes effect within seconds. Only passes of clusters
 * that ask for a kind look it up: idle clusters send nothing.
 */
final class ApiDiscovery {
  static final Duration PRESENT_FOR = Duration.ofMinutes(10);
  static final Duration ABSENT_FOR = Duration.ofSeconds(10);

  /** Kind → apiVersion and plural of the optional kinds. */
  private static final Map<String, String[]> KINDS =
      Map.of(
          ApiCapabilities.POD_MONITOR_KIND,
          new String[] {ApiCapabilities.MONITORING_GROUP_VERSION, "podmonitors"},
          ApiCapabilities.SCALED_OBJECT_KIND,
          new String[] {ApiCapabilities.KEDA_GROUP_VERSION, "scaledobjects"});

  private record Found(boolean served, long atNanos) {}

  private final Function<String, APIResourceList> resources;
  private final Map<String, Found> found = new ConcurrentHashMap<>();

  ApiDiscovery(KubernetesClient client) {
    this(client::getApiResources);
  }

  /**
   * @param resources a group version's resource list, or null when it is not served
   */
  ApiDiscovery(Function<String, APIResourceList> resources) {
    this.resources = resources;
  }

  /** What this cluster's spec uses of the optional kinds, and whether each is served. */
  ApiCapabilities of(ChatchatCluster cr) {
    boolean monitors =
        ApiCapabilities.wantsPodMonitors(cr.getSpec())
            && serves(ApiCapabilities.MONITORING_GROUP_VERSION, ApiCapabilities.POD_MONITOR_KIND);
    boolean keda =
        ApiCapabilities.wantsKeda(cr.getSpec())
            && serves(ApiCapabilities.KEDA_GROUP_VERSION, ApiCapabilities.SCALED_OBJECT_KIND);
    return new ApiCapabilities(monitors, keda);
  }

  boolean serves(String groupVersion, String kind) {
    String key = groupVersion + "/" + kind;
    Found f = found.get(key);
    long now = System.nanoTime();
    if (f != null && now - f.atNanos() < (f.served() ? PRESENT_FOR : ABSENT_FOR).toNanos()) {
      return f.served();
    }
    boolean served = lookUp(groupVersion, kind);
    found.put(key, new Found(served, now));
    return served;
  }

  /** An apply answered 404: look again next time. */
  void forget(String groupVersion, String kind) {
    found.remove(groupVersion + "/" + kind);
  }

  private boolean lookUp(String groupVersion, String kind) {
    try {
      APIResourceList list = resources.apply(groupVersion);
      return list != null
          && list.getResources() != null
          && list.getResources().stream().anyMatch(r -> kind.equals(r.getKind()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  static String apiVersionOf(String kind) {
    return KINDS.get(kind)[0];
  }

  /** Where the objects of an optional kind live, without asking the discovery endpoint. */
  static ResourceDefinitionContext context(String apiVersion, String kind) {
    String[] groupVersion = apiVersion.split("/", 2);
    return new ResourceDefinitionContext.Builder()
        .withGroup(groupVersion[0])
        .withVersion(groupVersion[1])
        .withKind(kind)
        .withPlural(KINDS.get(kind)[1])
        .withNamespaced(true)
        .build();
  }
}
