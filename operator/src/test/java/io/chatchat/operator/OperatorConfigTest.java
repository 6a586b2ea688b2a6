package io.chatchat.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {
  @Test
  void defaultsWatchAllNamespacesWithoutLeaderElection() {
    OperatorConfig c = OperatorConfig.fromEnvironment(Map.of());
    assertEquals(Set.of(), c.watchNamespaces());
    assertEquals("0.0.0.0", c.httpBindAddress());
    assertEquals(8080, c.httpPort());
    assertNull(c.leaderElectionNamespace());
    assertEquals(10, c.reconcileThreads());
  }

  @Test
  void environmentOverrides() {
    OperatorConfig c =
        OperatorConfig.fromEnvironment(
            Map.of(
                "WATCH_NAMESPACES", " team-a, team-b ,,",
                "OPERATOR_HTTP_BIND_ADDRESS", "127.0.0.1",
                "OPERATOR_HTTP_PORT", "9090",
                "LEADER_ELECTION_NAMESPACE", "chatchat-system",
                "RECONCILE_THREADS", "4"));
    assertEquals(Set.of("team-a", "team-b"), c.watchNamespaces());
    assertEquals("127.0.0.1", c.httpBindAddress());
    assertEquals(9090, c.httpPort());
    assertEquals("chatchat-system", c.leaderElectionNamespace());
    assertEquals(4, c.reconcileThreads());
    assertEquals(true, c.exitOnLostLeadership(), "a pod that lost leadership must exit");
  }

  @Test
  void leaseTimingsDefaultToAFailoverUnderTenSecondsAndComeFromTheEnvironment() {
    OperatorConfig.LeaseTimings d = OperatorConfig.fromEnvironment(Map.of()).lease();
    assertEquals(java.time.Duration.ofSeconds(5), d.duration());
    assertEquals(java.time.Duration.ofSeconds(3), d.renewDeadline());
    assertEquals(java.time.Duration.ofSeconds(1), d.retry());
    OperatorConfig.LeaseTimings set =
        OperatorConfig.fromEnvironment(
                Map.of(
                    "LEADER_ELECTION_LEASE_DURATION_SECONDS", "15",
                    "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "10",
                    "LEADER_ELECTION_RETRY_PERIOD_SECONDS", "2"))
            .lease();
    assertEquals(java.time.Duration.ofSeconds(15), set.duration());
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                OperatorConfig.fromEnvironment(
                    Map.of(
                        "LEADER_ELECTION_LEASE_DURATION_SECONDS", "4",
                        "LEADER_ELECTION_RENEW_DEADLINE_SECONDS", "4")));
    assertEquals(
        "leader election needs lease duration > renew deadline > retry period > 0, got 4s, 4s, 1s",
        e.getMessage());
  }
}
