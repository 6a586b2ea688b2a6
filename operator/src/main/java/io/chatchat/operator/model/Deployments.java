package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;

/** Pieces the Chatchat Deployments and Services share. */
final class Deployments {
  private Deployments() {}

  /**
   * Surge one new pod before an old one goes, so ready endpoints never drop. A pod that mounts a
   * ReadWriteOnce knowledge-base volume cannot overlap with its successor: Recreate.
   */
  static DeploymentStrategy strategy(ChatchatCluster cr, boolean mountsClaim) {
    if (mountsClaim && !sharedVolume(cr)) {
      return new DeploymentStrategyBuilder().withType("Recreate").build();
    }
    return new DeploymentStrategyBuilder()
        .withType("RollingUpdate")
        .withNewRollingUpdate()
        .withMaxSurge(new IntOrString(1))
        .withMaxUnavailable(new IntOrString(0))
        .endRollingUpdate()
        .build();
  }

  /** True when every Chatchat pod can share the knowledge-base claim. */
  static boolean sharedVolume(ChatchatCluster cr) {
    return cr.getSpec().knowledgeBase.storage.accessMode
        == KnowledgeBaseSpec.AccessMode.ReadWriteMany;
  }

  /** A Chatchat tier's Deployment around its pod template. */
  static Deployment deployment(
      ChatchatCluster cr, String name, String component, int replicas, PodTemplateSpec template) {
    boolean mountsClaim =
        template.getSpec().getVolumes().stream()
            .anyMatch(v -> v.getPersistentVolumeClaim() != null);
    return new DeploymentBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, component))
        .endSelector()
        .withStrategy(strategy(cr, mountsClaim))
        .withRevisionHistoryLimit(5)
        .withProgressDeadlineSeconds(600)
        .withTemplate(template)
        .endSpec()
        .build();
  }

  static Service service(
      ChatchatCluster cr,
      String name,
      String component,
      String portName,
      int port,
      boolean clientIpAffinity) {
    return new ServiceBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(cr, component))
        .addNewPort()
        .withName(portName)
        .withPort(port)
        .withTargetPort(new IntOrString(portName))
        .withProtocol("TCP")
        .endPort()
        .withSessionAffinity(clientIpAffinity ? "ClientIP" : "None")
        .endSpec()
        .build();
  }
}
