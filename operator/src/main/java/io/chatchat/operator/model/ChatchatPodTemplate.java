package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.PodTierSpec;
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
      List<EnvVar> roleEnv) {}

  static PodTemplateSpec build(ChatchatCluster cr, Role role, String configHash) {
    ChatchatClusterSpec spec = cr.getSpec();
    String root = spec.chatchatRoot;
    Map<String, String> annotations = new LinkedHashMap<>(role.tier().podAnnotations);
    annotations.put(ConfigHash.ANNOTATION, configHash);

    List<EnvVar> env = new ArrayList<>();
    env.add(env("CHATCHAT_ROOT", root));
    env.add(env("HOME", TMP + "/home"));
    env.add(env("PYTHONUNBUFFERED", "1"));
    env.add(env("PYTHONDONTWRITEBYTECODE", "1"));
    env.addAll(ChatchatSettings.secretEnv(spec));
    env.addAll(role.roleEnv());
    env.addAll(role.tier().env);

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
    mounts.add(mount("knowledge-base", ChatchatSettings.kbRootPath(spec)));
    mounts.add(mount("logs", root + "/data/logs"));
    mounts.add(mount("media", root + "/data/media"));
    mounts.add(mount("temp", root + "/data/temp"));
    mounts.add(mount("tmp", TMP));

    // Chatchat needs these directories before it starts (only `chatchat init` creates them) and
    // `exec` hands PID 1 to Python so that SIGTERM reaches it.
    String script =
        "mkdir -p "
            + root
            + "/data/media/image "
            + root
            + "/data/media/audio "
            + root
            + "/data/media/video "
            + root
            + "/data/temp/openai_files "
            + TMP
            + "/home && exec python -m chatchat.cli start "
            + role.startArgs();

    ContainerBuilder container =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(spec.image)
            .withImagePullPolicy(spec.imagePullPolicy.name())
            .withCommand("/bin/sh", "-c", script)
            .addNewPort()
            .withName(role.portName())
            .withContainerPort(role.port())
            .withProtocol("TCP")
            .endPort()
            .withEnv(env)
            .withVolumeMounts(mounts)
            .withResources(
                role.tier().resources != null ? role.tier().resources : role.defaultResources())
            .withStartupProbe(role.startup())
            .withReadinessProbe(role.readiness())
            .withLivenessProbe(role.liveness())
            .withNewSecurityContext()
            .withAllowPrivilegeEscalation(false)
            .withReadOnlyRootFilesystem(true)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .endSecurityContext();
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

    List<Volume> volumes = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("settings")
            .withNewConfigMap()
            .withName(Names.settings(cr))
            .endConfigMap()
            .build());
    volumes.add(
        new VolumeBuilder()
            .withName("knowledge-base")
            .withNewPersistentVolumeClaim()
            .withClaimName(Names.knowledgeBaseClaim(cr))
            .endPersistentVolumeClaim()
            .build());
    for (String name : List.of("logs", "media", "temp", "tmp")) {
      volumes.add(new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build());
    }

    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Labels.of(cr, role.component()))
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withVolumes(volumes)
        .withImagePullSecrets(spec.imagePullSecrets)
        .withNodeSelector(role.tier().nodeSelector)
        .withTolerations(role.tier().tolerations)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds((long) role.drainSeconds() + 30)
        .withNewSecurityContext()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .endSpec()
        .build();
  }

  static ResourceRequirements resources(String cpu, String memory, String memoryLimit) {
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(cpu))
        .addToRequests("memory", new Quantity(memory))
        .addToLimits("memory", new Quantity(memoryLimit))
        .build();
  }

  static EnvVar env(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }
}
