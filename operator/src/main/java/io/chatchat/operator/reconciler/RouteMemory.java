package io.chatchat.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this operator process last did to each HTTPRoute. HTTPRoutes have no informer (the Gateway
 * API CRDs may be absent, and the chart grants no list or watch on them), so without this memory
 * every pass would re-apply each route and delete each route the spec does not ask for, mostly
 * answered 404. A route is applied again when its content changes, and every {@link #REAPPLY} to
 * undo edits by others; a route known to be absent is not deleted again.
 */
final class RouteMemory {
  /** How often an unchanged route is applied again, repairing what others changed. */
  static final Duration REAPPLY = Duration.ofMinutes(30);

  private record Applied(int digest, int length, long atNanos) {}

  private static final Applied ABSENT = new Applied(0, -1, 0);

  private final Map<String, Applied> routes = new ConcurrentHashMap<>();

  /** True when this route must be sent: new content, or not applied for {@link #REAPPLY}. */
  boolean needsApply(HasMetadata route) {
    String json = Serialization.asJson(route);
    Applied last = routes.get(key(route));
    return last == null
        || last == ABSENT
        || last.digest() != json.hashCode()
        || last.length() != json.length()
        || System.nanoTime() - last.atNanos() >= REAPPLY.toNanos();
  }

  void applied(HasMetadata route) {
    String json = Serialization.asJson(route);
    routes.put(key(route), new Applied(json.hashCode(), json.length(), System.nanoTime()));
  }

  /** False when this process deleted the route or found it absent. */
  boolean mayExist(String namespace, String name) {
    return routes.get(namespace + "/" + name) != ABSENT;
  }

  void absent(String namespace, String name) {
    routes.put(namespace + "/" + name, ABSENT);
  }

  private static String key(HasMetadata route) {
    return route.getMetadata().getNamespace() + "/" + route.getMetadata().getName();
  }
}
