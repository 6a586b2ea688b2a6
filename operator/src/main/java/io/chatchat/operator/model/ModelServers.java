package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.TeiSpec;
import io.chatchat.operator.api.v1alpha1.VllmSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPU model tier: vLLM's OpenAI-compatible server for the LLM and text-embeddings-inference for
 * embeddings, each a Deployment with a Service that Chatchat's MODEL_PLATFORMS point at.
 */
public final class ModelServers {
  public static final String VLLM_IMAGE = "vllm/vllm-openai:v0.10.1.1";
  public static final String TEI_GPU_IMAGE = "ghcr.io/huggingface/text-embeddings-inference:1.8";
  public static final String TEI_CPU_IMAGE =
      "ghcr.io/huggingface/text-embeddings-inference:cpu-1.8";
  public static final String VLLM_QUEUE_METRIC = "vllm:num_requests_waiting";
  public static final String TEI_QUEUE_METRIC = "te_queue_size";

  static final String CACHE_PATH = "/models";

  private ModelServers() {}

  /** A model server's identity: which tier, which name, which port. */
  record Tier(String component, String name, int port, String defaultMetric) {}

  public static List<HasMetadata> desired(
      ChatchatCluster cr, Integer llmReplicas, Integer embeddingReplicas) {
    List<HasMetadata> out = new ArrayList<>();
    VllmSpec vllm = cr.getSpec().llm.vllm;
    if (vllm != null) {
      out.addAll(objects(cr, llmTier(cr), vllm, vllmContainer(vllm), llmReplicas));
    }
    TeiSpec tei = cr.getSpec().embedding.tei;
    if (tei != null) {
      out.addAll(objects(cr, embeddingTier(cr), tei, teiContainer(tei), embeddingReplicas));
    }
    return out;
  }

