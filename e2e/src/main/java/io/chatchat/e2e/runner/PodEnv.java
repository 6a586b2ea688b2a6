package io.chatchat.e2e.runner;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's environment as the kubelet builds it: envFrom first, then env in order, values from
 * Secrets, ConfigMaps and the pod's own fields, and Kubernetes' {@code $(VAR)} expansion (a
 * reference to a variable defined earlier is replaced, {@code $$} is a literal {@code $}, anything
 * else stays as written). Command and args are expanded against the whole environment.
 */
public final class PodEnv {
  private PodEnv() {}

  /** Thrown when a required Secret or ConfigMap key is missing, as CreateContainerConfigError. */
  public static final class ConfigError extends Exception {
    ConfigError(String message) {
      super(message);
    }
  }

  public static Map<String, String> resolve(
      KubernetesClient client, Pod pod, Container c, String podIp, Map<String, String> imageEnv)
      throws ConfigError {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> env = new LinkedHashMap<>(imageEnv);
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getSecretRef() != null) {
        Map<String, String> data = secret(client, ns, from.getSecretRef().getName());
        if (data == null && !Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
          throw new ConfigError("secret \"" + from.getSecretRef().getName() + "\" not found");
        }
        if (data != null) {
          data.forEach((k, v) -> env.put(prefix + k, v));
        }
      }
      if (from.getConfigMapRef() != null) {
        ConfigMap cm =
            client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get();
        if (cm == null && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
          throw new ConfigError("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
        }
        if (cm != null && cm.getData() != null) {
          cm.getData().forEach((k, v) -> env.put(prefix + k, v));
        }
      }
    }
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      String value =
          e.getValueFrom() != null
              ? valueFrom(client, pod, e.getValueFrom(), podIp)
              : expand(e.getValue() == null ? "" : e.getValue(), env);
      if (value != null) {
        env.put(e.getName(), value);
      }
    }
    return env;
  }

  public static List<String> command(Container c, Map<String, String> env) {
    List<String> out = new ArrayList<>();
    for (String s : c.getCommand() == null ? List.<String>of() : c.getCommand()) {
      out.add(expand(s, env));
    }
    for (String s : c.getArgs() == null ? List.<String>of() : c.getArgs()) {
      out.add(expand(s, env));
    }
    return out;
  }

  private static String valueFrom(KubernetesClient client, Pod pod, EnvVarSource src, String podIp)
      throws ConfigError {
    String ns = pod.getMetadata().getNamespace();
    if (src.getSecretKeyRef() != null) {
      var ref = src.getSecretKeyRef();
      Map<String, String> data = secret(client, ns, ref.getName());
      String v = data == null ? null : data.get(ref.getKey());
      if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
        throw new ConfigError(
            data == null
                ? "secret \"" + ref.getName() + "\" not found"
                : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
      }
      return v;
    }
    if (src.getConfigMapKeyRef() != null) {
      var ref = src.getConfigMapKeyRef();
      ConfigMap cm = client.configMaps().inNamespace(ns).withName(ref.getName()).get();
      String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
      if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
        throw new ConfigError(
            "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
      }
      return v;
    }
    if (src.getFieldRef() != null) {
      switch (src.getFieldRef().getFieldPath()) {
        case "metadata.name":
          return pod.getMetadata().getName();
        case "metadata.namespace":
          return ns;
        case "metadata.uid":
          return pod.getMetadata().getUid();
        case "status.podIP":
          return podIp;
        case "spec.nodeName":
          return pod.getSpec().getNodeName();
        default:
          throw new ConfigError("unsupported fieldRef " + src.getFieldRef().getFieldPath());
      }
    }
    throw new ConfigError("unsupported valueFrom " + src);
  }

  static Map<String, String> secret(KubernetesClient client, String ns, String name) {
    Secret s = client.secrets().inNamespace(ns).withName(name).get();
    if (s == null) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData()
          .forEach(
              (k, v) ->
                  out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  /** Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion). */
  public static String expand(String input, Map<String, String> env) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < input.length()) {
      char ch = input.charAt(i);
      if (ch == '$' && i + 1 < input.length()) {
        char next = input.charAt(i + 1);
        if (next == '$') {
          out.append('$');
          i += 2;
          continue;
        }
        if (next == '(') {
          int close = input.indexOf(')', i + 2);
          if (close > 0) {
            String name = input.substring(i + 2, close);
            String v = env.get(name);
            out.append(v != null ? v : input.substring(i, close + 1));
            i = close + 1;
            continue;
          }
        }
      }
      out.append(ch);
      i++;
    }
    return out.toString();
  }
}
