package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.observe.ApiCapabilities;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server serves the optional kinds a spec uses (PodMonitor, ScaledObject), from its
 * discovery endpoint, shared by every cluster of this process. A kind found is trusted for {@link
 * #PRESENT_FOR} (or until an apply answers 404); one not found is looked up again after {@link
 * #ABSENT_FOR}. Only passes of clusters that ask for a kind look it up: idle clusters send nothing.
 * A lookup that fails (403, 5xx, timeout) keeps the last answer, or counts as absent: these are
 * optional integrations, not a reason to fail the pass.
 */
final class ApiDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(ApiDiscovery.class);

  static final Duration PRESENT_FOR = Duration.ofMinutes(10);
  static final Duration ABSENT_FOR = Duration.ofSeconds(10);

  /** Kind → apiVersion and plural of the optional kinds. */
  private static final Map<String, String[]> KINDS =
      Map.of(
          ApiCapabilities.POD_MONITOR_KIND,
          new String[] {ApiCapabilities.MONITORING_GROUP_VERSION, "podmonitors"},
          ApiCapabilities.SCALED_OBJECT_KIND,
          new String[] {ApiCapabilities.KEDA_GROUP_VERSION, "scaledobjects"});

  /** An answer, trusted until {@code untilNanos} (System.nanoTime's scale). */
  private record Found(boolean served, long untilNanos) {}

  private final Function<String, APIResourceList> resources;
  private final LongSupplier nanoTime;
  private final Map<String, Found> found = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  ApiDiscovery(KubernetesClient client) {
    this(client::getApiResources, System::nanoTime);
  }

  /**
   * @param resources a group version's resource list, or null when it is not served
   */
  ApiDiscovery(Function<String, APIResourceList> resources, LongSupplier nanoTime) {
    this.resources = resources;
    this.nanoTime = nanoTime;
  }

  /** Called with a kind whenever it starts or stops being served. */
  void onChange(Consumer<String> listener) {
    listeners.add(listener);
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
    Found last = found.get(key);
    long now = nanoTime.getAsLong();
    if (last != null && now - last.untilNanos() < 0) {
      return last.served();
    }
    Boolean looked = lookUp(groupVersion, kind);
    boolean served = looked != null ? looked : last != null && last.served();
    // A failed lookup keeps what it had, and is tried again soon.
    Duration trusted = looked != null && served ? PRESENT_FOR : ABSENT_FOR;
    found.put(key, new Found(served, now + trusted.toNanos()));
    if (last != null && last.served() != served) {
      LOG.info("{} is {} served", kind, served ? "now" : "no longer");
      listeners.forEach(l -> l.accept(kind));
    }
    return served;
  }

  /** An apply answered 404: look again next time. */
  void forget(String groupVersion, String kind) {
    long now = nanoTime.getAsLong();
    found.computeIfPresent(groupVersion + "/" + kind, (k, f) -> new Found(f.served(), now));
  }

  /** True or false, or null when the discovery endpoint could not be read. */
  private Boolean lookUp(String groupVersion, String kind) {
    try {
      APIResourceList list = resources.apply(groupVersion);
      return list != null
          && list.getResources() != null
          && list.getResources().stream().anyMatch(r -> kind.equals(r.getKind()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      LOG.warn("could not look up {} in {}: {}", kind, groupVersion, e.getMessage());
      return null;
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
