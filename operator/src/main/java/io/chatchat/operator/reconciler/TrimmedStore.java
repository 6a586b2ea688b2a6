package io.chatchat.operator.reconciler;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An informer cache that keeps of each object's {@code managedFields} only the operator's own
 * entry, the one the server-side-apply matcher reads to tell whether an object is up to date. The
 * other managers' entries (the controllers' status fields, kubectl, the scheduler, the kubelets)
 * are never read, and on a pod they are most of its metadata. Of pods and Jobs, which the operator
 * never applies again, it keeps less still; and every object is compacted ({@link CompactObjects}).
 * The object is trimmed as it enters the cache, before any handler sees it.
 */
final class TrimmedStore<R extends HasMetadata> extends BasicItemStore<R> {
  TrimmedStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public R put(String key, R obj) {
    trim(obj);
    return super.put(key, obj);
  }

  static void trim(HasMetadata obj) {
    trimManagedFields(obj);
    if (obj instanceof Pod pod && pod.getSpec() != null) {
      trimPodSpec(pod);
    }
    if (obj instanceof Job job && job.getSpec() != null) {
      trimJobSpec(job);
    }
    CompactObjects.compact(obj);
  }

  /**
   * Of a pod the operator reads its metadata, its status, its node, its containers' images and the
   * ConfigMaps its volumes mount ({@link io.chatchat.operator.observe.LiveState#pods()}); it never
   * applies pods, so their containers' commands, environment and probes, their placement and
   * security settings, most of a pod's size, are not kept.
   */
  private static void trimPodSpec(Pod pod) {
    PodSpec full = pod.getSpec();
    PodSpec kept = new PodSpec();
    kept.setNodeName(full.getNodeName());
    kept.setVolumes(full.getVolumes());
    kept.setContainers(
        full.getContainers() == null
            ? null
            : full.getContainers().stream()
                .map(
                    c ->
                        new ContainerBuilder()
                            .withName(c.getName())
                            .withImage(c.getImage())
                            .build())
                .toList());
    pod.setSpec(kept);
  }

  /**
   * A Job is created once and then only read for its status and labels (the gates); of its pod the
   * shared preflight compares the image and the command. The rest of its template is not kept.
   */
  private static void trimJobSpec(Job job) {
    PodTemplateSpec template = job.getSpec().getTemplate();
    List<Container> containers =
        template == null || template.getSpec() == null ? null : template.getSpec().getContainers();
    JobSpec kept = new JobSpec();
    if (containers != null) {
      kept.setTemplate(
          new PodTemplateSpecBuilder()
              .withNewSpec()
              .withContainers(
                  containers.stream()
                      .map(
                          c ->
                              new ContainerBuilder()
                                  .withName(c.getName())
                                  .withImage(c.getImage())
                                  .withCommand(c.getCommand())
                                  .build())
                      .toList())
              .endSpec()
              .build());
    }
    job.setSpec(kept);
  }

  private static void trimManagedFields(HasMetadata obj) {
    ObjectMeta meta = obj.getMetadata();
    List<ManagedFieldsEntry> entries = meta == null ? null : meta.getManagedFields();
    if (entries == null || entries.isEmpty()) {
      return;
    }
    List<ManagedFieldsEntry> ours =
        entries.stream().filter(e -> ChildWriter.FIELD_MANAGER.equals(e.getManager())).toList();
    for (ManagedFieldsEntry e : ours) {
      if (e.getFieldsV1() != null) {
        e.getFieldsV1().setAdditionalProperties(compact(e.getFieldsV1().getAdditionalProperties()));
      }
    }
    meta.setManagedFields(ours.isEmpty() ? null : ours);
  }

  /**
   * The operator's own field set, kept for the matcher, as immutable maps with interned keys: the
   * parser's nested LinkedHashMaps of mostly empty {@code {}} leaves were two thirds of the cache.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> compact(Map<String, Object> fields) {
    if (fields == null || fields.isEmpty()) {
      return Map.of();
    }
    List<Map.Entry<String, Object>> kept = new ArrayList<>(fields.size());
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      Object value = e.getValue();
      if (value instanceof Map<?, ?> nested) {
        value = compact((Map<String, Object>) nested);
      }
      if (value != null) {
        kept.add(Map.entry(e.getKey().intern(), value));
      }
    }
    return Map.ofEntries(kept.toArray(Map.Entry[]::new));
  }
}
