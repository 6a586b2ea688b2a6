package io.chatchat.e2e.runner;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The filesystem and namespaces of one process-backed pod: a bubblewrap sandbox whose root is an
 * empty tmpfs with the host's /usr and /etc read-only, the runtime's directories, and the pod's
 * volumes at their mount paths. ConfigMaps and Secrets become files; an emptyDir is a directory of
 * the pod; a PersistentVolumeClaim is one directory per claim, shared by every pod that mounts it.
 * The network namespace is the pod's own: only its loopback interface.
 */
final class PodSandbox {
  static final String POD_NET = "/pod/net";
  static final String CLUSTER_SVC = "/cluster/svc";

  private PodSandbox() {}

  /** Writes the pod's volumes; returns each volume's host directory by volume name. */
  static Map<String, Path> prepareVolumes(
      KubernetesClient client, Pod pod, Path podDir, Path claimsDir)
      throws IOException, PodEnv.ConfigError {
    String ns = pod.getMetadata().getNamespace();
    Map<String, Path> out = new HashMap<>();
    for (Volume v :
        pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
      Path dir;
      if (v.getPersistentVolumeClaim() != null) {
        dir = claimsDir.resolve(ns).resolve(v.getPersistentVolumeClaim().getClaimName());
      } else {
        dir = podDir.resolve("volumes").resolve(v.getName());
      }
      Files.createDirectories(dir);
      if (v.getConfigMap() != null) {
        ConfigMap cm =
            client.configMaps().inNamespace(ns).withName(v.getConfigMap().getName()).get();
        if (cm == null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())) {
          throw new PodEnv.ConfigError(
              "configmap \"" + v.getConfigMap().getName() + "\" not found");
        }
        writeFiles(dir, cm == null ? Map.of() : nonNull(cm.getData()), v.getConfigMap().getItems());
      } else if (v.getSecret() != null) {
        Map<String, String> data = PodEnv.secret(client, ns, v.getSecret().getSecretName());
        if (data == null && !Boolean.TRUE.equals(v.getSecret().getOptional())) {
          throw new PodEnv.ConfigError(
              "secret \"" + v.getSecret().getSecretName() + "\" not found");
        }
        writeFiles(dir, data == null ? Map.of() : data, v.getSecret().getItems());
      } else if (v.getProjected() != null) {
        writeProjected(client, pod, dir, v);
      } else if (v.getEmptyDir() == null && v.getPersistentVolumeClaim() == null) {
        throw new PodEnv.ConfigError(
            "volume "
                + v.getName()
                + ": only configMap, secret, emptyDir"
                + " and persistentVolumeClaim volumes are supported by the process runner");
      }
      out.put(v.getName(), dir);
    }
    return out;
  }

  /**
   * A projected volume: ConfigMaps, Secrets and a service-account token from the TokenRequest API.
   */
  private static void writeProjected(KubernetesClient client, Pod pod, Path dir, Volume v)
      throws IOException, PodEnv.ConfigError {
    String ns = pod.getMetadata().getNamespace();
    for (var src : v.getProjected().getSources()) {
      if (src.getConfigMap() != null) {
        ConfigMap cm =
            client.configMaps().inNamespace(ns).withName(src.getConfigMap().getName()).get();
        writeFiles(
            dir, cm == null ? Map.of() : nonNull(cm.getData()), src.getConfigMap().getItems());
      } else if (src.getSecret() != null) {
        Map<String, String> data = PodEnv.secret(client, ns, src.getSecret().getName());
        writeFiles(dir, data == null ? Map.of() : data, src.getSecret().getItems());
      } else if (src.getServiceAccountToken() != null) {
        String sa =
            pod.getSpec().getServiceAccountName() == null
                ? "default"
                : pod.getSpec().getServiceAccountName();
        var request =
            new io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(src.getServiceAccountToken().getExpirationSeconds())
                .withAudiences(
                    src.getServiceAccountToken().getAudience() == null
                        ? List.of()
                        : List.of(src.getServiceAccountToken().getAudience()))
                .endSpec()
                .build();
        String token =
            client
                .serviceAccounts()
                .inNamespace(ns)
                .withName(sa)
                .tokenRequest(request)
                .getStatus()
                .getToken();
        writeFiles(dir, Map.of(src.getServiceAccountToken().getPath(), token), null);
      } else if (src.getDownwardAPI() != null) {
        Map<String, String> files = new LinkedHashMap<>();
        for (var item : src.getDownwardAPI().getItems()) {
          String field = item.getFieldRef() == null ? "" : item.getFieldRef().getFieldPath();
          files.put(
              item.getPath(),
              "metadata.namespace".equals(field)
                  ? ns
                  : "metadata.name".equals(field) ? pod.getMetadata().getName() : "");
        }
        writeFiles(dir, files, null);
      }
    }
  }

  private static Map<String, String> nonNull(Map<String, String> m) {
    return m == null ? Map.of() : m;
  }

  private static void writeFiles(Path dir, Map<String, String> data, List<KeyToPath> items)
      throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    if (items == null || items.isEmpty()) {
      files.putAll(data);
    } else {
      for (KeyToPath item : items) {
        if (data.containsKey(item.getKey())) {
          files.put(item.getPath(), data.get(item.getKey()));
        }
      }
    }
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = dir.resolve(f.getKey());
      Files.createDirectories(p.getParent());
      Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
    }
  }

  /**
   * A bind mount, after creating its missing parent directories with mode 0755 as a container image
   * has them (bwrap would create them 0700, which a server that drops root, as PostgreSQL does,
   * cannot traverse). Parents under the host's read-only /usr and /etc already exist.
   */
  private static void bind(List<String> cmd, String how, Path source, String target) {
    List<String> parents = new ArrayList<>();
    for (Path p = Path.of(target).getParent();
        p != null && p.getNameCount() > 0;
        p = p.getParent()) {
      parents.add(0, p.toString());
    }
    for (String dir : parents) {
      if (!dir.equals("/usr")
          && !dir.startsWith("/usr/")
          && !dir.equals("/etc")
          && !dir.startsWith("/etc/")
          && !dir.equals("/dev")
          && !dir.equals("/proc")) {
        cmd.addAll(List.of("--perms", "0755", "--dir", dir));
      }
    }
    cmd.addAll(List.of(how, source.toString(), target));
  }

  /** The bwrap command line that runs {@code command} as the pod's container. */
  static List<String> bwrap(
      Pod pod,
      Container c,
      Runtimes.Runtime runtime,
      Map<String, Path> volumes,
      Map<String, String> env,
      Path podDir,
      Path netDir,
      Path svcDir,
      Path podInit,
      Path python,
      List<String> command) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "bwrap",
                "--die-with-parent",
                "--unshare-net",
                "--unshare-ipc",
                "--unshare-uts",
                "--hostname",
                pod.getMetadata().getName()));
    cmd.addAll(
        List.of(
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/bin",
            "/bin",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            "--symlink",
            "usr/sbin",
            "/sbin",
            "--ro-bind",
            "/etc",
            "/etc",
            "--ro-bind",
            podDir.resolve("hosts").toString(),
            "/etc/hosts",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/run",
            "--tmpfs",
            "/var/tmp",
            // Every image has a world-writable /tmp (read-only with readOnlyRootFilesystem,
            // unless a volume is mounted there, as in a real container).
            "--perms",
            "1777",
            "--dir",
            "/tmp"));
    bind(cmd, "--bind", netDir, POD_NET);
    bind(cmd, "--ro-bind", svcDir, CLUSTER_SVC);
    String termPath =
        c.getTerminationMessagePath() == null
            ? "/dev/termination-log"
            : c.getTerminationMessagePath();
    bind(cmd, "--bind", podDir.resolve("termination-log"), termPath);
    for (VolumeMount m :
        c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
      Path src = volumes.get(m.getName());
      if (m.getSubPath() != null && !m.getSubPath().isEmpty()) {
        src = src.resolve(m.getSubPath());
      }
      boolean ro = Boolean.TRUE.equals(m.getReadOnly());
      bind(cmd, ro ? "--ro-bind" : "--bind", src, m.getMountPath());
    }
    // After the volumes: an emptyDir on /tmp must not hide a runtime kept under /tmp.
    for (Path p : runtime.binds()) {
      bind(cmd, "--ro-bind", p, p.toString());
    }
    if (c.getSecurityContext() != null
        && Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem())) {
      cmd.addAll(List.of("--remount-ro", "/"));
    }
    cmd.addAll(
        List.of("--chdir", c.getWorkingDir() == null ? "/" : c.getWorkingDir(), "--clearenv"));
    for (Map.Entry<String, String> e : env.entrySet()) {
      cmd.addAll(List.of("--setenv", e.getKey(), e.getValue()));
    }
    cmd.addAll(List.of("--setenv", "POD_NET_CONFIG", POD_NET + "/net.json", "--"));
    cmd.add(python.toString());
    cmd.add(podInit.toString());
    cmd.add("--");
    cmd.addAll(command);
    return cmd;
  }
}
