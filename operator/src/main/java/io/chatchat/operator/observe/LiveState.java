package io.chatchat.operator.observe;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster's children as the informer caches held them when the pass started, indexed by kind
 * and name: every decision of one reconciliation reads the same picture.
 */
public final class LiveState {
  public static final LiveState EMPTY = new LiveState(Map.of(), Map.of());

  private final Map<Class<?>, Map<String, HasMetadata>> byType;
  private final Map<Class<?>, List<HasMetadata>> lists = new HashMap<>();
  private final Map<String, Job> sharedPreflights;

  private LiveState(
      Map<Class<?>, Map<String, HasMetadata>> byType, Map<String, Job> sharedPreflights) {
    this.byType = byType;
    this.sharedPreflights = sharedPreflights;
    byType.forEach((type, byName) -> lists.put(type, List.copyOf(byName.values())));
  }

  /**
   * The same picture, with the driver preflight Jobs of the namespace that another cluster's pod
   * would share, by their {@code chatchat.io/preflight-key}.
   */
  public LiveState withSharedPreflights(Map<String, Job> byKey) {
    return new LiveState(byType, Map.copyOf(byKey));
  }

  /** A preflight Job of another cluster (or being created) whose pod is this key's, or null. */
  public Job sharedPreflight(String key) {
    return sharedPreflights.get(key);
  }

  /** Indexes the cached objects of each type. */
  public static LiveState of(Map<Class<? extends HasMetadata>, ? extends List<?>> cached) {
    Map<Class<?>, Map<String, HasMetadata>> index = new HashMap<>();
    cached.forEach(
        (type, objects) -> {
          Map<String, HasMetadata> byName = new LinkedHashMap<>();
          for (Object o : objects) {
            HasMetadata m = (HasMetadata) o;
            byName.put(m.getMetadata().getName(), m);
          }
          index.put(type, byName);
        });
    return new LiveState(index, Map.of());
  }

  /** The cached object of this type and name, or null. */
  public <R extends HasMetadata> R get(Class<R> type, String name) {
    Map<String, HasMetadata> byName = byType.get(type);
    return byName == null ? null : type.cast(byName.get(name));
  }

  /** Every cached object of this type. */
  @SuppressWarnings("unchecked")
  public <R extends HasMetadata> List<R> all(Class<R> type) {
    return (List<R>) lists.getOrDefault(type, List.of());
  }

  public Deployment deployment(String name) {
    return get(Deployment.class, name);
  }

  public StatefulSet statefulSet(String name) {
    return get(StatefulSet.class, name);
  }

  public Job job(String name) {
    return get(Job.class, name);
  }

  /**
   * The cluster's pods with their metadata, status, node, volumes and containers' names and images;
   * the informer cache keeps nothing else of their containers (TrimmedStore).
   */
  public List<Pod> pods() {
    return all(Pod.class);
  }

  /** The replicas a live Deployment asks for (an HPA may own them), or null. */
  public static Integer replicasOf(Deployment d) {
    return d == null || d.getSpec() == null ? null : d.getSpec().getReplicas();
  }
}
