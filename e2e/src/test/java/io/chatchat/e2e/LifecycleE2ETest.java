package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Changes, drift and scaling on a running cluster. */
class LifecycleE2ETest extends E2ETest {
  static final String HASH = "chatchat.io/config-hash";

  private String hash(Deployment d) {
    return d.getSpec().getTemplate().getMetadata().getAnnotations().get(HASH);
  }

  @Test
  void changingASettingUpdatesTheConfigMapAndRollsThePods() throws Exception {
    applyFile(example("multi-replica.yaml"));
    awaitReady("team-kb");
    String before = hash(deployment("team-kb-api"));
    List<String> oldPods =
        pods("api", "team-kb").stream().map(p -> p.getMetadata().getName()).toList();

    editCluster("team-kb", c -> c.getSpec().knowledgeBase.topK = 8);

    // The operator rolls the change out (API canary, then the WebUI) and is Ready again.
    awaitReady("team-kb");
    assertTrue(
        settings("team-kb").getData().get("kb_settings.yaml").contains("VECTOR_SEARCH_TOP_K: 8"));
    String after = hash(deployment("team-kb-api"));
    assertNotEquals(before, after, "the pod template's config hash changes with the settings");
    assertEquals(after, hash(deployment("team-kb-webui")));

    // Every API pod was replaced by one carrying the new hash.
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              List<Pod> pods = pods("api", "team-kb");
              return pods.size() == 3
                  && pods.stream()
                      .allMatch(
                          p ->
                              after.equals(p.getMetadata().getAnnotations().get(HASH))
                                  && p.getMetadata().getDeletionTimestamp() == null);
            });
    assertTrue(
        pods("api", "team-kb").stream()
            .noneMatch(p -> oldPods.contains(p.getMetadata().getName())));
    ChatchatCluster ready = awaitReady("team-kb");
    assertEquals("3/3", ready.getStatus().apiReady);
  }

  @Test
  void deletedChildrenAreRecreated() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    String uid = deployment("quickstart-api").getMetadata().getUid();
    String settings = settingsName("quickstart");

    client.apps().deployments().inNamespace(ns).withName("quickstart-api").delete();
    client.services().inNamespace(ns).withName("quickstart-webui").delete();
    client.configMaps().inNamespace(ns).withName(settings).delete();

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Deployment d = deployment("quickstart-api");
              return d != null
                  && !uid.equals(d.getMetadata().getUid())
                  && client.services().inNamespace(ns).withName("quickstart-webui").get() != null
                  && client.configMaps().inNamespace(ns).withName(settings).get() != null;
            });
    awaitReady("quickstart");
  }

  @Test
  void editedChildrenAreRestored() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");

    // Someone edits the operator's objects with another client.
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .withName("quickstart-api")
        .edit(
            d -> {
              d.getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers()
                  .get(0)
                  .setImage("example.invalid/rogue:1");
              d.getSpec().setReplicas(5);
              return d;
            });
    client
        .configMaps()
        .inNamespace(ns)
        .withName(settingsName("quickstart"))
        .edit(
            cm -> {
              cm.getData().put("kb_settings.yaml", "DEFAULT_VS_TYPE: faiss\n");
              return cm;
            });

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Deployment d = deployment("quickstart-api");
              ConfigMap cm = settings("quickstart");
              return d.getSpec().getReplicas() == 1
                  && d.getSpec()
                      .getTemplate()
                      .getSpec()
                      .getContainers()
                      .get(0)
                      .getImage()
                      .equals("chatimage/chatchat:0.3.1.3-717e03e-20241109")
                  && cm.getData().get("kb_settings.yaml").contains("DEFAULT_VS_TYPE: \"es\"");
            });
    awaitReady("quickstart");
  }

  /**
   * Server-side apply keeps fields that other managers set; for the parts the operator owns
   * wholesale (container env and args, settings keys, Service ports) it takes them out, since
   * Chatchat reads any env var named like a setting. Annotations others add stay.
   */
  @Test
  void fieldsOtherManagersAddAreTakenOutOfWhatTheOperatorOwns() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    String out =
        cluster.kubectl(
            "set", "env", "deployment/quickstart-api", "-n", ns, "DEFAULT_VS_TYPE=faiss");
    assertTrue(out.contains("env updated"), out);
    // Patches without a resourceVersion (each lands whatever the operator does meanwhile); the
    // operator is the only one who could take them out again.
    cluster.kubectl("annotate", "deployment/quickstart-api", "-n", ns, "example.com/owner=team-a");
    patched(
        "patch",
        "deployment/quickstart-api",
        "-n",
        ns,
        "--type=json",
        "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/args\","
            + "\"value\":[\"--rogue\"]}]");
    patched(
        "patch",
        "configmap/" + settingsName("quickstart"),
        "-n",
        ns,
        "--type=merge",
        "-p",
        "{\"data\":{\"prompt_settings.yaml\":\"rag: {}\"}}");
    patched(
        "patch",
        "service/quickstart-api",
        "-n",
        ns,
        "--type=json",
        "-p",
        "[{\"op\":\"add\",\"path\":\"/spec/ports/-\","
            + "\"value\":{\"name\":\"debug\",\"port\":5678}}]");

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              var c =
                  deployment("quickstart-api")
                      .getSpec()
                      .getTemplate()
                      .getSpec()
                      .getContainers()
                      .get(0);
              var svc = client.services().inNamespace(ns).withName("quickstart-api").get();
              return c.getEnv().stream().noneMatch(e -> e.getName().equals("DEFAULT_VS_TYPE"))
                  && (c.getArgs() == null || c.getArgs().isEmpty())
                  && !settings("quickstart").getData().containsKey("prompt_settings.yaml")
                  && svc.getSpec().getPorts().stream().noneMatch(p -> p.getPort() == 5678);
            });
    assertEquals(
        "team-a",
        deployment("quickstart-api").getMetadata().getAnnotations().get("example.com/owner"),
        "others' annotations stay");
    awaitReady("quickstart");
  }

  private void patched(String... args) {
    String out = cluster.kubectl(args);
    assertTrue(out.contains(" patched"), out);
  }

  @Test
  void kubectlScaleChangesTheApiReplicas() throws Exception {
    applyFile(example("quickstart.yaml"));
    awaitReady("quickstart");
    // The quick start uses a ReadWriteMany volume, so more API replicas are allowed.
    String out = cluster.kubectl("scale", "chatchatcluster/quickstart", "--replicas=3", "-n", ns);
    assertTrue(out.contains("scaled"), out);

    ChatchatCluster c =
        awaitStatus(
            "quickstart",
            x -> readyForGeneration(x) && Objects.equals(x.getStatus().apiReplicas, 3));
    assertEquals(3, c.getSpec().api.replicas);
    assertEquals("3/3", c.getStatus().apiReady);
    assertEquals(3, deployment("quickstart-api").getSpec().getReplicas());
    assertTrue(
        client.v1().events().inNamespace(ns).list().getItems().stream()
            .noneMatch(e -> "Degraded".equals(e.getReason())),
        "scaling up is progress, not degradation");
    String scale =
        cluster.kubectl(
            "get",
            "--raw",
            "/apis/chatchat.io/v1alpha1/namespaces/" + ns + "/chatchatclusters/quickstart/scale");
    assertTrue(
        scale.contains("\"replicas\":3") && scale.contains("app.kubernetes.io/component=api"),
        scale);
  }
}
