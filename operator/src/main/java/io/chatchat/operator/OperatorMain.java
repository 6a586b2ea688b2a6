package io.chatchat.operator;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.metrics.ClusterMetrics;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.reconciler.ChatchatClusterReconciler;
import io.chatchat.operator.reconciler.EventRecorder;
import io.chatchat.operator.rollout.AddressFileResolver;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.RuntimeInfo;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.hotspot.DefaultExports;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the operator: in a pod (in-cluster config) or locally (current kubeconfig). */
public final class OperatorMain implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private final Operator operator;
  private final HttpEndpoints http;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final Lease lease;

  /** The leader Lease's namespace (null: no leader election) and this process's identity. */
  private record Lease(String namespace, String identity) {}

  private final java.util.concurrent.atomic.AtomicBoolean closing;

  private OperatorMain(
      Operator operator,
      HttpEndpoints http,
      KubernetesClient client,
      boolean ownsClient,
      Lease lease,
      java.util.concurrent.atomic.AtomicBoolean closing) {
    this.closing = closing;
    this.operator = operator;
    this.http = http;
    this.client = client;
    this.ownsClient = ownsClient;
    this.lease = lease;
  }

  public static void main(String[] args) throws Exception {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    String addresses = System.getenv().getOrDefault("OPERATOR_POD_ADDRESSES_FILE", "").trim();
    PodAddressResolver resolver =
        addresses.isEmpty()
            ? PodAddressResolver.POD_IP
            : new AddressFileResolver(java.nio.file.Path.of(addresses));
    OperatorMain running = start(config, null, new CollectorRegistry(true), resolver);
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "shutdown"));
    Thread.currentThread().join();
  }

  /**
   * Starts the operator and its HTTP endpoints.
   *
   * @param client the client to use, or null to build one from the environment
   */
  public static OperatorMain start(
      OperatorConfig config, KubernetesClient client, CollectorRegistry registry) throws Exception {
    return start(config, client, registry, PodAddressResolver.POD_IP);
  }

  /** The ChatchatClusters in the controller's cache; none before it started. */
  private static java.util.Collection<ChatchatCluster> cached(
      io.javaoperatorsdk.operator.RegisteredController<ChatchatCluster> registered) {
    try {
      return ((io.javaoperatorsdk.operator.processing.Controller<ChatchatCluster>) registered)
          .getEventSourceManager()
          .getControllerEventSource()
          .list(c -> true)
          .toList();
    } catch (RuntimeException notStarted) {
      return java.util.List.of();
    }
  }

  /**
   * The leader Lease. JOSDK would exit on stopped leadership also while the JVM shuts down, from
   * the shutdown hook, which then hangs before the Lease is released: the operator exits itself,
   * unless it is closing.
   */
  private static LeaderElectionConfiguration leaderElection(
      OperatorConfig config, String identity, java.util.concurrent.atomic.AtomicBoolean closing) {
    return new LeaderElectionConfiguration(
        OperatorConfig.LEASE_NAME,
        config.leaderElectionNamespace(),
        config.lease().duration(),
        config.lease().renewDeadline(),
        config.lease().retry(),
        identity,
        new LeaderCallbacks(
            () -> {},
            () -> {
              if (config.exitOnLostLeadership() && !closing.get()) {
                LOG.error("lost the leader Lease {}; exiting", identity);
                System.exit(1);
              }
            },
            leader -> {}),
        false);
  }

  /**
   * Starts the operator; the smoke gates reach API pods through {@code resolver} (tests point it at
   * stub servers on 127.0.0.1).
   */
  public static OperatorMain start(
      OperatorConfig config,
      KubernetesClient client,
      CollectorRegistry registry,
      PodAddressResolver resolver)
      throws Exception {
    boolean ownsClient = client == null;
    KubernetesClient c = ownsClient ? clientFromEnvironment() : client;
    DefaultExports.register(registry);
    String identity = identity();
    java.util.concurrent.atomic.AtomicBoolean closing =
        new java.util.concurrent.atomic.AtomicBoolean();
    PrometheusMetrics metrics = new PrometheusMetrics(registry);
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(c)
                  .withCloseClientOnStop(false)
                  .withMetrics(metrics)
                  .withConcurrentReconciliationThreads(config.reconcileThreads())
                  .withStopOnInformerErrorDuringStartup(false)
                  .withCacheSyncTimeout(Duration.ofMinutes(2));
              if (config.leaderElectionNamespace() != null) {
                o.withLeaderElectionConfiguration(leaderElection(config, identity, closing));
              }
            });
    ChatchatClusterReconciler reconciler =
        new ChatchatClusterReconciler(c, new EventRecorder(c, identity), metrics, resolver);
    var registered =
        operator.register(
            reconciler,
            o -> {
              if (!config.watchNamespaces().isEmpty()) {
                o.settingNamespaces(config.watchNamespaces());
              }
            });
    new ClusterMetrics(() -> cached(registered)).register(registry);
    RuntimeInfo info = operator.getRuntimeInfo();
    HttpEndpoints http =
        new HttpEndpoints(
            config.httpBindAddress(),
            config.httpPort(),
            () -> null,
            () -> {
              if (!info.isStarted()) {
                return "operator not started";
              }
              if (!info.allEventSourcesAreHealthy()) {
                return "unhealthy event sources: " + info.unhealthyEventSources().keySet();
              }
              return null;
            },
            registry);
    operator.start();
    LOG.info(
        "chatchat-operator started: watching {}, leader election {}, http on {}:{}, resource {}",
        config.watchNamespaces().isEmpty() ? "all namespaces" : config.watchNamespaces(),
        config.leaderElectionNamespace() == null ? "off" : "in " + config.leaderElectionNamespace(),
        config.httpBindAddress(),
        http.port(),
        ChatchatCluster.class.getSimpleName());
    return new OperatorMain(
        operator,
        http,
        c,
        ownsClient,
        new Lease(config.leaderElectionNamespace(), identity),
        closing);
  }

  /**
   * The in-cluster or kubeconfig client, retrying a failed request once (fabric8 retries ten times
   * with back-off by default: an apply answered 500 held a reconciliation thread for 3 s); JOSDK
   * retries the reconciliation itself with back-off, off the thread.
   */
  static KubernetesClient clientFromEnvironment() {
    return new KubernetesClientBuilder()
        .withConfig(
            new io.fabric8.kubernetes.client.ConfigBuilder(
                    io.fabric8.kubernetes.client.Config.autoConfigure(null))
                .withRequestRetryBackoffLimit(1)
                .build())
        .build();
  }

  private static String identity() {
    return Optional.ofNullable(System.getenv("HOSTNAME"))
            .or(
                () -> {
                  try {
                    return Optional.of(InetAddress.getLocalHost().getHostName());
                  } catch (Exception e) {
                    return Optional.empty();
                  }
                })
            .orElse("chatchat-operator")
        + "-"
        + UUID.randomUUID().toString().substring(0, 8);
  }

  public int httpPort() {
    return http.port();
  }

  @Override
  public void close() {
    closing.set(true);
    try {
      operator.stop();
    } catch (RuntimeException e) {
      LOG.warn("stopping the operator: {}", e.toString());
    }
    if (lease.namespace() != null) {
      LeaseRelease.release(client, lease.namespace(), OperatorConfig.LEASE_NAME, lease.identity());
    }
    http.close();
    if (ownsClient) {
      client.close();
    }
  }
}
