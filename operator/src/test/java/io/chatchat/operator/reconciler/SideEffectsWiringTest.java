package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.rollout.Plan;
import io.chatchat.operator.rollout.RolloutInputs;
import io.chatchat.operator.rollout.SmokeGateRunner;
import io.chatchat.operator.rollout.SmokeGates;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.prometheus.client.CollectorRegistry;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * The side-effect classes wired to a Kubernetes client, on the fabric8 CRUD mock server: the calls
 * that need no server-side apply (which the mock server lacks; apply, validation and status are
 * tested on a real kube-apiserver in e2e).
 */
@EnableKubernetesMockClient(crud = true)
class SideEffectsWiringTest {
  KubernetesMockServer server;
  KubernetesClient client;

  private ChatchatCluster managed() {
    ChatchatCluster cr = TestClusters.managed();
    cr.setApiVersion("chatchat.io/v1alpha1");
    cr.setKind("ChatchatCluster");
    return cr;
  }

  private SecretsView secrets(ChatchatCluster cr) {
    return new Observer(client, runner(), new ApiDiscovery(client), preflights()).secrets(cr);
  }

  private static SharedPreflights preflights() {
    return new SharedPreflights(id -> {}, System::nanoTime);
  }

  private SmokeGateRunner runner() {
    return new SmokeGateRunner(
        new SmokeGates(new OkHttpClient()),
        (pod, port) -> null,
        new PrometheusMetrics(new CollectorRegistry()));
  }

  private List<Event> events() {
    return client.v1().events().inNamespace("team").list().getItems();
  }

  @Test
  void generatedCredentialsAreCreatedOnceAndNeverRegenerated() {
    ChatchatCluster cr = managed();
    CredentialsWriter writer = new CredentialsWriter(client, new EventRecorder(client, "test"));
    writer.ensure(cr, secrets(cr));
    Secret first =
        client.secrets().inNamespace("team").withName(Names.databaseCredentials(cr)).get();
    assertNotNull(first);
    writer.ensure(cr, secrets(cr));
    Secret again =
        client.secrets().inNamespace("team").withName(Names.databaseCredentials(cr)).get();
    assertEquals(first.getData(), again.getData());
    assertEquals(List.of("CredentialsGenerated"), events().stream().map(Event::getReason).toList());
  }

  @Test
  void theCredentialsFollowTheDeletionPolicy() {
    ChatchatCluster cr = managed();
    CredentialsWriter writer = new CredentialsWriter(client, new EventRecorder(client, "test"));
    writer.ensure(cr, secrets(cr));
    String name = Names.databaseCredentials(cr);
    assertTrue(
        client
            .secrets()
            .inNamespace("team")
            .withName(name)
            .get()
            .getMetadata()
            .getOwnerReferences()
            .isEmpty());
    cr.getSpec().deletionPolicy = ChatchatClusterSpec.DeletionPolicy.Delete;
    writer.ensure(cr, secrets(cr));
    assertEquals(
        "demo",
        client
            .secrets()
            .inNamespace("team")
            .withName(name)
            .get()
            .getMetadata()
            .getOwnerReferences()
            .get(0)
            .getName());
  }

  @Test
  void aSecretIsFetchedOncePerPass() {
    ChatchatCluster cr = TestClusters.external();
    SecretsView view = secrets(cr);
    int before = server.getRequestCount();
    assertNull(view.get("db"));
    assertNull(view.get("db"));
    view.digests(cr);
    assertEquals(1, server.getRequestCount() - before);
  }

  @Test
  void theApiTierReadsTheServicesReadyEndpointsFromTheCachedSlices() {
    ChatchatCluster cr = TestClusters.external();
    var apiSlice =
        new EndpointSliceBuilder()
            .withNewMetadata()
            .withName("demo-api-x")
            .withNamespace("team")
            .addToLabels("kubernetes.io/service-name", Names.api(cr))
            .endMetadata()
            .withAddressType("IPv4")
            .addNewEndpoint()
            .withAddresses("192.0.2.10")
            .withNewTargetRef()
            .withName("demo-api-1")
            .endTargetRef()
            .withNewConditions()
            .withReady(true)
            .endConditions()
            .endEndpoint()
            .addNewEndpoint()
            .withAddresses("192.0.2.11")
            .withNewTargetRef()
            .withName("demo-api-2")
            .endTargetRef()
            .withNewConditions()
            .withReady(false)
            .endConditions()
            .endEndpoint()
            .build();
    var webuiSlice =
        new EndpointSliceBuilder(apiSlice)
            .editMetadata()
            .withName("demo-webui-x")
            .addToLabels("kubernetes.io/service-name", Names.webui(cr))
            .endMetadata()
            .editFirstEndpoint()
            .editTargetRef()
            .withName("demo-webui-1")
            .endTargetRef()
            .endEndpoint()
            .build();
    // The API server sends a slice without endpoints as "endpoints": null.
    var emptySlice =
        new EndpointSliceBuilder(apiSlice)
            .editMetadata()
            .withName("demo-api-y")
            .endMetadata()
            .build();
    emptySlice.setEndpoints(null);
    RolloutStatus r = new RolloutStatus();
    r.tier = RolloutStatus.Tier.API;
    Plan plan = new Plan(RolloutMode.ROLLING, cr, cr, r, "new", "{}", "old", List.of());
    int requests = server.getRequestCount();
    RolloutInputs in =
        new Observer(client, runner(), new ApiDiscovery(client), preflights())
            .rolloutInputs(
                plan,
                LiveState.of(
                    java.util.Map.of(
                        io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice.class,
                        List.of(apiSlice, webuiSlice, emptySlice))));
    assertEquals(requests, server.getRequestCount(), "read from the informer cache");
    assertEquals(java.util.Set.of("demo-api-1"), in.readyEndpoints());
    assertNull(in.capacity(), "no GPU server changes: the nodes are not listed");
  }

