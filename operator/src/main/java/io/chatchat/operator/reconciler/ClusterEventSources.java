package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.Labels;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The informers: one per kind of child, on the operator's own objects only (managed-by label),
 * mapped to their cluster by the instance label (the knowledge-base claim may have no owner
 * reference), each cache keeping of {@code managedFields} only the operator's own ({@link
 * TrimmedStore}).
 */
final class ClusterEventSources {
  static final List<Class<? extends HasMetadata>> TYPES =
      List.of(
          Deployment.class,
          StatefulSet.class,
          Service.class,
          ConfigMap.class,
          PersistentVolumeClaim.class,
          Job.class,
          Pod.class,
          HorizontalPodAutoscaler.class,
          PodDisruptionBudget.class,
          Ingress.class,
          NetworkPolicy.class,
          // The Services' slices carry their labels: a rollout step moves when its pods are
          // ready endpoints.
          EndpointSlice.class);

  /**
   * Objects per page of an informer's initial list: a (re)start with hundreds of clusters reads
   * thousands of objects, and one unpaged LIST of each kind is decoded whole before it is trimmed.
   */
  static final long LIST_PAGE = 500;

  private ClusterEventSources() {}

  /** The informer's name, which the dependents of its kind share (useEventSourceWithName). */
  static String name(Class<?> type) {
    return type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * JOSDK runs one informer per watched namespace and hands each the same item store, whose relist
   * would then drop the other namespaces' objects: the trimmed store only serves a single informer
   * (all namespaces, or one).
   */
  private static boolean oneInformerPerType(EventSourceContext<ChatchatCluster> context) {
    return context.getControllerConfiguration().getInformerConfig().getNamespaces().size() == 1;
  }

  /**
   * @param onJob sees every Job event (shared preflights wake the clusters waiting for one)
   */
  static List<EventSource<?, ChatchatCluster>> all(
      EventSourceContext<ChatchatCluster> context, Consumer<Job> onJob) {
    return TYPES.stream()
        .<EventSource<?, ChatchatCluster>>map(type -> informer(context, type, onJob))
        .toList();
  }

  private static <R extends HasMetadata> InformerEventSource<R, ChatchatCluster> informer(
      EventSourceContext<ChatchatCluster> context, Class<R> type, Consumer<Job> onJob) {
    var config =
        InformerEventSourceConfiguration.from(type, ChatchatCluster.class)
            .withName(name(type))
            .withLabelSelector(Labels.MANAGED_SELECTOR)
            .withInformerListLimit(LIST_PAGE)
            .withSecondaryToPrimaryMapper(
                r -> {
                  if (r instanceof Job job) {
                    onJob.accept(job);
                  }
                  String instance =
                      r.getMetadata().getLabels() == null
                          ? null
                          : r.getMetadata().getLabels().get(Labels.INSTANCE);
                  return instance == null
                      ? Set.of()
                      : Set.of(new ResourceID(instance, r.getMetadata().getNamespace()));
                });
    if (oneInformerPerType(context)) {
      config.withItemStore(new TrimmedStore<>());
    }
    return new InformerEventSource<>(config.build(), context);
  }
}
