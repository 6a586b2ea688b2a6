package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.CacheSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The answer cache: a LiteLLM proxy Deployment between Chatchat and the LLM, with exact caching in
 * Valkey (a StatefulSet the operator runs) or the user's Valkey or Redis. Every key starts with the
 * cache namespace, which carries the epoch: a digest of the LLM and the flush value, so a new model
 * or a flush serves nothing stored before. While the LLM rolls the proxy passes every request
 * through and stores nothing ({@link Mode#PASS_THROUGH}). Pure.
 */
public final class AnswerCache {
  public static final String PROXY_IMAGE = "ghcr.io/berriai/litellm:main-v1.100.5";
  public static final String STORE_IMAGE = "valkey/valkey:8.1.1";
  public static final String CONFIG_KEY = "config.yaml";
  public static final String CONFIG_DIGEST = "chatchat.io/cache-config-digest";
  static final String CONFIG_PATH = "/config";
  static final long VALKEY_USER = 999L;

  private AnswerCache() {}

  /** Whether the proxy stores and serves answers, or passes every request through. */
  public enum Mode {
    STORED("Stored"),
    PASS_THROUGH("PassThrough");

    private final String shown;

    Mode(String shown) {
      this.shown = shown;
    }

    /** The mode as status shows it. */
    public String shown() {
      return shown;
    }
  }

  /**
   * The cache epoch: a digest of what makes the LLM's answers what they are (for vLLM the image,
   * model, served name, context length, engine arguments and env; for an external endpoint its URL
   * and models) and of spec.cache.flush.
   */
  public static String epoch(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    Map<String, Object> identity = new LinkedHashMap<>();
    VllmSpec v = spec.llm.vllm;
    if (v != null) {
      identity.put("image", v.imageOr(ModelServers.VLLM_IMAGE));
      identity.put("model", v.model);
      identity.put("served", v.effectiveServedModelName());
      identity.put("maxModelLen", v.maxModelLen);
      identity.put("args", v.extraArgs);
      identity.put("env", v.env);
    } else {
      identity.put("baseUrl", spec.llm.external.baseUrl);
      identity.put("models", spec.llm.external.models);
    }
    identity.put("flush", spec.cache.flush);
    return ConfigHash.sha256(ChatchatSettings.json(identity)).substring(0, 12);
  }

  /**
   * The key prefix of every answer: namespace, cluster, epoch and round (the number of returns from
   * pass-through to storing: what a proxy still storing during an LLM change wrote is never read
   * after it).
   */
  public static String keyNamespace(ChatchatCluster cr, int round) {
    return "chatchat:"
        + cr.getMetadata().getNamespace()
        + ":"
        + cr.getMetadata().getName()
        + ":"
        + epoch(cr)
        + "-"
        + round;
  }

  /** The cache's objects (none when disabled): config, proxy, its Service, the managed store. */
  public static List<HasMetadata> desired(ChatchatCluster cr, Mode mode) {
    return desired(cr, mode, 0, "");
  }

  /**
   * @param round see {@link #keyNamespace}
   * @param secretsDigest a digest of the Secrets the proxy reads ({@link #proxySecrets}), so that
   *     rotating the LLM's key or the store's password restarts the proxies
   */
  public static List<HasMetadata> desired(
      ChatchatCluster cr, Mode mode, int round, String secretsDigest) {
    CacheSpec cache = cr.getSpec().cache;
    List<HasMetadata> out = new ArrayList<>();
    if (!cache.enabled) {
      return out;
    }
    ConfigMap config = config(cr, mode);
    out.add(config);
    out.add(proxy(cr, round, ConfigHash.digest(config.getData()) + secretsDigest));
    out.add(
        Deployments.service(
            cr,
            Names.cacheProxy(cr),
            Labels.COMPONENT_CACHE_PROXY,
            "http",
            Endpoints.CACHE_PROXY_PORT,
            false));
    if (cache.managesStore()) {
      StatefulSet store = store(cr);
      out.add(store);
      out.add(Stores.clientService(cr, Names.cacheStore(cr), Labels.COMPONENT_CACHE_STORE, store));
    }
    return out;
  }

  /** LiteLLM's config: the LLM's models, and the cache (its password and host come from env). */
  static ConfigMap config(ChatchatCluster cr, Mode mode) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("model_list", modelList(cr));
    Map<String, Object> cacheParams = new LinkedHashMap<>();
    cacheParams.put("type", "redis");
    cacheParams.put("host", "os.environ/CACHE_HOST");
    cacheParams.put("port", "os.environ/CACHE_PORT");
    if (storePassword(cr) != null) {
      cacheParams.put("password", "os.environ/CACHE_PASSWORD");
    }
    cacheParams.put("namespace", "os.environ/CACHE_NAMESPACE");
    cacheParams.put("ttl", cr.getSpec().cache.ttlSeconds());
    cacheParams.put("mode", mode == Mode.STORED ? "default_on" : "default_off");
    cacheParams.put("supported_call_types", List.of("acompletion", "completion"));
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("cache", true);
    settings.put("cache_params", cacheParams);
    // Hit and request counters on the proxy's /metrics/.
    settings.put("callbacks", List.of("prometheus"));
    settings.put("drop_params", true);
    root.put("litellm_settings", settings);
    Map<String, String> data = new LinkedHashMap<>();
    data.put(CONFIG_KEY, ChatchatSettings.yaml(root));
    return new ConfigMapBuilder()
        .withMetadata(OwnerRefs.owned(cr, Names.cacheProxy(cr), Labels.COMPONENT_CACHE_PROXY))
        .withData(data)
        .build();
  }

  private static List<Map<String, Object>> modelList(ChatchatCluster cr) {
    Endpoints.Model llm = Endpoints.llmServer(cr);
    String provider = cr.getSpec().llm.vllm != null ? "hosted_vllm/" : "openai/";
    List<Map<String, Object>> list = new ArrayList<>();
    for (String model : llm.models()) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("model", provider + model);
      params.put("api_base", llm.baseUrl());
      params.put("api_key", llm.apiKey() != null ? "os.environ/LLM_API_KEY" : "EMPTY");
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("model_name", model);
      entry.put("litellm_params", params);
      list.add(entry);
    }
    return list;
  }

  /** The Secret key of the store's password, or null when it has none. */
  public static SecretKeyRef storePassword(ChatchatCluster cr) {
    CacheSpec cache = cr.getSpec().cache;
    if (cache.managesStore()) {
      return new SecretKeyRef(Names.cacheCredentials(cr), Credentials.PASSWORD);
    }
    return cache.external == null ? null : cache.external.passwordSecretRef;
  }

  /**
   * The Secrets of the user's that the proxy reads: the LLM's key, the external store's password.
   */
  public static List<SecretKeyRef> proxySecrets(ChatchatCluster cr) {
    List<SecretKeyRef> refs = new ArrayList<>();
    SecretKeyRef llmKey = Endpoints.llmServer(cr).apiKey();
    if (llmKey != null) {
      refs.add(llmKey);
    }
    CacheSpec cache = cr.getSpec().cache;
    if (cache.external != null && cache.external.passwordSecretRef != null) {
      refs.add(cache.external.passwordSecretRef);
    }
    return refs;
  }

  static Deployment proxy(ChatchatCluster cr, int round, String configDigest) {
    CacheSpec.Proxy p = cr.getSpec().cache.proxy;
    return new DeploymentBuilder()
        .withMetadata(OwnerRefs.owned(cr, Names.cacheProxy(cr), Labels.COMPONENT_CACHE_PROXY))
        .withNewSpec()
        .withReplicas(p.replicas)
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, Labels.COMPONENT_CACHE_PROXY))
        .endSelector()
        .withStrategy(Deployments.strategy(cr, false))
        .withRevisionHistoryLimit(5)
        .withProgressDeadlineSeconds(600)
        .withTemplate(proxyTemplate(cr, round, configDigest))
        .endSpec()
        .build();
  }

  private static PodTemplateSpec proxyTemplate(ChatchatCluster cr, int round, String configDigest) {
    CacheSpec.Proxy p = cr.getSpec().cache.proxy;
    Container c = proxyContainer(cr, round);
    Volume config =
        new VolumeBuilder()
            .withName("config")
            .withNewConfigMap()
            .withName(Names.cacheProxy(cr))
            .endConfigMap()
            .build();
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Labels.of(cr, Labels.COMPONENT_CACHE_PROXY, c.getImage()))
        .withAnnotations(Map.of(CONFIG_DIGEST, configDigest))
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withVolumes(config, StoreContainers.emptyDir("tmp"))
        .withNodeSelector(p.nodeSelector)
        .withTolerations(p.tolerations)
        .withAffinity(p.affinity)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        // A streamed answer may take minutes: let it finish.
        .withTerminationGracePeriodSeconds(120L)
        .withSecurityContext(PodSecurity.pod(null))
        .endSpec()
        .build();
  }

  private static Container proxyContainer(ChatchatCluster cr, int round) {
    CacheSpec.Proxy p = cr.getSpec().cache.proxy;
    return new ContainerBuilder()
        .withName("litellm")
        .withImage(p.imageOr(PROXY_IMAGE))
        .withImagePullPolicy("IfNotPresent")
        .withArgs(
            "--config",
            CONFIG_PATH + "/" + CONFIG_KEY,
            "--host",
            "0.0.0.0",
            "--port",
            String.valueOf(Endpoints.CACHE_PROXY_PORT))
        .withPorts(StoreContainers.port("http", Endpoints.CACHE_PROXY_PORT))
        .withEnv(proxyEnv(cr, round))
        .withResources(StoreContainers.resources(p, "250m", "512Mi", "1Gi"))
        .withVolumeMounts(
            StoreContainers.mount("config", CONFIG_PATH), StoreContainers.mount("tmp", "/tmp"))
        .withStartupProbe(StoreContainers.http("/health/liveliness", "http", 2, 60))
        .withReadinessProbe(StoreContainers.http("/health/readiness", "http", 5, 3))
        .withLivenessProbe(StoreContainers.http("/health/liveliness", "http", 15, 4))
        .withSecurityContext(PodSecurity.container(false))
        .build();
  }

  private static List<EnvVar> proxyEnv(ChatchatCluster cr, int round) {
    CacheSpec cache = cr.getSpec().cache;
    List<EnvVar> env = new ArrayList<>();
    boolean managed = cache.managesStore();
    env.add(
        StoreContainers.env(
            "CACHE_HOST",
            managed ? Names.serviceHost(cr, Names.cacheStore(cr)) : cache.external.host));
    env.add(
        StoreContainers.env(
            "CACHE_PORT",
            String.valueOf(managed ? Endpoints.CACHE_STORE_PORT : cache.external.port)));
    SecretKeyRef password = storePassword(cr);
    if (password != null) {
      env.add(ChatchatSettings.fromSecret("CACHE_PASSWORD", password));
    }
    env.add(StoreContainers.env("CACHE_NAMESPACE", keyNamespace(cr, round)));
    SecretKeyRef llmKey = Endpoints.llmServer(cr).apiKey();
    if (llmKey != null) {
      env.add(ChatchatSettings.fromSecret("LLM_API_KEY", llmKey));
    }
    // A new connection per request: kept-alive connections would pin the proxy to one LLM pod
    // behind the Service (BerriAI/litellm#8444).
    env.add(StoreContainers.env("AIOHTTP_KEEPALIVE_TIMEOUT", "0"));
    env.add(StoreContainers.env("LITELLM_LOG", "ERROR"));
    return env;
  }

  /** The managed Valkey: memory only, least recently used answers evicted first. */
  static StatefulSet store(ChatchatCluster cr) {
    CacheSpec.ManagedStore m = cr.getSpec().cache.managedOrDefault();
    String name = Names.cacheStore(cr);
    String component = Labels.COMPONENT_CACHE_STORE;
    Container c = storeContainer(cr, m);
    return new StatefulSetBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withReplicas(1)
        .withServiceName(name)
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, component))
        .endSelector()
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withPartition(0)
        .endRollingUpdate()
        .endUpdateStrategy()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.of(cr, component, c.getImage()))
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withVolumes(StoreContainers.emptyDir("conf"))
        .withNodeSelector(m.nodeSelector)
        .withTolerations(m.tolerations)
        .withAffinity(m.affinity)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(30L)
        // The valkey user of the image (its entrypoint, which the command replaces, drops to it).
        .withSecurityContext(PodSecurity.pod(VALKEY_USER))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** Memory for the store's pod: maxmemory and half as much again for Valkey's own overhead. */
  static String storeMemory(CacheSpec.ManagedStore m) {
    String v = m.maxMemory;
    long mib = Long.parseLong(v.substring(0, v.length() - 2)) * (v.endsWith("gb") ? 1024 : 1);
    return (mib * 3 / 2 + 64) + "Mi";
  }

  private static Container storeContainer(ChatchatCluster cr, CacheSpec.ManagedStore m) {
    // The password goes into a config file, not onto the command line.
    String start =
        "printf 'requirepass %s\\n' \"$VALKEY_PASSWORD\" > /conf/valkey.conf"
            + " && exec valkey-server /conf/valkey.conf --bind 0.0.0.0 --port "
            + Endpoints.CACHE_STORE_PORT
            + " --protected-mode no --save '' --appendonly no --maxmemory "
            + m.maxMemory
            + " --maxmemory-policy allkeys-lru";
    return new ContainerBuilder()
        .withName("valkey")
        .withImage(m.imageOr(STORE_IMAGE))
        .withImagePullPolicy("IfNotPresent")
        .withCommand("sh", "-c", start)
        .withPorts(StoreContainers.port("valkey", Endpoints.CACHE_STORE_PORT))
        .withEnv(
            StoreContainers.fromSecret(
                "VALKEY_PASSWORD", Names.cacheCredentials(cr), Credentials.PASSWORD))
        .withResources(StoreContainers.resources(m, "100m", storeMemory(m), storeMemory(m)))
        .withVolumeMounts(StoreContainers.mount("conf", "/conf"))
        .withReadinessProbe(
            StoreContainers.exec(
                "REDISCLI_AUTH=\"$VALKEY_PASSWORD\" valkey-cli ping | grep -q PONG", 5, 3))
        .withLivenessProbe(StoreContainers.tcp("valkey", 15, 4))
        .withSecurityContext(PodSecurity.container(true))
        .build();
  }
}
