package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.observe.ClusterCapacity;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Before a GPU tier replaces pods: surge one pod when an eligible node has the GPUs for it; else,
 * by the CR's policy, replace one at a time (more than one replica) or hold the server at the
 * stable spec. A server already rolling keeps the strategy it started with. Pure: the model servers
 * are rendered with what it decides.
 */
public final class GpuSurgePolicy {
  private GpuSurgePolicy() {}

  /**
   * What the policy decided, per model server Deployment name.
   *
   * @param strategies the update strategy a server rolls with, where it is not the default surge
   * @param held servers kept at the stable spec this pass
   * @param waiting why the tier waits (null: it does not)
   */
  public record Decision(
      Map<String, DeploymentStrategy> strategies,
      Set<String> held,
      String waiting,
      List<Notice> notices) {
    public static final Decision SURGE = new Decision(Map.of(), Set.of(), null, List.of());

    /** This decision, also holding the named server at its stable spec (null: none more). */
    public Decision holding(String server) {
      if (server == null) {
        return this;
      }
      Set<String> more = new HashSet<>(held);
      more.add(server);
      return new Decision(strategies, more, waiting, notices);
    }
  }

  /** True when a GPU server is about to take a new template: only then are free GPUs counted. */
  public static boolean needsCapacity(
      List<HasMetadata> models, ChatchatCluster cr, LiveState live) {
    for (HasMetadata o : models) {
      if (o instanceof Deployment want && gpus(cr, want) > 0) {
        Deployment current = live.deployment(want.getMetadata().getName());
        if (current != null && !Readiness.sameTemplate(want, current)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * @param models the model servers as the target spec renders them
   * @param capacity the cluster's nodes and pods (null when {@link #needsCapacity} said no: then no
   *     server takes a new template, and each keeps its strategy)
   */
  public static Decision decide(
      List<HasMetadata> models, ChatchatCluster cr, LiveState live, ClusterCapacity capacity) {
    Map<String, DeploymentStrategy> strategies = new HashMap<>();
    Set<String> held = new HashSet<>();
    List<Notice> notices = new ArrayList<>();
    String waiting = null;
    for (HasMetadata o : models) {
      if (!(o instanceof Deployment want) || gpus(cr, want) == 0) {
        continue;
      }
      String name = want.getMetadata().getName();
      Deployment current = live.deployment(name);
      if (current == null) {
        continue;
      }
      if (Readiness.sameTemplate(want, current)) {
        strategies.put(name, current.getSpec().getStrategy());
        continue;
      }
      String resource = ModelServers.gpuResource(cr.getSpec(), want);
      if (GpuCapacity.fitsOneMore(
          capacity.nodes(), capacity.pods(), want.getSpec().getTemplate().getSpec(), resource)) {
        continue;
      }
      int replicas = want.getSpec().getReplicas();
      if (cr.getSpec().rollout.whenNoFreeGpu == RolloutSpec.GpuPolicy.ReplaceOneAtATime
          && replicas > 1) {
        strategies.put(name, ModelServers.oneAtATime());
        notices.add(Notice.of(EventReason.ReplacingOneAtATime, oneAtATime(want, cr, replicas)));
        continue;
      }
      held.add(name);
      waiting = holding(want, cr, replicas);
    }
    return new Decision(strategies, held, waiting, notices);
  }

  private static long gpus(ChatchatCluster cr, Deployment d) {
    return GpuCapacity.requested(
        d.getSpec().getTemplate().getSpec(), ModelServers.gpuResource(cr.getSpec(), d));
  }

  private static String oneAtATime(Deployment want, ChatchatCluster cr, int replicas) {
    return want.getMetadata().getName()
        + ": no eligible node has "
        + gpus(cr, want)
        + " free "
        + ModelServers.gpuResource(cr.getSpec(), want)
        + " for an extra pod; replacing its "
        + replicas
        + " pods one at a time (whenNoFreeGpu: ReplaceOneAtATime)";
  }

  private static String holding(Deployment want, ChatchatCluster cr, int replicas) {
    return want.getMetadata().getName()
        + " needs "
        + gpus(cr, want)
        + " free "
        + ModelServers.gpuResource(cr.getSpec(), want)
        + " on one eligible node to start a new pod before an old one stops, and no node"
        + " has them"
        + (replicas > 1
            ? "; whenNoFreeGpu is Wait"
            : "; with 1 replica, replacing the pod in place would stop the service")
        + ". Free GPUs (or add nodes) and the rollout continues"
        + (replicas > 1 ? ", or set rollout.whenNoFreeGpu: ReplaceOneAtATime" : "");
  }
}
