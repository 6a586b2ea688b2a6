package io.chatchat.operator.rollout;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Free GPUs for a pod template: on each node the template may run on (node selector, required node
 * affinity, taints it tolerates, schedulable), allocatable minus what running pods request. Pure;
 * the rollout engine decides from it whether a GPU tier can surge a pod.
 */
public final class GpuCapacity {
  private GpuCapacity() {}

  /** Free units of {@code resource} per eligible node, in node order. */
  public static Map<String, Long> freePerNode(
      List<Node> nodes, List<Pod> pods, PodSpec template, String resource) {
    Map<String, Long> free = new LinkedHashMap<>();
    for (Node node : nodes) {
      if (!eligible(node, template)) {
        continue;
      }
      long allocatable =
          amount(node.getStatus() == null ? null : node.getStatus().getAllocatable(), resource);
      long used = 0;
      for (Pod p : pods) {
        if (node.getMetadata().getName().equals(p.getSpec().getNodeName()) && !finished(p)) {
          used += requested(p.getSpec(), resource);
        }
      }
      free.put(node.getMetadata().getName(), Math.max(0, allocatable - used));
    }
    return free;
  }

  /** True when one more pod of the template fits on some eligible node. */
  public static boolean fitsOneMore(
      List<Node> nodes, List<Pod> pods, PodSpec template, String resource) {
    long need = requested(template, resource);
    return freePerNode(nodes, pods, template, resource).values().stream().anyMatch(f -> f >= need);
  }

  /** Units of the resource the pod requests (its containers' requests, else limits). */
  public static long requested(PodSpec spec, String resource) {
    long sum = 0;
    for (Container c : spec.getContainers()) {
      if (c.getResources() == null) {
        continue;
      }
      long r = amount(c.getResources().getRequests(), resource);
      sum += r > 0 ? r : amount(c.getResources().getLimits(), resource);
    }
    return sum;
  }

  static boolean eligible(Node node, PodSpec template) {
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return false;
    }
    Map<String, String> labels =
        node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (template.getNodeSelector() != null) {
      for (Map.Entry<String, String> e : template.getNodeSelector().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (template.getAffinity() != null
        && template.getAffinity().getNodeAffinity() != null
        && template
                .getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution()
            != null) {
      List<NodeSelectorTerm> terms =
          template
              .getAffinity()
              .getNodeAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecution()
              .getNodeSelectorTerms();
      if (!terms.isEmpty() && terms.stream().noneMatch(t -> matches(t, labels))) {
        return false;
      }
    }
    List<Taint> taints = node.getSpec() == null ? null : node.getSpec().getTaints();
    if (taints != null) {
      for (Taint t : taints) {
        boolean blocks = "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect());
        if (blocks && !tolerated(t, template.getTolerations())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matches(NodeSelectorTerm term, Map<String, String> labels) {
    if (term.getMatchExpressions() == null) {
      return true;
    }
    for (NodeSelectorRequirement r : term.getMatchExpressions()) {
      String v = labels.get(r.getKey());
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      boolean ok =
          switch (r.getOperator()) {
            case "In" -> v != null && values.contains(v);
            case "NotIn" -> v == null || !values.contains(v);
            case "Exists" -> v != null;
            case "DoesNotExist" -> v == null;
            default -> false; // Gt/Lt: not used for GPU placement; treat as not matching
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static boolean tolerated(Taint taint, List<Toleration> tolerations) {
    if (tolerations == null) {
      return false;
    }
    for (Toleration t : tolerations) {
      boolean effect =
          t.getEffect() == null
              || t.getEffect().isEmpty()
              || t.getEffect().equals(taint.getEffect());
      if (!effect) {
        continue;
      }
      if ("Exists".equals(t.getOperator())) {
        if (t.getKey() == null || t.getKey().isEmpty() || t.getKey().equals(taint.getKey())) {
          return true;
        }
      } else if (Objects.equals(t.getKey(), taint.getKey())
          && Objects.equals(
              t.getValue() == null ? "" : t.getValue(),
              taint.getValue() == null ? "" : taint.getValue())) {
        return true;
      }
    }
    return false;
  }

  private static boolean finished(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Succeeded".equals(phase) || "Failed".equals(phase);
  }

  private static long amount(Map<String, Quantity> m, String resource) {
    if (m == null || m.get(resource) == null) {
      return 0;
    }
    return Quantity.getAmountInBytes(m.get(resource)).longValue();
  }
}
