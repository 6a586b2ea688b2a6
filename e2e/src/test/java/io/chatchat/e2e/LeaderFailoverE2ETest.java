package io.chatchat.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Three operator processes (the shaded jar, as in the image) elect a leader through their Lease.
 * SIGKILL of the leader: a standby takes over once the Lease expires and follows a spec change made
 * right after the kill. SIGTERM of the next leader: it gives the Lease up and the last one takes
 * over at once. Both times are printed; the kill must be over in under 10 s.
 */
class LeaderFailoverE2ETest extends E2ETest {
  private static final Path JAR =
      LocalCluster.REPO.resolve("operator/target/chatchat-operator.jar");

  private record Candidate(String name, Process process) {}

  @Test
  void aKilledLeaderIsReplacedWithinTenSecondsAndAStoppedOneHandsOverAtOnce() throws Exception {
    cluster.stopOperator();
    List<Candidate> candidates = new ArrayList<>();
    try {
      for (String name : List.of("op-a", "op-b", "op-c")) {
        candidates.add(new Candidate(name, start(name)));
      }
      client.resource(Clusters.dbSecret("mysql+pymysql://u:p@db:3306/c")).inNamespace(ns).create();
      client.resource(Clusters.valid("failover")).inNamespace(ns).create();
      awaitReady("failover");

      Candidate killed = leader(candidates);
      double afterKill = secondsUntilAppliedAfter(() -> killed.process().destroyForcibly(), 3);
      Candidate next = leader(candidates);
      System.out.printf(
          "leader failover: %s killed (SIGKILL), %s applied the next spec change after %.1f s%n",
          killed.name(), next.name(), afterKill);
      assertTrue(afterKill < 10, "failover after SIGKILL took " + afterKill + " s");

      double afterStop = secondsUntilAppliedAfter(() -> next.process().destroy(), 4);
      Candidate last = leader(candidates);
      System.out.printf(
          "leader handover: %s stopped (SIGTERM), %s applied the next spec change after %.1f s%n",
          next.name(), last.name(), afterStop);
      assertTrue(
          afterStop < OperatorConfig.LeaseTimings.DEFAULT.duration().toSeconds(),
          "a leader that stops releases its Lease: handover took " + afterStop + " s");
    } finally {
      for (Candidate c : candidates) {
        c.process().destroyForcibly().waitFor();
      }
      cluster.startOperator();
    }
  }

  /** An operator process watching only this namespace, with its Lease in it. */
  private Process start(String name) throws IOException {
    Path log = LocalCluster.REPO.resolve("e2e/target/failover-" + name + ".log");
    Files.createDirectories(log.getParent());
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString());
    pb.environment().put("KUBECONFIG", cluster.kubeconfig.toString());
    pb.environment().put("WATCH_NAMESPACES", ns);
    pb.environment().put("LEADER_ELECTION_NAMESPACE", ns);
    pb.environment().put("OPERATOR_HTTP_BIND_ADDRESS", "127.0.0.1");
    pb.environment().put("OPERATOR_HTTP_PORT", "0");
    pb.environment().put("HOSTNAME", name);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return pb.start();
  }

  /** The candidate holding the Lease (identities are the HOSTNAME and a random suffix). */
  private Candidate leader(List<Candidate> candidates) {
    String[] holder = {null};
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              var lease = client.leases().inNamespace(ns).withName(OperatorConfig.LEASE_NAME).get();
              holder[0] =
                  lease == null || lease.getSpec() == null
                      ? null
                      : lease.getSpec().getHolderIdentity();
              return holder[0] != null
                  && candidates.stream()
                      .anyMatch(c -> c.process().isAlive() && holder[0].startsWith(c.name() + "-"));
            });
    return candidates.stream()
        .filter(c -> holder[0].startsWith(c.name() + "-"))
        .findFirst()
        .orElseThrow();
  }

  /**
   * Stops the leader, changes the API replicas right away, and returns the seconds until a leader
   * applied the change to the Deployment.
   */
  private double secondsUntilAppliedAfter(Runnable stopLeader, int replicas) {
    long t0 = System.nanoTime();
    stopLeader.run();
    editCluster("failover", c -> c.getSpec().api.replicas = replicas);
    awaitApiReplicas(replicas);
    return (System.nanoTime() - t0) / 1e9;
  }

  private void awaitApiReplicas(int replicas) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Deployment d =
                  client.apps().deployments().inNamespace(ns).withName("failover-api").get();
              return d != null && Objects.equals(d.getSpec().getReplicas(), replicas);
            });
  }
}
