package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.PodTierSpec;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The pod template shared by the API and WebUI tiers, which differ in role, probes and env. */
final class ChatchatPodTemplate {
  static final String CONTAINER = "chatchat";

  /** Writable scratch space; the root filesystem is read-only. HOME moves here too. */
  static final String TMP = "/tmp";

  private ChatchatPodTemplate() {}

  /** How a pod sees the knowledge-base files. */
  enum KnowledgeBaseMount {
    /** The shared claim. */
    CLAIM,
    /**
     * An empty read-only directory: an API reader beside a single writer. A write that reaches it
     * by mistake fails loudly instead of landing on a disk no other pod sees.
     */
    READ_ONLY_EMPTY,
    /** A scratch directory: Jobs that touch only the database. */
    SCRATCH
  }

  /** What differs between the API and the WebUI pods. */
  record Role(
      String component,
      String startArgs,
      String portName,
      int port,
      int drainSeconds,
      PodTierSpec tier,
      ResourceRequirements defaultResources,
      Probe startup,
      Probe readiness,
      Probe liveness,
      List<EnvVar> roleEnv,
      KnowledgeBaseMount kbMount,
      Affinity affinity,
      List<TopologySpreadConstraint> spread) {}

  /**
   * Directories Chatchat needs before it starts (only `chatchat init` creates them), as a shell
   * command.
   */
  static String prepareDirs(ChatchatCluster cr) {
    // The root reaches the shell as an environment variable, quoted, never as script text.
    return "mkdir -p \"$CHATCHAT_ROOT/data/media/image\" \"$CHATCHAT_ROOT/data/media/audio\""
        + " \"$CHATCHAT_ROOT/data/media/video\" \"$CHATCHAT_ROOT/data/temp/openai_files\" "
        + TMP
        + "/home";
  }

  static PodTemplateSpec build(ChatchatCluster cr, Role role, String configHash) {
    ChatchatClusterSpec spec = cr.getSpec();
    Map<String, String> annotations = new LinkedHashMap<>(role.tier().podAnnotations);
    annotations.put(ConfigHash.ANNOTATION, configHash);

    List<EnvVar> env = baseEnv(cr);
    env.addAll(role.roleEnv());
    env.addAll(role.tier().env);

    // `exec` hands PID 1 to Python so that SIGTERM reaches it.
    String script = prepareDirs(cr) + " && exec python -m chatchat.cli start " + role.startArgs();

    ContainerBuilder container =
        container(cr, env, mounts(cr, role.kbMount()))
            .withCommand("/bin/sh", "-c", script)
            .addNewPort()
            .withName(role.portName())
            .withContainerPort(role.port())
            .withProtocol("TCP")
            .endPort()
            .withResources(
                role.tier().resources != null ? role.tier().resources : role.defaultResources())
            .withStartupProbe(role.startup())
            .withReadinessProbe(role.readiness())
            .withLivenessProbe(role.liveness());
    if (role.drainSeconds() > 0) {
      container
          .withNewLifecycle()
          .withNewPreStop()
          .withNewExec()
          .withCommand("sleep", String.valueOf(role.drainSeconds()))
          .endExec()
          .endPreStop()
          .endLifecycle();
    }
    Container c = container.build();

    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(podLabels(cr, role.component()))
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withVolumes(volumes(cr, role.kbMount(), configHash))
        .withImagePullSecrets(spec.imagePullSecrets)
        .withNodeSelector(role.tier().nodeSelector)
        .withTolerations(role.tier().tolerations)
        .withAffinity(role.affinity())
        .withTopologySpreadConstraints(role.spread())
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds((long) role.drainSeconds() + 30)
        .withSecurityContext(PodSecurity.pod(null))
        .endSpec()
        .build();
  }

