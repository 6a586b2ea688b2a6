package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/** Base of the end-to-end tests: the shared local cluster and a fresh namespace per test. */
abstract class E2ETest {
  static final Duration TIMEOUT = Duration.ofSeconds(90);

  protected LocalCluster cluster;
  protected KubernetesClient client;
  protected String ns;

  @BeforeEach
  void createNamespace(TestInfo info) {
    cluster = LocalCluster.get();
    client = cluster.client;
    cluster.ensureVolumes(10);
    String method = info.getTestMethod().map(m -> m.getName()).orElse("test");
    String slug =
        method
            .replaceAll("([a-z])([A-Z])", "$1-$2")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "-");
    ns =
        ("e2e-" + slug.substring(0, Math.min(30, slug.length()))).replaceAll("-+$", "")
            + "-"
            + UUID.randomUUID().toString().substring(0, 5);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
  }

  @AfterEach
  void deleteNamespace() {
    if (client != null && ns != null) {
      client.namespaces().withName(ns).delete();
    }
  }

  /** Creates every object of a YAML file (an example, or a test's own) in the test namespace. */
  protected List<HasMetadata> applyFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      List<HasMetadata> items = client.load(in).items();
      for (HasMetadata o : items) {
        o.getMetadata().setNamespace(ns);
        client.resource(o).inNamespace(ns).create();
      }
      return items;
    }
  }

  protected Resource<ChatchatCluster> cr(String name) {
    return client.resources(ChatchatCluster.class).inNamespace(ns).withName(name);
  }

  /**
   * Edits a cluster's spec. The operator writes the same object (finalizer, status) while a test
   * runs, so an optimistic-lock conflict (409) means "read it again and retry", up to ten times.
   */
  protected ChatchatCluster editCluster(String name, Consumer<ChatchatCluster> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        return cr(name)
            .edit(
                c -> {
                  change.accept(c);
                  return c;
                });
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /** Waits until the cluster's status satisfies a condition and returns it. */
  protected ChatchatCluster awaitStatus(String name, Predicate<ChatchatCluster> ok) {
    return awaitStatus(name, ok, TIMEOUT, Duration.ofMillis(250));
  }

  /** The same, with its own timeout and poll interval. */
  protected ChatchatCluster awaitStatus(
      String name, Predicate<ChatchatCluster> ok, Duration timeout, Duration poll) {
    try {
      await()
          .atMost(timeout)
          .pollInterval(poll)
          .until(
              () -> {
                ChatchatCluster c = cr(name).get();
                return c != null && c.getStatus() != null && ok.test(c);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      ChatchatCluster c = cr(name).get();
      throw new AssertionError(
          "timed out; last seen: generation "
              + (c == null ? null : c.getMetadata().getGeneration())
              + ", status "
              + (c == null
                  ? null
                  : io.fabric8.kubernetes.client.utils.Serialization.asJson(c.getStatus()))
              + "; pods "
              + client.pods().inNamespace(ns).list().getItems().stream()
                  .map(
                      p ->
                          p.getMetadata().getName()
                              + "("
                              + p.getStatus().getPhase()
                              + (p.getMetadata().getDeletionTimestamp() != null
                                  ? ",terminating"
                                  : "")
                              + ")")
                  .toList()
              + "; deployments "
              + client.apps().deployments().inNamespace(ns).list().getItems().stream()
                  .map(
                      d ->
                          d.getMetadata().getName()
                              + io.fabric8.kubernetes.client.utils.Serialization.asJson(
                                  d.getStatus()))
                  .toList(),
          e);
    }
    return cr(name).get();
  }

  /** Ready for the current generation. */
  /** Waits until an Event in the test namespace matches. */
  protected void awaitEvent(Predicate<io.fabric8.kubernetes.api.model.Event> match) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> client.v1().events().inNamespace(ns).list().getItems().stream().anyMatch(match));
  }

  protected ChatchatCluster awaitReady(String name) {
    return awaitStatus(name, E2ETest::readyForGeneration);
  }

  /** Waits (polling every 200 ms) until a rollout completed and the cluster is Ready. */
  protected ChatchatCluster awaitRolledOut(String name, Duration timeout) {
    return awaitStatus(name, E2ETest::rolledOut, timeout, Duration.ofMillis(200));
  }

  /** Ready for the current generation, with its last rollout Completed. */
  static boolean rolledOut(ChatchatCluster c) {
    return readyForGeneration(c)
        && c.getStatus().rollout != null
        && c.getStatus().rollout.phase
            == io.chatchat.operator.api.v1alpha1.RolloutStatus.Phase.Completed;
  }

  static boolean readyForGeneration(ChatchatCluster c) {
    ChatchatClusterStatus s = c.getStatus();
    return s.phase == ChatchatClusterStatus.Phase.Ready
        && Conditions.isTrue(s.conditions, Conditions.READY)
        && c.getMetadata().getGeneration().equals(s.observedGeneration);
  }

  /** The settings ConfigMap the API pods of a cluster read (its name carries the config hash). */
  protected ConfigMap settings(String instance) {
    return client.configMaps().inNamespace(ns).withName(settingsName(instance)).get();
  }

  protected String settingsName(String instance) {
    Deployment api = deployment(instance + "-api");
    return api.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> "settings".equals(v.getName()))
        .findFirst()
        .orElseThrow()
        .getConfigMap()
        .getName();
  }

  protected Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(ns).withName(name).get();
  }

  protected List<Pod> pods(String component, String instance) {
    return client
        .pods()
        .inNamespace(ns)
        .withLabel("app.kubernetes.io/instance", instance)
        .withLabel("app.kubernetes.io/component", component)
        .list()
        .getItems();
  }

  protected static Path example(String file) {
    return LocalCluster.REPO.resolve("examples").resolve(file);
  }
}
