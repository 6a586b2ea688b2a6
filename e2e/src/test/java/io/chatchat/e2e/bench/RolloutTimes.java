package io.chatchat.e2e.bench;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches one cluster's rollout as it happens: when each canary pod was first seen Ready, when the
 * operator changed the canary's replicas (the start of the next step) and the API Deployment's
 * template (the promotion), and when the status first showed a rollback.
 */
final class RolloutTimes implements AutoCloseable {
  /** A change the operator made: when it was seen, and the canary's replicas after it. */
  record Move(Instant at, String what, int canaryReplicas) {}

  private final String cluster;
  private final Map<String, Instant> podReady = new ConcurrentHashMap<>();
  private final List<Move> moves = new CopyOnWriteArrayList<>();
  private final Map<String, String> templates = new ConcurrentHashMap<>();
  private final Map<String, Integer> replicas = new ConcurrentHashMap<>();
  private volatile Instant rolledBackSeen;
  private volatile RolloutStatus lastRolling;
  private final List<String> phases = new CopyOnWriteArrayList<>();
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();

  RolloutTimes(KubernetesClient client, String namespace, String cluster) {
    this.cluster = cluster;
    informers.add(
        client
            .pods()
            .inNamespace(namespace)
            .withLabel("app.kubernetes.io/instance", cluster)
            .inform(onAddOrUpdate(this::pod)));
    informers.add(
        client
            .apps()
            .deployments()
            .inNamespace(namespace)
            .withLabel("app.kubernetes.io/instance", cluster)
            .inform(onAddOrUpdate(this::deployment)));
    informers.add(
        client
            .resources(ChatchatCluster.class)
            .inNamespace(namespace)
            .withName(cluster)
            .inform(onAddOrUpdate(this::status)));
  }

  /** A handler that sees every added or updated object (deletions are not needed here). */
  static <T> ResourceEventHandler<T> onAddOrUpdate(java.util.function.Consumer<T> seen) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T o) {
        seen.accept(o);
      }

      @Override
      public void onUpdate(T old, T o) {
        seen.accept(o);
      }

      @Override
      public void onDelete(T o, boolean unknown) {}
    };
  }

  private void pod(Pod p) {
    boolean ready =
        p.getStatus() != null
            && p.getStatus().getConditions() != null
            && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    if (ready) {
      podReady.putIfAbsent(p.getMetadata().getName(), Instant.now());
    }
  }

  private void deployment(Deployment d) {
    Instant now = Instant.now();
    String name = d.getMetadata().getName();
    int r = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    Integer rBefore = replicas.put(name, r);
    String template = templateHash(d);
    String templateBefore = templates.put(name, template);
    if (name.equals(canary()) && !Objects.equals(rBefore, r)) {
      moves.add(new Move(now, "canary", r));
    } else if (name.equals(cluster + "-api")
        && templateBefore != null
        && !templateBefore.equals(template)) {
      moves.add(new Move(now, "promote", replicas.getOrDefault(canary(), 0)));
    }
  }

  private static String templateHash(Deployment d) {
    return String.valueOf(
        io.fabric8.kubernetes.client.utils.Serialization.asJson(d.getSpec().getTemplate())
            .hashCode());
  }

  private void status(ChatchatCluster c) {
    RolloutStatus r = c.getStatus() == null ? null : c.getStatus().rollout;
    if (r == null) {
      return;
    }
    String seen = r.phase + " " + r.position;
    if (phases.isEmpty() || !phases.get(phases.size() - 1).equals(seen)) {
      phases.add(seen);
    }
    if (r.phase == RolloutStatus.Phase.RolledBack) {
      if (rolledBackSeen == null) {
        rolledBackSeen = Instant.now();
      }
    } else if (r.phase != RolloutStatus.Phase.Completed && r.stepStartedAt != null) {
      lastRolling = r;
    }
  }

  private String canary() {
    return cluster + "-api-canary";
  }

  /**
   * Seconds from the moment a step's canary pods were all Ready to the operator's next move (canary
   * replicas up, or the promotion), for every step of the rollout watched since {@code since}.
   */
  List<Double> stepLatencies(Instant since) {
    List<Double> out = new ArrayList<>();
    List<Instant> readyTimes =
        podReady.entrySet().stream()
            .filter(e -> e.getKey().startsWith(canary() + "-"))
            .map(Map.Entry::getValue)
            .filter(t -> t.isAfter(since))
            .sorted()
            .toList();
    List<Move> mine = moves.stream().filter(m -> m.at().isAfter(since)).toList();
    for (int i = 1; i < mine.size(); i++) {
      int stepPods = mine.get(i - 1).canaryReplicas();
      if (stepPods < 1 || stepPods > readyTimes.size()) {
        continue;
      }
      Instant stepReady = readyTimes.get(stepPods - 1);
      Instant next = mine.get(i).at();
      if (next.isAfter(stepReady)) {
        out.add(Duration.between(stepReady, next).toNanos() / 1e9);
      }
    }
    return out;
  }

  /** Seconds from the step's deadline to the first status that showed the rollback. */
  double rollbackAfterDeadline(int deadlineSeconds) {
    if (rolledBackSeen == null || lastRolling == null || lastRolling.stepStartedAt == null) {
      return Double.NaN;
    }
    Instant deadline = Instant.parse(lastRolling.stepStartedAt).plusSeconds(deadlineSeconds);
    return Duration.between(deadline, rolledBackSeen).toNanos() / 1e9;
  }

  /** The rollout phases and positions the status went through, in order. */
  List<String> phases() {
    return List.copyOf(phases);
  }

  boolean rolledBack() {
    return rolledBackSeen != null;
  }

  List<Move> moves() {
    return List.copyOf(moves);
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