  @Test
  void pruningDeletesWhatTheSpecNoLongerAsksForAndKeepsWhatPodsRead() {
    ChatchatCluster cr = TestClusters.external();
    ConfigMap stale = settings("demo-settings-old");
    ConfigMap wanted = settings("demo-settings-new");
    // KEDA copies a ScaledObject's labels onto its HPA: the same labels, another controller.
    ConfigMap othersWithOurLabels = controlledBy("ScaledObject", "demo-llm", "keda-copy");
    client.resource(stale).create();
    client.resource(wanted).create();
    client.resource(othersWithOurLabels).create();
    LiveState live =
        LiveState.of(Map.of(ConfigMap.class, List.of(stale, wanted, othersWithOurLabels)));
    new ChildWriter(
            client, new PrometheusMetrics(new CollectorRegistry()), new ApiDiscovery(client))
        .prune(cr, live, List.of(wanted));
    assertNull(client.configMaps().inNamespace("team").withName("demo-settings-old").get());
    assertNotNull(client.configMaps().inNamespace("team").withName("demo-settings-new").get());
    assertNotNull(client.configMaps().inNamespace("team").withName("keda-copy").get());
  }

  @Test
  void deletingSomethingAlreadyGoneIsFine() {
    new ChildWriter(
            client, new PrometheusMetrics(new CollectorRegistry()), new ApiDiscovery(client))
        .delete(List.of(settings("never-created")), "test");
    assertNull(client.configMaps().inNamespace("team").withName("never-created").get());
  }

  @Test
  void aNoticeBecomesAnEventAndARolloutCount() {
    CollectorRegistry registry = new CollectorRegistry();
    PrometheusMetrics metrics = new PrometheusMetrics(registry);
    ChatchatCluster cr = managed();
    new DesiredStateWriter(
            new ChildWriter(client, metrics, new ApiDiscovery(client)),
            runner(),
            new EventRecorder(client, "test"),
            metrics,
            c -> {},
            preflights())
        .record(
            cr,
            List.of(
                io.chatchat.operator.status.Notice.of(
                    io.chatchat.operator.status.EventReason.RolloutStarted, "Rolling out")));
    Event e = events().get(0);
    assertEquals("RolloutStarted", e.getReason());
    assertEquals("Normal", e.getType());
    assertEquals("demo", e.getInvolvedObject().getName());
    assertEquals(
        1.0,
        registry.getSampleValue(
            PrometheusMetrics.ROLLOUTS, new String[] {"event"}, new String[] {"started"}));
  }

  private GenericKubernetesResource podMonitor(String name) {
    GenericKubernetesResource m = new GenericKubernetesResource();
    m.setApiVersion("monitoring.coreos.com/v1");
    m.setKind("PodMonitor");
    m.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace("team")
            .build());
    return m;
  }

  @Test
  void extrasNoLongerAskedForAreDeletedOncePerProcessAndWantedOnesKept() {
    ChatchatCluster cr = managed();
    var monitors =
        client.genericKubernetesResources(
            ApiDiscovery.context("monitoring.coreos.com/v1", "PodMonitor"));
    monitors.inNamespace("team").resource(podMonitor("demo-llm")).create();
    monitors.inNamespace("team").resource(podMonitor("demo-embedding")).create();
    ChildWriter writer =
        new ChildWriter(
            client, new PrometheusMetrics(new CollectorRegistry()), new ApiDiscovery(client));
    Map<String, List<String>> possible =
        Map.of("PodMonitor", List.of("demo-llm", "demo-embedding", "demo-cache-proxy"));

    writer.removeExtras(cr, List.of(podMonitor("demo-llm")), possible);
    assertNotNull(monitors.inNamespace("team").withName("demo-llm").get(), "still asked for");
    assertNull(monitors.inNamespace("team").withName("demo-embedding").get());

    int requests = server.getRequestCount();
    writer.removeExtras(cr, List.of(podMonitor("demo-llm")), possible);
    assertEquals(requests, server.getRequestCount(), "deleted or found absent once: not again");

    writer.removeExtras(cr, List.of(), Map.of());
    assertNotNull(
        monitors.inNamespace("team").withName("demo-llm").get(),
        "a kind the cluster may not have is not touched");
  }

  private static ConfigMap settings(String name) {
    return controlledBy("ChatchatCluster", "demo", name);
  }

  private static ConfigMap controlledBy(String ownerKind, String ownerName, String name) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("team")
        .addToLabels(Labels.INSTANCE, "demo")
        .addToLabels(Labels.MANAGED_BY, Labels.OPERATOR)
        .addNewOwnerReference()
        .withApiVersion("chatchat.io/v1alpha1")
        .withKind(ownerKind)
        .withName(ownerName)
        .withUid("uid-" + ownerName)
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .build();
  }
}
