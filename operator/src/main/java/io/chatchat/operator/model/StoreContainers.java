package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.ManagedPodSpec;
import io.chatchat.operator.api.v1alpha1.ManagedVectorStore;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** The containers of the managed stores and the small pieces they are made of. Pure. */
final class StoreContainers {
  private StoreContainers() {}

  static Container mysql(ManagedDatabase db, String secret) {
    String check = "mysqladmin ping -h 127.0.0.1 -uroot -p\"$MYSQL_ROOT_PASSWORD\" --silent";
    return base("mysql", db.imageOr(Stores.MYSQL_IMAGE), db, resources(db, "250m", "1Gi", "2Gi"))
        .withArgs(
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
            "--skip-name-resolve")
        .withPorts(port("mysql", Endpoints.MYSQL_PORT))
        .withEnv(
            fromSecret("MYSQL_ROOT_PASSWORD", secret, Credentials.ROOT_PASSWORD),
            fromSecret("MYSQL_USER", secret, Credentials.USERNAME),
            fromSecret("MYSQL_PASSWORD", secret, Credentials.PASSWORD),
            env("MYSQL_DATABASE", Credentials.DATABASE))
        .withVolumeMounts(
            mount(Stores.DATA_VOLUME, "/var/lib/mysql"),
            mount("run", "/var/run/mysqld"),
            mount("tmp", "/tmp"))
        // The first start initialises the data directory: allow 10 minutes.
        .withStartupProbe(exec(check, 10, 60))
        // Ready only once Chatchat's own user can query its database.
        .withReadinessProbe(
            exec(
                "mysql -h 127.0.0.1 -u\"$MYSQL_USER\" -p\"$MYSQL_PASSWORD\" -e 'SELECT 1'"
                    + " \"$MYSQL_DATABASE\" >/dev/null",
                10,
                3))
        .withLivenessProbe(exec(check, 20, 3))
        .build();
  }

  static Container postgres(ManagedPodSpec m, String image, String secret) {
    String check = "pg_isready -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\"";
    return base("postgres", image, m, resources(m, "250m", "512Mi", "2Gi"))
        .withPorts(port("postgres", Endpoints.POSTGRES_PORT))
        .withEnv(
            fromSecret("POSTGRES_USER", secret, Credentials.USERNAME),
            fromSecret("POSTGRES_PASSWORD", secret, Credentials.PASSWORD),
            env("POSTGRES_DB", Credentials.DATABASE),
            // A subdirectory: a fresh volume's root may hold lost+found, which initdb refuses.
            env("PGDATA", "/var/lib/postgresql/data/pgdata"))
        .withVolumeMounts(
            mount(Stores.DATA_VOLUME, "/var/lib/postgresql/data"),
            mount("run", "/var/run/postgresql"),
            mount("tmp", "/tmp"))
        .withStartupProbe(exec(check, 10, 60))
        .withReadinessProbe(exec(check, 10, 3))
        .withLivenessProbe(exec(check, 20, 3))
        .build();
  }

  static Container elasticsearch(ChatchatCluster cr, ManagedVectorStore m) {
    ResourceRequirements res = resources(m, "500m", "2Gi", "2Gi");
    List<EnvVar> env = new ArrayList<>();
    env.add(env("cluster.name", cr.getMetadata().getName()));
    env.add(
        new EnvVarBuilder()
            .withName("node.name")
            .withNewValueFrom()
            // apiVersion as the API server defaults it: left out, the applied object would never
            // match the live one and the StatefulSet was re-sent on every pass.
            .withNewFieldRef()
            .withApiVersion("v1")
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .build());
    if (m.replicas == 1) {
      env.add(env("discovery.type", "single-node"));
    } else {
      String sts = Names.vectorStore(cr);
      env.add(env("discovery.seed_hosts", Names.headless(sts)));
      StringJoiner masters = new StringJoiner(",");
      for (int i = 0; i < m.replicas; i++) {
        masters.add(sts + "-" + i);
      }
      env.add(env("cluster.initial_master_nodes", masters.toString()));
    }
    // Reachable only from this cluster's Chatchat pods (NetworkPolicy); no TLS or users inside.
    env.add(env("xpack.security.enabled", "false"));
    // No mmap: no vm.max_map_count sysctl (and no privileged init container) needed.
    env.add(env("node.store.allow_mmap", "false"));
    env.add(env("ES_JAVA_OPTS", "-Xms" + heap(res) + " -Xmx" + heap(res)));
    return base("elasticsearch", m.imageOr(Stores.ELASTICSEARCH_IMAGE), m, res)
        .withPorts(port("http", Endpoints.ELASTICSEARCH_PORT), port("transport", 9300))
        .withEnv(env)
        .withVolumeMounts(
            mount(Stores.DATA_VOLUME, "/usr/share/elasticsearch/data"), mount("tmp", "/tmp"))
        .withStartupProbe(http("/_cluster/health?local=true", "http", 10, 60))
        .withReadinessProbe(http("/_cluster/health?local=true", "http", 10, 3))
        .withLivenessProbe(tcp("http", 20, 3))
        .build();
  }

