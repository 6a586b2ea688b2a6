package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec.DeletionPolicy;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec.AccessMode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Deployments, Services, claim and ConfigMap built for a cluster. */
class ComponentsTest {

  private static Container container(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void apiDeploymentRunsTheApiRoleWithProbesThatProveHealth() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().api.replicas = 4;
    Deployment d = ApiComponent.deployment(c, "abc123");
    assertEquals("demo-api", d.getMetadata().getName());
    assertEquals("team", d.getMetadata().getNamespace());
    assertEquals(4, d.getSpec().getReplicas());
    Container ct = container(d);
    assertEquals(List.of("/bin/sh", "-c"), ct.getCommand().subList(0, 2));
    assertTrue(ct.getCommand().get(2).startsWith("mkdir -p \"$CHATCHAT_ROOT/data/media/image\" "));
    assertTrue(ct.getCommand().get(2).endsWith(" && exec python -m chatchat.cli start --api"));
    assertEquals(7861, ct.getPorts().get(0).getContainerPort());
    // Readiness: list_knowledge_bases touches the database; Chatchat signals errors in the body.
    String readiness = String.join(" ", ct.getReadinessProbe().getExec().getCommand());
    assertTrue(readiness.contains("/knowledge_base/list_knowledge_bases"), readiness);
    assertTrue(readiness.contains("r.get('code')==200"), readiness);
    assertEquals("/docs", ct.getLivenessProbe().getHttpGet().getPath());
    assertEquals("http", ct.getStartupProbe().getTcpSocket().getPort().getStrVal());
    assertEquals(
        600, ct.getStartupProbe().getPeriodSeconds() * ct.getStartupProbe().getFailureThreshold());
    assertEquals(List.of("sleep", "60"), ct.getLifecycle().getPreStop().getExec().getCommand());
    assertEquals(90L, d.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds());
    assertEquals(
        "abc123",
        d.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION));
  }

  @Test
  void podsAreLockedDownAsFarAsTheImageAllows() {
    Deployment d = ApiComponent.deployment(TestClusters.external(), "h");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    Container ct = pod.getContainers().get(0);
    assertTrue(ct.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(ct.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), ct.getSecurityContext().getCapabilities().getDrop());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertFalse(
        pod.getEnableServiceLinks(), "service env vars would leak into Chatchat's settings");
    assertFalse(pod.getAutomountServiceAccountToken());
    Map<String, String> mounts = new java.util.LinkedHashMap<>();
    for (VolumeMount m : ct.getVolumeMounts()) {
      mounts.put(
          m.getMountPath(), m.getName() + (m.getSubPath() == null ? "" : ":" + m.getSubPath()));
    }
    assertEquals(
        Map.of(
            "/root/chatchat_data/basic_settings.yaml", "settings:basic_settings.yaml",
            "/root/chatchat_data/kb_settings.yaml", "settings:kb_settings.yaml",
            "/root/chatchat_data/model_settings.yaml", "settings:model_settings.yaml",
            "/root/chatchat_data/data/knowledge_base", "knowledge-base",
            "/root/chatchat_data/data/logs", "logs",
            "/root/chatchat_data/data/media", "media",
            "/root/chatchat_data/data/temp", "temp",
            "/tmp", "tmp"),
        mounts);
    assertEquals(
        "demo-kb",
        pod.getVolumes().stream()
            .filter(v -> v.getName().equals("knowledge-base"))
            .findFirst()
            .orElseThrow()
            .getPersistentVolumeClaim()
            .getClaimName());
    assertEquals("500m", ct.getResources().getRequests().get("cpu").toString());
    assertEquals("4Gi", ct.getResources().getLimits().get("memory").toString());
  }

  @Test
  void userSettingsReachThePods() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().api.nodeSelector = Map.of("pool", "chat");
    c.getSpec().api.podAnnotations = Map.of("sidecar.istio.io/inject", "false");
    c.getSpec().api.env =
        List.of(new EnvVarBuilder().withName("HTTP_PROXY").withValue("http://proxy:3128").build());
    c.getSpec().api.drainSeconds = 0;
    c.getSpec().image = "registry.example/chatchat:0.3.1.3-custom";
    Deployment d = ApiComponent.deployment(c, "h");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertEquals("chat", pod.getNodeSelector().get("pool"));
    assertEquals(
        "false",
        d.getSpec().getTemplate().getMetadata().getAnnotations().get("sidecar.istio.io/inject"));
    Container ct = pod.getContainers().get(0);
    assertEquals("HTTP_PROXY", ct.getEnv().get(ct.getEnv().size() - 1).getName());
    assertNull(ct.getLifecycle(), "no drain asked, no preStop");
    assertEquals("registry.example/chatchat:0.3.1.3-custom", ct.getImage());
    assertEquals("0.3.1.3-custom", d.getMetadata().getLabels().get(Labels.VERSION));
  }

  @Test
  void rollingUpdatesSurgeWithoutDroppingReadyPodsOnASharedVolume() {
    Deployment d = ApiComponent.deployment(TestClusters.external(), "h");
    assertEquals("RollingUpdate", d.getSpec().getStrategy().getType());
    assertEquals(1, d.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal());
    assertEquals(0, d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
  }

  @Test
  void aReadWriteOnceVolumeIsRecreatedNotSurged() {
    ChatchatCluster c = TestClusters.singlePod();
    c.getSpec().knowledgeBase.storage.accessMode = AccessMode.ReadWriteOnce;
    assertEquals("Recreate", ApiComponent.deployment(c, "h").getSpec().getStrategy().getType());
  }

  @Test
  void webUiTalksToTheApiServiceAndIsSticky() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().webui.replicas = 2;
    Deployment d = WebUiComponent.deployment(c, "h");
    assertEquals(2, d.getSpec().getReplicas());
    Container ct = container(d);
    assertTrue(ct.getCommand().get(2).endsWith("exec python -m chatchat.cli start -w"));
    assertEquals("/_stcore/health", ct.getReadinessProbe().getHttpGet().getPath());
    assertEquals(
        "{\"host\":\"demo-api.team.svc\",\"port\":7861,\"public_host\":\"demo-api.team.svc\",\"public_port\":7861}",
        ct.getEnv().stream()
            .filter(e -> e.getName().equals("API_SERVER"))
            .findFirst()
            .orElseThrow()
            .getValue());
    assertTrue(
        ct.getEnv().stream().anyMatch(e -> e.getName().equals("SQLALCHEMY_DATABASE_URI")),
        "the WebUI reads the database directly");
    Service s = WebUiComponent.service(c);
    assertEquals("ClientIP", s.getSpec().getSessionAffinity());
    assertEquals(8501, s.getSpec().getPorts().get(0).getPort());
    assertEquals(Labels.selector(c, Labels.COMPONENT_WEBUI), s.getSpec().getSelector());
  }

  @Test
  void apiServiceIsNotSticky() {
    Service s = ApiComponent.service(TestClusters.external());
    assertEquals("None", s.getSpec().getSessionAffinity());
    assertEquals("http", s.getSpec().getPorts().get(0).getTargetPort().getStrVal());
  }

  @Test
  void childrenCarryLabelsAndAControllerReference() {
    ChatchatCluster c = TestClusters.external();
    for (var o :
        List.of(
            ApiComponent.deployment(c, "h"),
            ApiComponent.service(c),
            SettingsConfigMap.build(c, "h"))) {
      assertEquals("chatchat-operator", o.getMetadata().getLabels().get(Labels.MANAGED_BY));
      assertEquals("demo", o.getMetadata().getLabels().get(Labels.INSTANCE));
      assertEquals("0b1c-uid", o.getMetadata().getOwnerReferences().get(0).getUid());
      assertTrue(o.getMetadata().getOwnerReferences().get(0).getController());
    }
  }

  @Test
  void theKnowledgeBaseClaimOutlivesTheClusterUnlessAskedOtherwise() {
    ChatchatCluster c = TestClusters.external();
    PersistentVolumeClaim kept = KnowledgeBaseClaim.build(c);
    assertTrue(kept.getMetadata().getOwnerReferences().isEmpty());
    assertEquals(List.of("ReadWriteMany"), kept.getSpec().getAccessModes());
    assertEquals("10Gi", kept.getSpec().getResources().getRequests().get("storage").toString());
    c.getSpec().deletionPolicy = DeletionPolicy.Delete;
    c.getSpec().knowledgeBase.storage.storageClassName = "cephfs";
    PersistentVolumeClaim owned = KnowledgeBaseClaim.build(c);
    assertEquals("0b1c-uid", owned.getMetadata().getOwnerReferences().get(0).getUid());
    assertEquals("cephfs", owned.getSpec().getStorageClassName());
  }

  @Test
  void configHashFollowsSettingsAndSecretContents() {
    ChatchatCluster c = TestClusters.external();
    String base = ConfigHash.of(c, Map.of("db", ConfigHash.digest(Map.of("uri", "YQ=="))));
    assertEquals(base, ConfigHash.of(c, Map.of("db", ConfigHash.digest(Map.of("uri", "YQ==")))));
    assertNotEquals(base, ConfigHash.of(c, Map.of("db", ConfigHash.digest(Map.of("uri", "Yg==")))));
    c.getSpec().knowledgeBase.topK = 9;
    assertNotEquals(base, ConfigHash.of(c, Map.of("db", ConfigHash.digest(Map.of("uri", "YQ==")))));
  }

  @Test
  void imageTagsBecomeVersionLabelsWhenTheyAreValidLabelValues() {
    assertEquals(
        "0.3.1.3-717e03e-20241109", Labels.imageTag("chatimage/chatchat:0.3.1.3-717e03e-20241109"));
    assertEquals("v1", Labels.imageTag("registry:5000/chatchat:v1"));
    assertNull(Labels.imageTag("registry:5000/chatchat"));
    assertNull(Labels.imageTag("chatchat@sha256:abcd"));
  }
}
