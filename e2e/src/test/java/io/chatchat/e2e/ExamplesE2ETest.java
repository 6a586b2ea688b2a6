package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each example creates the expected objects, with the expected content, and becomes Ready. */
class ExamplesE2ETest extends E2ETest {

  @Test
  void quickstartExampleBecomesReadyWithExpectedObjects() throws Exception {
    applyFile(example("quickstart.yaml"));
    ChatchatCluster c = awaitReady("quickstart");

    assertEquals("1/1", c.getStatus().apiReady);
    assertEquals("0.3.1.3-717e03e-20241109", c.getStatus().version);
    assertEquals("http://quickstart-api." + ns + ".svc:7861", c.getStatus().url);
    assertEquals("http://quickstart-webui." + ns + ".svc:8501", c.getStatus().webuiUrl);
    for (String type :
        new String[] {
          Conditions.READY, Conditions.CONFIG_VALID, Conditions.API_READY, Conditions.WEBUI_READY
        }) {
      assertTrue(Conditions.isTrue(c.getStatus().conditions, type), type);
    }
    assertFalse(Conditions.isTrue(c.getStatus().conditions, Conditions.PROGRESSING));
    assertFalse(Conditions.isTrue(c.getStatus().conditions, Conditions.DEGRADED));

    ConfigMap settings = settings("quickstart");
    assertTrue(
        settings.getData().get("kb_settings.yaml").contains("host: \"elasticsearch.search.svc\""));
    assertTrue(settings.getData().get("kb_settings.yaml").contains("DEFAULT_VS_TYPE: \"es\""));
    String models = settings.getData().get("model_settings.yaml");
    assertTrue(models.contains("api_base_url: \"http://vllm.models.svc:8000/v1\""), models);
    assertTrue(models.contains("auto_detect_model: false"), models);
    assertTrue(models.contains("DEFAULT_LLM_MODEL: \"qwen2.5-7b-instruct\""), models);
    assertFalse(
        String.join("", settings.getData().values()).contains("change-me"),
        "a secret leaked into the ConfigMap");

    Deployment api = deployment("quickstart-api");
    assertEquals(1, api.getSpec().getReplicas());
    Container container = api.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("chatimage/chatchat:0.3.1.3-717e03e-20241109", container.getImage());
    assertTrue(container.getCommand().get(2).endsWith("exec python -m chatchat.cli start --api"));
    Map<String, EnvVar> env =
        container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertEquals(
        "chatchat-db",
        env.get("SQLALCHEMY_DATABASE_URI").getValueFrom().getSecretKeyRef().getName());
    assertNotNull(container.getReadinessProbe().getExec());
    assertNotNull(container.getStartupProbe().getTcpSocket());
    assertEquals("/docs", container.getLivenessProbe().getHttpGet().getPath());
    assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
    assertNotNull(
        api.getSpec().getTemplate().getMetadata().getAnnotations().get("chatchat.io/config-hash"));
    assertEquals(
        "chatchat-operator", api.getMetadata().getLabels().get("app.kubernetes.io/managed-by"));
    assertEquals(c.getMetadata().getUid(), api.getMetadata().getOwnerReferences().get(0).getUid());
    assertTrue(
        api.getMetadata().getManagedFields().stream()
            .anyMatch(
                f ->
                    "chatchat-operator".equals(f.getManager()) && "Apply".equals(f.getOperation())),
        "children are server-side applied by the chatchat-operator field manager");

    Deployment webui = deployment("quickstart-webui");
    Container ui = webui.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertTrue(ui.getCommand().get(2).endsWith("start -w"));
    assertTrue(
        ui.getEnv().stream()
            .anyMatch(
                e ->
                    e.getName().equals("API_SERVER")
                        && e.getValue().contains("quickstart-api." + ns + ".svc")));

    Service apiSvc = client.services().inNamespace(ns).withName("quickstart-api").get();
    assertEquals(7861, apiSvc.getSpec().getPorts().get(0).getPort());
    assertEquals("api", apiSvc.getSpec().getSelector().get("app.kubernetes.io/component"));
    Service uiSvc = client.services().inNamespace(ns).withName("quickstart-webui").get();
    assertEquals("ClientIP", uiSvc.getSpec().getSessionAffinity());

    PersistentVolumeClaim kb =
        client.persistentVolumeClaims().inNamespace(ns).withName("quickstart-kb").get();
    assertEquals("ReadWriteMany", kb.getSpec().getAccessModes().get(0));
    assertEquals("10Gi", kb.getSpec().getResources().getRequests().get("storage").toString());
    assertTrue(
        kb.getMetadata().getOwnerReferences().isEmpty(), "data claim is not owned by default");
    assertEquals("Bound", kb.getStatus().getPhase());

    assertEquals(1, pods("api", "quickstart").size());
    assertEquals(1, pods("webui", "quickstart").size());

    String table = cluster.kubectl("get", "ccc", "-n", ns);
    assertTrue(table.contains("READY") && table.contains("PHASE") && table.contains("API"), table);
    assertTrue(
        table
            .lines()
            .anyMatch(l -> l.startsWith("quickstart") && l.contains("Ready") && l.contains("1/1")),
        table);
  }

  @Test
  void multiReplicaExampleRunsEveryReplicaOnTheSharedStores() throws Exception {
    applyFile(example("multi-replica.yaml"));
    ChatchatCluster c = awaitReady("team-kb");
    assertEquals("3/3", c.getStatus().apiReady);
    assertEquals(3, c.getStatus().apiReplicas);
    assertEquals(2, c.getStatus().components.get("webui").readyReplicas);

    assertEquals(3, deployment("team-kb-api").getSpec().getReplicas());
    assertEquals(2, deployment("team-kb-webui").getSpec().getReplicas());
    assertEquals(3, pods("api", "team-kb").size());
    assertEquals(2, pods("webui", "team-kb").size());

    Container container =
        deployment("team-kb-api").getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, EnvVar> env =
        container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertTrue(env.get("KBS_CONFIG").getValue().contains("$(CHATCHAT_OPERATOR_VS_PASSWORD)"));
    assertTrue(env.get("MODEL_PLATFORMS").getValue().contains("$(CHATCHAT_OPERATOR_LLM_API_KEY)"));
    assertEquals(
        "chatchat-model-keys",
        env.get("CHATCHAT_OPERATOR_LLM_API_KEY").getValueFrom().getSecretKeyRef().getName());
    assertEquals("1", container.getResources().getRequests().get("cpu").toString());
    assertEquals(
        150L,
        deployment("team-kb-api")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getTerminationGracePeriodSeconds());
    assertEquals("sleep", container.getLifecycle().getPreStop().getExec().getCommand().get(0));

    String kb = settings("team-kb").getData().get("kb_settings.yaml");
    assertTrue(kb.contains("DEFAULT_KNOWLEDGE_BASE: \"handbook\""), kb);
    assertTrue(kb.contains("VECTOR_SEARCH_TOP_K: 5"), kb);
    assertEquals(
        "50Gi",
        client
            .persistentVolumeClaims()
            .inNamespace(ns)
            .withName("team-kb-kb")
            .get()
            .getSpec()
            .getResources()
            .getRequests()
            .get("storage")
            .toString());
  }
}
