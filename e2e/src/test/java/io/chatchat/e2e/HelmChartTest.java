package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** helm lint and helm template of the chart, for the values that matter. No cluster needed. */
class HelmChartTest {

  private static Map<String, String> env(Deployment d) {
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    return c.getEnv().stream()
        .collect(
            Collectors.toMap(
                EnvVar::getName,
                e ->
                    e.getValue() == null
                        ? "<from " + e.getValueFrom().getFieldRef().getFieldPath() + ">"
                        : e.getValue()));
  }

  @Test
  void lintIsClean() {
    LintResult result = Chart.helm().lint().strict().call();
    assertFalse(result.isFailed(), String.valueOf(result.getMessages()));
  }

  @Test
  void theChartShipsTheGeneratedCrd() throws Exception {
    assertEquals(
        Files.readString(LocalCluster.CRD),
        Files.readString(Chart.DIR.resolve("crds/chatchatclusters.chatchat.io-v1.yml")),
        "helm/chatchat-operator/crds/ must be a copy of crds/ (cp crds/*.yml helm/chatchat-operator/crds/)");
  }

  @Test
  void defaultsWatchAllNamespacesWithAClusterRoleAndARestrictedPod() {
    List<HasMetadata> o = Chart.render(Map.of());
    Deployment d = Chart.find(o, Deployment.class, "cco-chatchat-operator").orElseThrow();
    assertEquals("ops", d.getMetadata().getNamespace());
    assertEquals(1, d.getSpec().getReplicas());
    var pod = d.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertEquals("ghcr.io/chatchat-operator/chatchat-operator:0.1.0", c.getImage());
    assertEquals("cco-chatchat-operator", pod.getServiceAccountName());
    assertTrue(pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
    assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
    assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
    assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
    assertEquals("512Mi", c.getResources().getLimits().get("memory").toString());
    Map<String, String> env = env(d);
    assertEquals("", env.get("WATCH_NAMESPACES"));
    assertEquals("<from metadata.namespace>", env.get("LEADER_ELECTION_NAMESPACE"));
    // The JVM and C library settings e2e/bench/scale.sh measured (README, "Scale and sizing").
    assertTrue(
        env.get("JAVA_TOOL_OPTIONS")
            .startsWith(
                "-XX:+UseSerialGC -XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError"
                    + " -XX:TieredStopAtLevel=1 -Xss512k "),
        env.get("JAVA_TOOL_OPTIONS"));
    assertEquals("2", env.get("MALLOC_ARENA_MAX"));

    ClusterRole role = Chart.find(o, ClusterRole.class, "cco-chatchat-operator").orElseThrow();
    ClusterRoleBinding binding =
        Chart.find(o, ClusterRoleBinding.class, "cco-chatchat-operator").orElseThrow();
    assertEquals("cco-chatchat-operator", binding.getSubjects().get(0).getName());
    assertEquals("ops", binding.getSubjects().get(0).getNamespace());
    assertLeastPrivilege(role.getRules());
    assertTrue(Chart.find(o, Role.class, "cco-chatchat-operator-leader-election").isPresent());
    assertTrue(Chart.find(o, ServiceAccount.class, "cco-chatchat-operator").isPresent());
    Service metrics = Chart.find(o, Service.class, "cco-chatchat-operator-metrics").orElseThrow();
    assertEquals(8080, metrics.getSpec().getPorts().get(0).getPort());
    assertTrue(
        Chart.all(o, GenericKubernetesResource.class).stream()
            .noneMatch(r -> r.getKind().equals("ServiceMonitor")));
  }

  /**
   * No wildcards; Secrets read by name and created (generated credentials), never listed, watched
   * or deleted; claims never deleted by the operator.
   */
  static void assertLeastPrivilege(List<PolicyRule> rules) {
    for (PolicyRule r : rules) {
      assertFalse(r.getVerbs().contains("*"), r.toString());
      assertFalse(r.getResources().contains("*"), r.toString());
      assertFalse(r.getApiGroups().contains("*"), r.toString());
      if (r.getResources().contains("secrets")) {
        assertEquals(
            List.of("get", "create", "patch"),
            r.getVerbs(),
            "Secrets are read by name, and generated credentials created once");
      }
      if (r.getResources().contains("persistentvolumeclaims")) {
        assertFalse(
            r.getVerbs().contains("delete"),
            "data claims go only with deletionPolicy Delete, through the garbage collector");
      }
    }
  }

  @Test
  void watchNamespacesGivesNamespacedRolesAndOnlyGpuCountingClusterWide() {
    List<HasMetadata> o =
        Chart.render(Map.of("watchNamespaces[0]", "team-a", "watchNamespaces[1]", "team-b"));
    // Cluster-wide: only listing nodes and pods, to count free GPUs before a GPU tier surges.
    List<ClusterRole> clusterRoles = Chart.all(o, ClusterRole.class);
    assertEquals(1, clusterRoles.size());
    assertEquals("cco-chatchat-operator-gpu-capacity", clusterRoles.get(0).getMetadata().getName());
    assertEquals(1, clusterRoles.get(0).getRules().size());
    assertEquals(List.of("nodes", "pods"), clusterRoles.get(0).getRules().get(0).getResources());
    assertEquals(List.of("list"), clusterRoles.get(0).getRules().get(0).getVerbs());
    assertEquals(1, Chart.all(o, ClusterRoleBinding.class).size());
    List<String> roleNamespaces =
        Chart.all(o, Role.class).stream()
            .filter(r -> r.getMetadata().getName().equals("cco-chatchat-operator"))
            .map(r -> r.getMetadata().getNamespace())
            .sorted()
            .toList();
    assertEquals(List.of("team-a", "team-b"), roleNamespaces);
    assertEquals(3, Chart.all(o, RoleBinding.class).size(), "two namespaces and leader election");
    Chart.all(o, Role.class).forEach(r -> assertLeastPrivilege(r.getRules()));
    assertEquals(
        "team-a,team-b",
        env(Chart.find(o, Deployment.class, "cco-chatchat-operator").orElseThrow())
            .get("WATCH_NAMESPACES"));
  }

  @Test
  void severalReplicasAlwaysElectALeader() {
    List<HasMetadata> o = Chart.render(Map.of("replicas", 2, "leaderElection.enabled", false));
    Deployment d = Chart.find(o, Deployment.class, "cco-chatchat-operator").orElseThrow();
    assertEquals(2, d.getSpec().getReplicas());
    assertTrue(env(d).containsKey("LEADER_ELECTION_NAMESPACE"));
    o = Chart.render(Map.of("leaderElection.enabled", false));
    assertFalse(
        env(Chart.find(o, Deployment.class, "cco-chatchat-operator").orElseThrow())
            .containsKey("LEADER_ELECTION_NAMESPACE"));
    assertTrue(Chart.find(o, Role.class, "cco-chatchat-operator-leader-election").isEmpty());
  }

  @Test
  void optionalPrometheusRuleCarriesTheAlertsAndTheirRunbookLinks() throws Exception {
    assertTrue(
        Chart.all(Chart.render(Map.of()), GenericKubernetesResource.class).stream()
            .noneMatch(r -> r.getKind().equals("PrometheusRule")));
    List<HasMetadata> o =
        Chart.render(
            Map.of(
                "metrics.prometheusRule.enabled", true,
                "metrics.prometheusRule.runbookBaseUrl", "https://docs.example/chatchat/README.md",
                "metrics.prometheusRule.labels.release", "kube-prometheus"));
    GenericKubernetesResource rule =
        Chart.all(o, GenericKubernetesResource.class).stream()
            .filter(r -> r.getKind().equals("PrometheusRule"))
            .findFirst()
            .orElseThrow();
    assertEquals("kube-prometheus", rule.getMetadata().getLabels().get("release"));
    var rendered =
        Serialization.jsonMapper().valueToTree(rule.getAdditionalProperties().get("spec"));
    var source =
        new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(PrometheusRulesTest.RULES.toFile());
    assertEquals(source.path("groups").size(), rendered.path("groups").size());
    int alerts = 0;
    for (int g = 0; g < source.path("groups").size(); g++) {
      var want = source.path("groups").get(g).path("rules");
      var got = rendered.path("groups").get(g).path("rules");
      assertEquals(want.size(), got.size());
      for (int r = 0; r < want.size(); r++, alerts++) {
        assertEquals(want.get(r).path("expr"), got.get(r).path("expr"));
        assertEquals(
            want.get(r).path("annotations").path("description"),
            got.get(r).path("annotations").path("description"),
            "templates pass through as is");
        assertEquals(
            "https://docs.example/chatchat/README.md#"
                + want.get(r).path("alert").asText().toLowerCase(java.util.Locale.ROOT),
            got.get(r).path("annotations").path("runbook_url").asText());
      }
    }
    assertEquals(10, alerts);
  }

  @Test
  void optionalDashboardsForTheGrafanaSidecarAndTheGrafanaOperator() throws Exception {
    assertTrue(
        Chart.all(Chart.render(Map.of()), io.fabric8.kubernetes.api.model.ConfigMap.class)
            .isEmpty());
    List<HasMetadata> o =
        Chart.render(
            Map.of(
                "dashboards.enabled", true,
                "dashboards.namespace", "monitoring",
                "dashboards.grafanaOperator.enabled", true));
    var maps = Chart.all(o, io.fabric8.kubernetes.api.model.ConfigMap.class);
    assertEquals(2, maps.size());
    for (var m : maps) {
      assertEquals("1", m.getMetadata().getLabels().get("grafana_dashboard"));
      assertEquals("monitoring", m.getMetadata().getNamespace());
      String key = m.getData().keySet().iterator().next();
      assertEquals(
          Files.readString(DashboardsTest.DIR.resolve(key)).strip(), m.getData().get(key).strip());
    }
    assertEquals(
        2,
        Chart.all(o, GenericKubernetesResource.class).stream()
            .filter(r -> r.getKind().equals("GrafanaDashboard"))
            .count());
  }

  @Test
  void optionalServiceMonitorImageAndLogLevel() {
    List<HasMetadata> o =
        Chart.render(
            Map.of(
                "metrics.serviceMonitor.enabled", true,
                "metrics.serviceMonitor.interval", "15s",
                "image.repository", "registry.example/ops/chatchat-operator",
                "image.tag", "0.1.0-rc1",
                "logLevel", "debug"));
    GenericKubernetesResource sm =
        Chart.all(o, GenericKubernetesResource.class).stream()
            .filter(r -> r.getKind().equals("ServiceMonitor"))
            .findFirst()
            .orElseThrow();
    assertEquals("15s", sm.get("spec", "endpoints", 0, "interval"));
    assertEquals(Boolean.TRUE, sm.get("spec", "endpoints", 0, "honorLabels"));
    assertEquals("ops", sm.getMetadata().getNamespace());
    Deployment d = Chart.find(o, Deployment.class, "cco-chatchat-operator").orElseThrow();
    assertEquals(
        "registry.example/ops/chatchat-operator:0.1.0-rc1",
        d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertTrue(
        env(d).get("JAVA_TOOL_OPTIONS").contains("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug"));
  }

  @Test
  void theValuesSchemaRejectsNonsense() {
    for (Map<String, Object> bad :
        List.<Map<String, Object>>of(
            Map.of("replicas", 0),
            Map.of("logLevel", "loud"),
            Map.of("watchNamespaces[0]", "Not_A_Namespace"),
            Map.of("mallocArenaMax", 0),
            Map.of("unknownKey", "x"))) {
      RuntimeException e =
          assertThrows(RuntimeException.class, () -> Chart.render(bad), bad.toString());
      assertTrue(e.getMessage().contains("schema"), bad + ": " + e.getMessage());
    }
  }
}