  /**
   * A model server that replaces its pods one at a time, stopping an old pod before its successor
   * starts: for a rollout when no node has the GPUs for one extra pod.
   */
  public static DeploymentStrategy oneAtATime() {
    return new DeploymentStrategyBuilder()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString(0))
        .withMaxUnavailable(new IntOrString(1))
        .endRollingUpdate()
        .build();
  }

  /** A copy of the Deployment with another update strategy. */
  public static Deployment withStrategy(Deployment d, DeploymentStrategy strategy) {
    return new DeploymentBuilder(d).editSpec().withStrategy(strategy).endSpec().build();
  }

  /** The GPU resource a model server's pod or Deployment requests (by its component label). */
  public static String gpuResource(ChatchatClusterSpec spec, HasMetadata o) {
    String component =
        o.getMetadata().getLabels() == null
            ? null
            : o.getMetadata().getLabels().get(Labels.COMPONENT);
    if (Labels.COMPONENT_EMBEDDING.equals(component) && spec.embedding.tei != null) {
      return spec.embedding.tei.gpuResource;
    }
    return spec.llm.vllm != null ? spec.llm.vllm.gpuResource : "nvidia.com/gpu";
  }

  static Tier llmTier(ChatchatCluster cr) {
    return new Tier(Labels.COMPONENT_LLM, Names.llm(cr), Endpoints.LLM_PORT, VLLM_QUEUE_METRIC);
  }

  static Tier embeddingTier(ChatchatCluster cr) {
    return new Tier(
        Labels.COMPONENT_EMBEDDING,
        Names.embedding(cr),
        Endpoints.EMBEDDING_PORT,
        TEI_QUEUE_METRIC);
  }

  /**
   * @param liveReplicas the Deployment's current replicas while an HPA owns them (null: none yet)
   */
  private static List<HasMetadata> objects(
      ChatchatCluster cr, Tier tier, ModelServerSpec m, Container c, Integer liveReplicas) {
    List<HasMetadata> out = new ArrayList<>();
    if (m.cache != null) {
      out.add(cache(cr, tier, m));
    }
    out.add(Deployments.service(cr, tier.name(), tier.component(), "http", tier.port(), false));
    out.add(deployment(cr, tier, m, c, liveReplicas));
    return out;
  }

  static Container vllmContainer(VllmSpec v) {
    List<String> args = new ArrayList<>();
    args.add("--model=" + Kubelet.literal(v.model));
    args.add("--served-model-name=" + Kubelet.literal(v.effectiveServedModelName()));
    args.add("--host=0.0.0.0");
    args.add("--port=" + Endpoints.LLM_PORT);
    args.add("--download-dir=" + CACHE_PATH);
    if (v.gpus > 1) {
      args.add("--tensor-parallel-size=" + v.gpus);
    }
    if (v.gpus > 0) {
      args.add("--gpu-memory-utilization=" + v.gpuMemoryUtilization);
    }
    if (v.maxModelLen != null) {
      args.add("--max-model-len=" + v.maxModelLen);
    }
    args.addAll(v.extraArgs);
    return container(
        v, "vllm", v.imageOr(VLLM_IMAGE), args, new Footprint(Endpoints.LLM_PORT, "4", "16Gi"));
  }

  static Container teiContainer(TeiSpec t) {
    List<String> args = new ArrayList<>();
    args.add("--model-id=" + Kubelet.literal(t.model));
    args.add("--served-model-name=" + Kubelet.literal(t.effectiveServedModelName()));
    args.add("--hostname=0.0.0.0");
    args.add("--port=" + Endpoints.EMBEDDING_PORT);
    args.add("--huggingface-hub-cache=" + CACHE_PATH);
    if (t.maxConcurrentRequests != null) {
      args.add("--max-concurrent-requests=" + t.maxConcurrentRequests);
    }
    args.addAll(t.extraArgs);
    String image = t.imageOr(t.gpus > 0 ? TEI_GPU_IMAGE : TEI_CPU_IMAGE);
    return container(t, "tei", image, args, new Footprint(Endpoints.EMBEDDING_PORT, "1", "4Gi"));
  }

  /** A model server's port and its default CPU and memory requests. */
  private record Footprint(int port, String cpu, String memory) {}

  private static Container container(
      ModelServerSpec m, String name, String image, List<String> args, Footprint footprint) {
    int port = footprint.port();
    String cpu = footprint.cpu();
    String memory = footprint.memory();
    List<EnvVar> env = new ArrayList<>();
    env.add(ChatchatPodTemplate.env("HF_HOME", CACHE_PATH));
    if (m.hfTokenSecretRef != null) {
      env.add(ChatchatSettings.fromSecret("HF_TOKEN", m.hfTokenSecretRef));
    }
    env.addAll(m.env);
    int startupFailures = Math.max(1, m.startupTimeoutSeconds / 10);
    return new ContainerBuilder()
        .withName(name)
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withArgs(args)
        .withPorts(StoreContainers.port("http", port))
        .withEnv(env)
        .withResources(resources(m, cpu, memory))
        .withVolumeMounts(
            StoreContainers.mount("cache", CACHE_PATH), StoreContainers.mount("shm", "/dev/shm"))
        // Listening only after the model is downloaded and loaded: startupTimeoutSeconds.
        .withStartupProbe(StoreContainers.http("/health", "http", 10, startupFailures))
        .withReadinessProbe(StoreContainers.http("/health", "http", 10, 3))
        .withLivenessProbe(StoreContainers.http("/health", "http", 30, 3))
        .withSecurityContext(PodSecurity.container(false))
        .build();
  }

  /** The user's resources, with the GPU request and limit always set from gpus. */
  static ResourceRequirements resources(ModelServerSpec m, String cpu, String memory) {
    ResourceRequirementsBuilder b =
        m.resources != null
            ? new ResourceRequirementsBuilder(m.resources)
            : new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpu))
                .addToRequests("memory", new Quantity(memory))
                .addToLimits("memory", new Quantity(memory));
    if (m.gpus > 0) {
      b.addToRequests(m.gpuResource, new Quantity(String.valueOf(m.gpus)));
      b.addToLimits(m.gpuResource, new Quantity(String.valueOf(m.gpus)));
    }
    return b.build();
  }

  static Deployment deployment(
      ChatchatCluster cr, Tier tier, ModelServerSpec m, Container c, Integer liveReplicas) {
    List<Toleration> tolerations = new ArrayList<>(m.tolerations);
    boolean tolerated =
        tolerations.stream().anyMatch(t -> m.gpuResource.equals(t.getKey()) || t.getKey() == null);
    if (m.gpus > 0 && !tolerated) {
      // GPU nodes are commonly tainted with the GPU resource name (NVIDIA GPU operator, GKE).
      tolerations.add(
          new TolerationBuilder()
              .withKey(m.gpuResource)
              .withOperator("Exists")
              .withEffect("NoSchedule")
              .build());
    }
    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        m.cache != null
            ? new VolumeBuilder()
                .withName("cache")
                .withNewPersistentVolumeClaim()
                .withClaimName(Names.modelCache(tier.name()))
                .endPersistentVolumeClaim()
                .build()
            : StoreContainers.emptyDir("cache"));
    volumes.add(
        new VolumeBuilder()
            .withName("shm")
            .withNewEmptyDir()
            .withMedium("Memory")
            .withSizeLimit(new Quantity("2Gi"))
            .endEmptyDir()
            .build());
    // With an HPA or KEDA the live count is echoed back, so the scaler alone decides it.
    int replicas =
        m.autoscaling.enabled
            ? (liveReplicas != null ? liveReplicas : m.autoscaling.minReplicas)
            : m.replicas;
    return new DeploymentBuilder()
        .withMetadata(OwnerRefs.owned(cr, tier.name(), tier.component()))
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, tier.component()))
        .endSelector()
        // Keep serving: a new pod must be ready (model loaded) before an old one goes.
        .withNewStrategy()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString(1))
        .withMaxUnavailable(new IntOrString(0))
        .endRollingUpdate()
        .endStrategy()
        .withRevisionHistoryLimit(5)
        .withProgressDeadlineSeconds(m.startupTimeoutSeconds + 600)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.of(cr, tier.component(), c.getImage()))
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withVolumes(volumes)
        .withNodeSelector(m.nodeSelector)
        .withTolerations(tolerations)
        .withAffinity(m.affinity)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(60L)
        .withSecurityContext(PodSecurity.pod(null))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** The model cache: a download shared by the replicas, deleted with the cluster. */
  static PersistentVolumeClaim cache(ChatchatCluster cr, Tier tier, ModelServerSpec m) {
    return new PersistentVolumeClaimBuilder()
        .withMetadata(
            new ObjectMetaBuilder(
                    OwnerRefs.owned(cr, Names.modelCache(tier.name()), tier.component()))
                .build())
        .withSpec(KnowledgeBaseClaim.spec(m.cache, m.cache.accessMode.name()))
        .build();
  }
}
