package io.chatchat.operator.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What other field managers added to the parts of an object the operator owns wholesale, as JSON
 * Patch operations that take it out again. Server-side apply keeps fields other managers set, and
 * Chatchat reads any environment variable named like a setting, so an env var, an argument or a
 * settings key added by hand would otherwise stay forever.
 *
 * <p>Owned wholesale: the env, envFrom, command and args of each container the operator renders in
 * a Deployment or StatefulSet, the keys of its ConfigMaps, and the selector and ports of its
 * Services. Everything else is left to others: labels and annotations (also on pod templates, as
 * `kubectl rollout restart` writes), replicas that an autoscaler owns, containers others inject.
 */
final class ForeignFields {
  private ForeignFields() {}

  /** Removal operations, empty when the live object carries nothing foreign there. */
  static List<Map<String, Object>> removals(HasMetadata desired, HasMetadata actual) {
    if (desired instanceof Deployment d && actual instanceof Deployment a) {
      return podSpec(
          d.getSpec().getTemplate().getSpec(),
          a.getSpec().getTemplate().getSpec(),
          "/spec/template/spec");
    }
    if (desired instanceof StatefulSet d && actual instanceof StatefulSet a) {
      return podSpec(
          d.getSpec().getTemplate().getSpec(),
          a.getSpec().getTemplate().getSpec(),
          "/spec/template/spec");
    }
    if (desired instanceof ConfigMap d && actual instanceof ConfigMap a) {
      List<Map<String, Object>> ops = new ArrayList<>();
      extraKeys(d.getData(), a.getData(), "/data", ops);
      extraKeys(d.getBinaryData(), a.getBinaryData(), "/binaryData", ops);
      return ops;
    }
    if (desired instanceof Service d && actual instanceof Service a) {
      return service(d, a);
    }
    return List.of();
  }

  private static List<Map<String, Object>> podSpec(PodSpec desired, PodSpec actual, String path) {
    List<Map<String, Object>> ops = new ArrayList<>();
    containers(
        desired.getInitContainers(), actual.getInitContainers(), path + "/initContainers", ops);
    containers(desired.getContainers(), actual.getContainers(), path + "/containers", ops);
    return ops;
  }

  private static void containers(
      List<Container> desired, List<Container> actual, String path, List<Map<String, Object>> ops) {
    if (desired == null || actual == null) {
      return;
    }
    for (Container want : desired) {
      for (int i = 0; i < actual.size(); i++) {
        Container have = actual.get(i);
        if (want.getName().equals(have.getName())) {
          String at = path + "/" + i;
          Set<String> wanted = names(want.getEnv(), EnvVar::getName);
          if (!wanted.containsAll(names(have.getEnv(), EnvVar::getName))) {
            ops.add(replaceOrRemove(at + "/env", want.getEnv()));
          }
          if (!emptyIfNull(have.getEnvFrom()).isEmpty()
              && !Objects.equals(emptyIfNull(want.getEnvFrom()), have.getEnvFrom())) {
            ops.add(replaceOrRemove(at + "/envFrom", want.getEnvFrom()));
          }
          if (!emptyIfNull(want.getCommand()).equals(emptyIfNull(have.getCommand()))) {
            ops.add(replaceOrRemove(at + "/command", want.getCommand()));
          }
          if (!emptyIfNull(want.getArgs()).equals(emptyIfNull(have.getArgs()))) {
            ops.add(replaceOrRemove(at + "/args", want.getArgs()));
          }
        }
      }
    }
  }

  private static List<Map<String, Object>> service(Service desired, Service actual) {
    List<Map<String, Object>> ops = new ArrayList<>();
    extraKeys(
        desired.getSpec().getSelector(), actual.getSpec().getSelector(), "/spec/selector", ops);
    Set<String> wanted = names(desired.getSpec().getPorts(), ForeignFields::portKey);
    List<ServicePort> have = emptyIfNull(actual.getSpec().getPorts());
    // From the end, so that each removal leaves the earlier indices in place.
    for (int i = have.size() - 1; i >= 0; i--) {
      if (!wanted.contains(portKey(have.get(i)))) {
        ops.add(op("remove", "/spec/ports/" + i, null));
      }
    }
    return ops;
  }

  private static String portKey(ServicePort p) {
    return p.getPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol());
  }

  private static void extraKeys(
      Map<String, String> desired,
      Map<String, String> actual,
      String path,
      List<Map<String, Object>> ops) {
    if (actual == null) {
      return;
    }
    for (String key : actual.keySet()) {
      if (desired == null || !desired.containsKey(key)) {
        ops.add(op("remove", path + "/" + escape(key), null));
      }
    }
  }

  private static Map<String, Object> replaceOrRemove(String path, List<?> desired) {
    return desired == null || desired.isEmpty()
        ? op("remove", path, null)
        : op("replace", path, desired);
  }

  private static Map<String, Object> op(String op, String path, Object value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("op", op);
    m.put("path", path);
    if (value != null) {
      m.put("value", value);
    }
    return m;
  }

  /** JSON Pointer escaping of one path segment (RFC 6901). */
  static String escape(String segment) {
    return segment.replace("~", "~0").replace("/", "~1");
  }

  private static <T> Set<String> names(List<T> items, Function<T, String> name) {
    return emptyIfNull(items).stream().map(name).collect(Collectors.toSet());
  }

  private static <T> List<T> emptyIfNull(List<T> list) {
    return list == null ? List.of() : list;
  }
}
