package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.chatchat.operator.OperatorConfig;
import io.chatchat.operator.OperatorMain;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.prometheus.client.CollectorRegistry;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * helm install on the local control plane, then the operator running with the chart
 * ServiceAccount's own credentials (not admin): the chart's RBAC must be enough to reconcile a full
 * example, and taking a permission away must show.
 */
class HelmInstallE2ETest extends E2ETest {

  @Test
  void theChartsRbacIsEnoughToRunTheOperator() throws Exception {
    String release = "cco-" + ns.substring(ns.length() - 5);
    String fullname = release + "-chatchat-operator";
    Release installed =
        Chart.helm()
            .install()
            .withName(release)
            .withNamespace(ns)
            .withKubeConfig(cluster.kubeconfig)
            .call();
    assertEquals("deployed", installed.getStatus());
    try {
      assertNotNull(client.apps().deployments().inNamespace(ns).withName(fullname).get());
      assertNotNull(client.serviceAccounts().inNamespace(ns).withName(fullname).get());
      assertNotNull(client.rbac().clusterRoles().withName(fullname).get());
      assertNotNull(client.rbac().clusterRoleBindings().withName(fullname).get());
      assertNotNull(crd());

      try (KubernetesClient asOperator = clientFor(fullname)) {
        cluster.stopOperator();
        try (OperatorMain operator =
            OperatorMain.start(
                new OperatorConfig(Set.of(), "127.0.0.1", 0, ns, 2, false),
                asOperator,
                new CollectorRegistry())) {
          applyFile(example("multi-replica.yaml"));
          awaitReady("team-kb");
          // Deleting (WebUI turned off), Events and status all work with the chart's permissions.
          editCluster("team-kb", c -> c.getSpec().webui.enabled = false);
          await()
              .atMost(TIMEOUT)
              .until(
                  () ->
                      deployment("team-kb-webui") == null
                          && client.services().inNamespace(ns).withName("team-kb-webui").get()
                              == null);
          awaitReady("team-kb");
          assertTrue(
              client.v1().events().inNamespace(ns).list().getItems().stream()
                  .anyMatch(
                      e ->
                          "team-kb".equals(e.getInvolvedObject().getName())
                              && "Ready".equals(e.getReason())),
              "the operator could record Events");
          assertNotNull(
              client.leases().inNamespace(ns).withName(OperatorConfig.LEASE_NAME).get(),
              "leader election took the Lease with the chart's Role");
          // The kinds without informers (their CRDs may be absent here): asked, not exercised.
          for (String groupResource :
              List.of(
                  "gateway.networking.k8s.io/httproutes",
                  "monitoring.coreos.com/podmonitors",
                  "keda.sh/scaledobjects")) {
            for (String verb : List.of("get", "create", "patch", "delete")) {
              assertTrue(allowed(asOperator, groupResource, verb), verb + " " + groupResource);
            }
            assertFalse(allowed(asOperator, groupResource, "list"), "list " + groupResource);
          }

          // Without the Secrets rule the operator cannot validate a cluster, and says so.
          client
              .rbac()
              .clusterRoles()
              .withName(fullname)
              .edit(
                  r -> {
                    r.getRules().removeIf(rule -> rule.getResources().contains("secrets"));
                    return r;
                  });
          client
              .resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c"))
              .inNamespace(ns)
              .create();
          client.resource(Clusters.valid("denied")).inNamespace(ns).create();
          ChatchatCluster denied =
              awaitStatus(
                  "denied",
                  c -> {
                    Condition ready = Conditions.find(c.getStatus().conditions, Conditions.READY);
                    return ready != null && "ReconcileError".equals(ready.getReason());
                  });
          assertTrue(
              Conditions.find(denied.getStatus().conditions, Conditions.READY)
                  .getMessage()
                  .contains("forbidden"));
          assertNull(deployment("denied-api"));
        }
      }
    } finally {
      cluster.startOperator();
      Helm.uninstall(release).withNamespace(ns).withKubeConfig(cluster.kubeconfig).call();
    }
    // Uninstalling removes the operator's objects but keeps the CRD (and so every ChatchatCluster).
    assertNull(client.rbac().clusterRoles().withName(fullname).get());
    assertNull(client.apps().deployments().inNamespace(ns).withName(fullname).get());
    assertNotNull(crd());
    assertNotNull(cr("team-kb").get());
  }

  private CustomResourceDefinition crd() {
    return client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName("chatchatclusters.chatchat.io")
        .get();
  }

  /** What the API server's authorizer answers this client for a verb on group/resource here. */
  private boolean allowed(KubernetesClient as, String groupResource, String verb) {
    String[] gr = groupResource.split("/", 2);
    return as.authorization()
        .v1()
        .selfSubjectAccessReview()
        .create(
            new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder()
                .withNewSpec()
                .withNewResourceAttributes()
                .withNamespace(ns)
                .withGroup(gr[0])
                .withResource(gr[1])
                .withVerb(verb)
                .endResourceAttributes()
                .endSpec()
                .build())
        .getStatus()
        .getAllowed();
  }

  /** A client that authenticates as the ServiceAccount with a short-lived token. */
  private KubernetesClient clientFor(String serviceAccount) throws Exception {
    String token =
        client
            .serviceAccounts()
            .inNamespace(ns)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(3600L)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    Config admin = Config.fromKubeconfig(Files.readString(cluster.kubeconfig));
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(admin.getMasterUrl())
            .withCaCertFile(admin.getCaCertFile())
            .withCaCertData(admin.getCaCertData())
            .withOauthToken(token)
            .build();
    KubernetesClient c = new KubernetesClientBuilder().withConfig(config).build();
    // Not admin: the ServiceAccount may read Secrets by name only, never list them.
    KubernetesClientException e =
        assertThrows(KubernetesClientException.class, () -> c.secrets().inAnyNamespace().list());
    assertEquals(403, e.getCode());
    return c;
  }
}