  /** Half the memory limit, at least 256m, as a JVM size. */
  static String heap(ResourceRequirements res) {
    Quantity limit = res.getLimits() == null ? null : res.getLimits().get("memory");
    long bytes =
        limit == null ? 2L << 30 : Quantity.getAmountInBytes(limit).toBigInteger().longValue();
    long mb = Math.max(256, bytes / 2 / (1 << 20));
    return mb + "m";
  }

  static Container milvus(ManagedVectorStore m) {
    return base("milvus", m.imageOr(Stores.MILVUS_IMAGE), m, resources(m, "500m", "2Gi", "4Gi"))
        .withCommand("milvus", "run", "standalone")
        .withPorts(port("grpc", Endpoints.MILVUS_PORT), port("metrics", 9091))
        .withEnv(
            env("ETCD_USE_EMBED", "true"),
            env("ETCD_DATA_DIR", "/var/lib/milvus/etcd"),
            env("ETCD_CONFIG_PATH", "/milvus/configs/embedEtcd.yaml"),
            env("COMMON_STORAGETYPE", "local"))
        .withVolumeMounts(
            mount(Stores.DATA_VOLUME, "/var/lib/milvus"),
            new VolumeMountBuilder()
                .withName("config")
                .withMountPath("/milvus/configs/embedEtcd.yaml")
                .withSubPath("embedEtcd.yaml")
                .withReadOnly(true)
                .build())
        .withStartupProbe(http("/healthz", "metrics", 10, 60))
        .withReadinessProbe(http("/healthz", "metrics", 10, 3))
        .withLivenessProbe(http("/healthz", "metrics", 20, 3))
        .build();
  }

  /** The embedded etcd of Milvus standalone (as Milvus' standalone_embed.sh writes it). */
  static ConfigMap milvusConfig(ChatchatCluster cr) {
    return new ConfigMapBuilder()
        .withMetadata(OwnerRefs.owned(cr, Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE))
        .withData(
            Map.of(
                "embedEtcd.yaml",
                "listen-client-urls: http://0.0.0.0:2379\n"
                    + "advertise-client-urls: http://0.0.0.0:2379\n"
                    + "quota-backend-bytes: 4294967296\n"
                    + "auto-compaction-mode: revision\n"
                    + "auto-compaction-retention: '1000'\n"))
        .build();
  }

  private static ContainerBuilder base(
      String name, String image, ManagedPodSpec m, ResourceRequirements resources) {
    return new ContainerBuilder()
        .withName(name)
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withResources(resources)
        .withSecurityContext(PodSecurity.container(false));
  }

  static ResourceRequirements resources(
      ManagedPodSpec m, String cpu, String memory, String memoryLimit) {
    return m.resources != null
        ? m.resources
        : ChatchatPodTemplate.resources(cpu, memory, memoryLimit);
  }

  static ContainerPort port(String name, int port) {
    return new ContainerPortBuilder()
        .withName(name)
        .withContainerPort(port)
        .withProtocol("TCP")
        .build();
  }

  static EnvVar env(String name, String value) {
    return ChatchatPodTemplate.env(name, value);
  }

  static EnvVar fromSecret(String name, String secret, String key) {
    return ChatchatSettings.fromSecret(name, new SecretKeyRef(secret, key));
  }

  static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }

  static Volume emptyDir(String name) {
    return new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build();
  }

  static Probe exec(String shell, int period, int failures) {
    return new ProbeBuilder()
        .withNewExec()
        .withCommand("sh", "-c", shell)
        .endExec()
        .withPeriodSeconds(period)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failures)
        .build();
  }

  static Probe http(String path, String port, int period, int failures) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(port)
        .endHttpGet()
        .withPeriodSeconds(period)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failures)
        .build();
  }

  static Probe tcp(String port, int period, int failures) {
    return new ProbeBuilder()
        .withNewTcpSocket()
        .withNewPort(port)
        .endTcpSocket()
        .withPeriodSeconds(period)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failures)
        .build();
  }
}
