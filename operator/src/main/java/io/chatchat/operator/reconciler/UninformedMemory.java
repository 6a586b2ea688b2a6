package io.chatchat.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this operator process last did to each object of a kind it has no informer for: HTTPRoutes,
 * PodMonitors and KEDA ScaledObjects (their CRDs may be absent, an informer on a missing type fails
 * the operator's start, and the chart grants no list or watch on them). Without this memory every
 * pass would re-apply each object and delete each one the spec does not ask for, mostly answered
 * 404. An object is applied again when its content changes, and every {@link #REAPPLY} to undo
 * edits by others; one known to be absent is not deleted again.
 */
final class UninformedMemory {
  /** How often an unchanged object is applied again, repairing what others changed. */
  static final Duration REAPPLY = Duration.ofMinutes(30);

  private record Applied(int digest, int length, long atNanos) {}

  private static final Applied ABSENT = new Applied(0, -1, 0);

  private final Map<String, Applied> objects = new ConcurrentHashMap<>();

  /** True when this object must be sent: new content, or not applied for {@link #REAPPLY}. */
  boolean needsApply(HasMetadata object) {
    String json = Serialization.asJson(object);
    Applied last = objects.get(key(object));
    return last == null
        || last == ABSENT
        || last.digest() != json.hashCode()
        || last.length() != json.length()
        || System.nanoTime() - last.atNanos() >= REAPPLY.toNanos();
  }

  void applied(HasMetadata object) {
    String json = Serialization.asJson(object);
    objects.put(key(object), new Applied(json.hashCode(), json.length(), System.nanoTime()));
  }

  /** False when this process deleted the object or found it absent. */
  boolean mayExist(String kind, String namespace, String name) {
    return objects.get(key(kind, namespace, name)) != ABSENT;
  }

  void absent(String kind, String namespace, String name) {
    objects.put(key(kind, namespace, name), ABSENT);
  }

  /** Forgets every object of a kind: its CRD came or went, and with it the objects. */
  void forgetKind(String kind) {
    objects.keySet().removeIf(k -> k.startsWith(kind + "/"));
  }

  private static String key(HasMetadata o) {
    return key(o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  private static String key(String kind, String namespace, String name) {
    return kind + "/" + namespace + "/" + name;
  }
}
