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
 * @param lease the leader Lease's timings
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    String httpBindAddress,
    int httpPort,
    String leaderElectionNamespace,
    int reconcileThreads,
    boolean exitOnLostLeadership,
    LeaseTimings lease) {

  public static final String LEASE_NAME = "chatchat-operator";

  /**
   * How long a leader's Lease lasts without renewal, how long the leader keeps trying to renew
   * before it gives up (and exits), and how often candidates try. A killed leader is replaced after
   * about {@code duration + retry}: 5 s and 1 s by default (client-go's 15 s made failover take 16
   * s).
   */
  public record LeaseTimings(
      java.time.Duration duration, java.time.Duration renewDeadline, java.time.Duration retry) {
    public static final LeaseTimings DEFAULT =
        new LeaseTimings(
            java.time.Duration.ofSeconds(5),
            java.time.Duration.ofSeconds(3),
            java.time.Duration.ofSeconds(1));

    public LeaseTimings {
      if (!(duration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retry) > 0)
          || retry.isZero()
          || retry.isNegative()) {
        throw new IllegalArgumentException(
            "leader election needs lease duration > renew deadline > retry period > 0, got "
                + duration.toSeconds()
                + "s, "
                + renewDeadline.toSeconds()
                + "s, "
                + retry.toSeconds()
                + "s");
      }
    }
  }

  /** Settings with the default Lease timings. */
  public OperatorConfig(
      Set<String> watchNamespaces,
      String httpBindAddress,
      int httpPort,
      String leaderElectionNamespace,
      int reconcileThreads,
      boolean exitOnLostLeadership) {
    this(
        watchNamespaces,
        httpBindAddress,
        httpPort,
        leaderElectionNamespace,
        reconcileThreads,
        exitOnLostLeadership,
        LeaseTimings.DEFAULT);
  }

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
        true,
        new LeaseTimings(
            seconds(env, "LEADER_ELECTION_LEASE_DURATION_SECONDS", LeaseTimings.DEFAULT.duration()),
            seconds(
                env,
                "LEADER_ELECTION_RENEW_DEADLINE_SECONDS",
                LeaseTimings.DEFAULT.renewDeadline()),
            seconds(env, "LEADER_ELECTION_RETRY_PERIOD_SECONDS", LeaseTimings.DEFAULT.retry())));
  }

  private static java.time.Duration seconds(
      Map<String, String> env, String name, java.time.Duration otherwise) {
    String v = env.getOrDefault(name, "").trim();
    return v.isEmpty() ? otherwise : java.time.Duration.ofSeconds(Long.parseLong(v));
  }
}