  /**
   * The pod template of a Job running the Chatchat image with the cluster's settings and secrets.
   *
   * @param verifyScript Python put in the VERIFY env var for the command to run, or null
   */
  static PodTemplateSpec job(
      ChatchatCluster cr,
      String component,
      String configHash,
      List<String> command,
      boolean mountKnowledgeBase,
      String verifyScript) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<EnvVar> env = baseEnv(cr);
    if (verifyScript != null) {
      env.add(env("VERIFY", verifyScript));
    }
    env.addAll(spec.api.env);
    KnowledgeBaseMount kb =
        mountKnowledgeBase ? KnowledgeBaseMount.CLAIM : KnowledgeBaseMount.SCRATCH;
    Container c = jobContainer(cr, env, mounts(cr, kb), command);
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(podLabels(cr, component))
        .withAnnotations(Map.of(ConfigHash.ANNOTATION, configHash))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withContainers(c)
        .withVolumes(volumes(cr, kb, configHash))
        .withImagePullSecrets(spec.imagePullSecrets)
        .withNodeSelector(spec.api.nodeSelector)
        .withTolerations(spec.api.tolerations)
        .withAffinity(mountKnowledgeBase ? ChatchatJobs.besideWriter(cr) : null)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(PodSecurity.pod(null))
        .endSpec()
        .build();
  }

  /**
   * The driver preflight's pod: the image, its pull secrets, the API tier's env, resources and
   * placement, and scratch space, nothing of the cluster's own (no settings, no Secrets). Clusters
   * whose preflight pods are equal share one Job ({@link ChatchatJobs#preflightKey}).
   */
  static PodTemplateSpec preflight(ChatchatCluster cr, String component, List<String> command) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<EnvVar> env = new ArrayList<>();
    env.add(env("HOME", TMP + "/home"));
    env.add(env("PYTHONUNBUFFERED", "1"));
    env.add(env("PYTHONDONTWRITEBYTECODE", "1"));
    env.addAll(spec.api.env);
    Container c = jobContainer(cr, env, List.of(mount("tmp", TMP)), command);
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Labels.of(cr, component))
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withContainers(c)
        .withVolumes(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build())
        .withImagePullSecrets(spec.imagePullSecrets)
        .withNodeSelector(spec.api.nodeSelector)
        .withTolerations(spec.api.tolerations)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withSecurityContext(PodSecurity.pod(null))
        .endSpec()
        .build();
  }

  /** A Job's one container: the API tier's resources, its log as the failure message. */
  private static Container jobContainer(
      ChatchatCluster cr, List<EnvVar> env, List<VolumeMount> mounts, List<String> command) {
    ResourceRequirements r = cr.getSpec().api.resources;
    return container(cr, env, mounts)
        .withCommand(command)
        .withResources(r != null ? r : resources("250m", "1Gi", "4Gi"))
        .withTerminationMessagePolicy("FallbackToLogsOnError")
        .build();
  }

  /** Pod labels: the component's, plus the label the stores' NetworkPolicy admits. */
  private static Map<String, String> podLabels(ChatchatCluster cr, String component) {
    Map<String, String> labels = Labels.of(cr, component);
    labels.put(Labels.STORE_CLIENT, "true");
    return labels;
  }

  private static List<EnvVar> baseEnv(ChatchatCluster cr) {
    List<EnvVar> env = new ArrayList<>();
    env.add(env("CHATCHAT_ROOT", cr.getSpec().chatchatRoot));
    env.add(env("HOME", TMP + "/home"));
    env.add(env("PYTHONUNBUFFERED", "1"));
    env.add(env("PYTHONDONTWRITEBYTECODE", "1"));
    env.addAll(ChatchatSettings.secretEnv(cr));
    return env;
  }

  private static ContainerBuilder container(
      ChatchatCluster cr, List<EnvVar> env, List<VolumeMount> mounts) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(cr.getSpec().image)
        .withImagePullPolicy(cr.getSpec().imagePullPolicy.name())
        .withEnv(env)
        .withVolumeMounts(mounts)
        .withSecurityContext(PodSecurity.container(true));
  }

  private static List<VolumeMount> mounts(ChatchatCluster cr, KnowledgeBaseMount kb) {
    String root = cr.getSpec().chatchatRoot;
    List<VolumeMount> mounts = new ArrayList<>();
    for (String file : ChatchatSettings.FILES) {
      mounts.add(
          new VolumeMountBuilder()
              .withName("settings")
              .withMountPath(root + "/" + file)
              .withSubPath(file)
              .withReadOnly(true)
              .build());
    }
    mounts.add(
        new VolumeMountBuilder()
            .withName("knowledge-base")
            .withMountPath(ChatchatSettings.kbRootPath(cr.getSpec()))
            .withReadOnly(kb == KnowledgeBaseMount.READ_ONLY_EMPTY ? Boolean.TRUE : null)
            .build());
    mounts.add(mount("logs", root + "/data/logs"));
    mounts.add(mount("media", root + "/data/media"));
    mounts.add(mount("temp", root + "/data/temp"));
    mounts.add(mount("tmp", TMP));
    return mounts;
  }

  private static List<Volume> volumes(
      ChatchatCluster cr, KnowledgeBaseMount kb, String configHash) {
    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("settings")
            .withNewConfigMap()
            .withName(Names.settings(cr, configHash))
            .endConfigMap()
            .build());
    volumes.add(
        kb == KnowledgeBaseMount.CLAIM
            ? new VolumeBuilder()
                .withName("knowledge-base")
                .withNewPersistentVolumeClaim()
                .withClaimName(Names.knowledgeBaseClaim(cr))
                .endPersistentVolumeClaim()
                .build()
            : new VolumeBuilder()
                .withName("knowledge-base")
                .withNewEmptyDir()
                .endEmptyDir()
                .build());
    for (String name : List.of("logs", "media", "temp", "tmp")) {
      volumes.add(new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build());
    }
    return volumes;
  }

  static ResourceRequirements resources(String cpu, String memory, String memoryLimit) {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .addToLimits("memory", new Quantity(memoryLimit))
        .build();
  }

  /** A variable with a literal value: the kubelet expands nothing in it. */
  static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(Kubelet.literal(value)).build();
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }
}
