package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.IngressSpec;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.javaoperatorsdk.operator.Operator;
import io.prometheus.client.CollectorRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A few reconcile passes of the real operator (JOSDK, informers, the flow, the dependents, the
 * status write) against the fabric8 CRUD mock server on 127.0.0.1, whose missing server-side apply
 * {@link ApplyAsMergeDispatcher} answers as create or merge: wiring only. The Jobs' outcomes are
 * written by the test, as the Job controller would.
 */
class ReconcilePassesWiringTest {
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Operator operator;

  @BeforeEach
  void start() throws Exception {
    ApplyAsMergeDispatcher dispatcher = new ApplyAsMergeDispatcher();
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            new HashMap<>(),
            dispatcher,
            false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    dispatcher.expectCustomResource(
        CustomResourceDefinitionContext.fromCustomResourceType(ChatchatCluster.class));
    client = server.createClient();
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withCloseClientOnStop(false)
                    .withCacheSyncTimeout(Duration.ofSeconds(20)));
    operator.register(
        new ChatchatClusterReconciler(
            client,
            new EventRecorder(client, "test"),
            new PrometheusMetrics(new CollectorRegistry()),
            (pod, port) -> null));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
    client.close();
    server.destroy();
  }

  private void await(String what, BooleanSupplier done) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(20);
    while (!done.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        ChatchatCluster c = cluster();
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; status "
                + Serialization.asJson(c == null ? null : c.getStatus()));
      }
      Thread.sleep(100);
    }
  }

  private ChatchatCluster cluster() {
    return client.resources(ChatchatCluster.class).inNamespace("team").withName("demo").get();
  }

  /** Updates the spec, again on a conflict with the operator's own status write. */
  private void editCluster(java.util.function.Consumer<ChatchatCluster> change) {
    for (int attempt = 1; ; attempt++) {
      ChatchatCluster edit = cluster();
      change.accept(edit);
      try {
        client.resource(edit).update();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private String condition(String type) {
    ChatchatCluster c = cluster();
    var cond =
        c == null || c.getStatus() == null ? null : Conditions.find(c.getStatus().conditions, type);
    return cond == null ? null : cond.getStatus() + "/" + cond.getReason();
  }

  private Job job(String component) {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace("team")
        .withLabel(Labels.COMPONENT, component)
        .list()
        .getItems()
        .stream()
        .findFirst()
        .orElse(null);
  }

  private void succeed(Job job) {
    job.setStatus(
        new JobStatusBuilder()
            .withSucceeded(1)
            .addNewCondition()
            .withType("Complete")
            .withStatus("True")
            .endCondition()
            .build());
    client.resource(job).updateStatus();
  }

  @Test
  void aClusterGoesThroughItsGatesToItsChatTierAndItsDependents() throws Exception {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("db")
                .withNamespace("team")
                .endMetadata()
                .addToData(
                    "uri",
                    Base64.getEncoder().encodeToString("mysql+pymysql://u:p@db/c".getBytes()))
                .build())
        .create();
    ChatchatCluster cr = TestClusters.external();
    cr.getMetadata().setUid(null);
    client.resource(cr).create();

    // Pass 1: the infrastructure and the preflight Job; no chat pod before it passed.
    await("the preflight Job", () -> job(Labels.COMPONENT_PREFLIGHT) != null);
    assertNotNull(client.services().inNamespace("team").withName(Names.api(cr)).get());
    await(
        "DriversAvailable=False/Running",
        () -> "False/Running".equals(condition(Conditions.DRIVERS_AVAILABLE)));
    assertEquals("True/Valid", condition(Conditions.CONFIG_VALID));
    assertNull(client.apps().deployments().inNamespace("team").withName(Names.api(cr)).get());

    // The preflight passes: the init Job.
    succeed(job(Labels.COMPONENT_PREFLIGHT));
    await("the init Job", () -> job(Labels.COMPONENT_INIT) != null);

    // The tables are created: the chat tier.
    succeed(job(Labels.COMPONENT_INIT));
    await(
        "the API Deployment",
        () ->
            client.apps().deployments().inNamespace("team").withName(Names.api(cr)).get() != null);
    await("Initialized=True", () -> "True/Succeeded".equals(condition(Conditions.INITIALIZED)));
    assertTrue(
        client.v1().events().inNamespace("team").list().getItems().stream()
            .anyMatch(e -> "Initialized".equals(e.getReason())));

    // A dependent: the API Ingress comes with the spec and goes with it.
    editCluster(
        edit -> {
          edit.getSpec().ingress.enabled = true;
          edit.getSpec().ingress.api = new IngressSpec.Host();
          edit.getSpec().ingress.api.host = "chat.example.com";
        });
    await(
        "the API Ingress",
        () ->
            client.resources(Ingress.class).inNamespace("team").withName(Names.api(cr)).get()
                != null);
    editCluster(edit -> edit.getSpec().ingress.enabled = false);
    await(
        "the API Ingress gone",
        () ->
            client.resources(Ingress.class).inNamespace("team").withName(Names.api(cr)).get()
                == null);
    assertEquals(List.of(), client.resources(Ingress.class).inNamespace("team").list().getItems());
  }
}
