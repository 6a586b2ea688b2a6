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
}
