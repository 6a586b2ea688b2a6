package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.ChatchatJobs;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clusters whose driver preflight pods are equal share one preflight Job, on the real API server,
 * Job controller and garbage collector: the others wait for it instead of running their own, and
 * keep its result once the cluster that ran it is deleted.
 */
class SharedPreflightE2ETest extends E2ETest {

  private List<Job> preflightJobs() {
    return client
        .batch()
        .v1()
        .jobs()
        .inNamespace(ns)
        .withLabel(Labels.COMPONENT, Labels.COMPONENT_PREFLIGHT)
        .list()
        .getItems();
  }

  private static String instance(Job j) {
    return j.getMetadata().getLabels().get(Labels.INSTANCE);
  }

  private boolean driversChecked(ChatchatCluster c, String hash) {
    return hash.equals(c.getStatus().driversChecked)
        && Conditions.isTrue(c.getStatus().conditions, Conditions.DRIVERS_AVAILABLE);
  }

  @Test
  void clustersOnOneImageShareOnePreflightAndKeepItsResultWhenItsOwnerIsDeleted() {
    client.resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c")).inNamespace(ns).create();
    List<String> names = List.of("one", "two", "three");
    long t0 = System.nanoTime();
    for (String name : names) {
      client.resource(Clusters.valid(name)).inNamespace(ns).create();
    }
    names.forEach(this::awaitReady);
    System.out.printf(
        "three clusters on one preflight: all Ready %.1f s after their create%n",
        (System.nanoTime() - t0) / 1e9);
    List<Job> jobs = preflightJobs();
    assertEquals(
        1,
        jobs.size(),
        "one preflight for three clusters: "
            + jobs.stream().map(j -> j.getMetadata().getName()).toList());
    Job shared = jobs.get(0);
    String owner = instance(shared);
    String hash = shared.getMetadata().getLabels().get(ChatchatJobs.HASH_LABEL);
    for (String name : names) {
      ChatchatCluster c = awaitStatus(name, x -> driversChecked(x, hash));
      System.out.printf(
          "%s: DriversAvailable %s%n",
          name,
          Conditions.find(c.getStatus().conditions, Conditions.DRIVERS_AVAILABLE).getMessage());
    }

    // A cluster whose preflight pod differs (an image pull secret) runs its own.
    ChatchatCluster other = Clusters.valid("four");
    other.getSpec().imagePullSecrets = List.of(new LocalObjectReference("registry"));
    client.resource(other).inNamespace(ns).create();
    awaitReady("four");
    assertEquals(
        List.of("four", owner).stream().sorted().toList(),
        preflightJobs().stream().map(SharedPreflightE2ETest::instance).sorted().toList());

    // The garbage collector takes the shared Job with its owner; the others stay checked.
    cr(owner).delete();
    await()
        .atMost(TIMEOUT)
        .until(() -> preflightJobs().stream().noneMatch(j -> owner.equals(instance(j))));
    String survivor = names.stream().filter(n -> !n.equals(owner)).findFirst().orElseThrow();
    editCluster(survivor, c -> c.getSpec().api.replicas = 2);
    awaitStatus(
        survivor,
        c ->
            readyForGeneration(c)
                && c.getStatus().apiReplicas != null
                && c.getStatus().apiReplicas == 2
                && driversChecked(c, hash));
    await()
        .during(Duration.ofSeconds(5))
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> preflightJobs().stream().map(SharedPreflightE2ETest::instance).toList(),
            l -> l.equals(List.of("four")));
    for (String name : names) {
      if (!name.equals(owner)) {
        assertTrue(readyForGeneration(cr(name).get()), name + " stays Ready");
      }
    }
  }
}
