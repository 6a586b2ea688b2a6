package io.chatchat.operator;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's settings, from environment variables.
 *
 * @param watchNamespaces namespaces to watch; empty means all
 * @param httpBindAddress address of the /healthz, /readyz and /metrics server
 * @param httpPort its port; 0 picks a free one
 * @param leaderElectionNamespace where the leader Lease lives; null disables leader election
 * @param reconcileThreads concurrent reconciliations
 * @param exitOnLostLeadership end the process when leadership is lost (always in production, where
 *     the pod restarts; an operator embedded in tests keeps its JVM)
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    String httpBindAddress,
    int httpPort,
    String leaderElectionNamespace,
    int reconcileThreads,
    boolean exitOnLostLeadership) {

  public static final String LEASE_NAME = "chatchat-operator";

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String namespaces = env.getOrDefault("WATCH_NAMESPACES", "").trim();
    Set<String> watch =
        namespaces.isEmpty()
            ? Set.of()
            : Arrays.stream(namespaces.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    String leader = env.getOrDefault("LEADER_ELECTION_NAMESPACE", "").trim();
    return new OperatorConfig(
        watch,
        env.getOrDefault("OPERATOR_HTTP_BIND_ADDRESS", "0.0.0.0"),
        Integer.parseInt(env.getOrDefault("OPERATOR_HTTP_PORT", "8080")),
        leader.isEmpty() ? null : leader,
        Integer.parseInt(env.getOrDefault("RECONCILE_THREADS", "10")),
        true);
  }
}
