package io.chatchat.operator.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GpuCapacityTest {
  static final String GPU = "nvidia.com/gpu";

  static Node node(String name, int gpus, boolean tainted, Map<String, String> labels) {
    NodeBuilder b =
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .withNewStatus()
            .addToAllocatable(GPU, new Quantity(String.valueOf(gpus)))
            .addToAllocatable("cpu", new Quantity("16"))
            .endStatus();
    if (tainted) {
      b.editSpec()
          .addNewTaint()
          .withKey(GPU)
          .withValue("present")
          .withEffect("NoSchedule")
          .endTaint()
          .endSpec();
    }
    return b.build();
  }

  static PodSpec template(int gpus, boolean tolerates, Map<String, String> selector) {
    PodSpecBuilder b =
        new PodSpecBuilder()
            .addNewContainer()
            .withName("vllm")
            .withNewResources()
            .addToLimits(GPU, new Quantity(String.valueOf(gpus)))
            .endResources()
            .endContainer()
            .withNodeSelector(selector);
    if (tolerates) {
      b.addToTolerations(
          new TolerationBuilder()
              .withKey(GPU)
              .withOperator("Exists")
              .withEffect("NoSchedule")
              .build());
    }
    return b.build();
  }

  static Pod running(String node, int gpus, String phase) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p-" + node + gpus + phase)
        .endMetadata()
        .withSpec(template(gpus, true, Map.of()))
        .editSpec()
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase(phase)
        .endStatus()
        .build();
  }

  @Test
  void freeGpusAreAllocatableMinusRunningRequestsOnTaintToleratedNodes() {
    List<Node> nodes =
        List.of(
            node("cpu-0", 0, false, Map.of()),
            node("gpu-0", 4, true, Map.of("pool", "a100")),
            node("gpu-1", 4, true, Map.of("pool", "l4")));
    List<Pod> pods =
        List.of(
            running("gpu-0", 2, "Running"),
            running("gpu-1", 4, "Running"),
            running("gpu-1", 4, "Succeeded"));
    Map<String, Long> free = GpuCapacity.freePerNode(nodes, pods, template(2, true, Map.of()), GPU);
    assertEquals(Map.of("cpu-0", 0L, "gpu-0", 2L, "gpu-1", 0L), free);
    assertTrue(GpuCapacity.fitsOneMore(nodes, pods, template(2, true, Map.of()), GPU));
    assertFalse(GpuCapacity.fitsOneMore(nodes, pods, template(4, true, Map.of()), GPU));
    // Without the toleration, tainted GPU nodes are not eligible at all.
    assertEquals(
        Map.of("cpu-0", 0L),
        GpuCapacity.freePerNode(nodes, pods, template(1, false, Map.of()), GPU));
    // The node selector narrows the nodes.
    assertEquals(
        Map.of("gpu-1", 0L),
        GpuCapacity.freePerNode(nodes, pods, template(1, true, Map.of("pool", "l4")), GPU));
    assertFalse(GpuCapacity.fitsOneMore(nodes, pods, template(1, true, Map.of("pool", "l4")), GPU));
  }

  @Test
  void cordonedNodesAndRequiredNodeAffinityAreHonoured() {
    Node cordoned = node("gpu-0", 4, false, Map.of("zone", "a"));
    cordoned.getSpec().setUnschedulable(true);
    Node other = node("gpu-1", 4, false, Map.of("zone", "b"));
    PodSpec t = template(1, false, Map.of());
    assertEquals(
        Map.of("gpu-1", 4L), GpuCapacity.freePerNode(List.of(cordoned, other), List.of(), t, GPU));
    t.setAffinity(
        new io.fabric8.kubernetes.api.model.AffinityBuilder()
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .addNewNodeSelectorTerm()
            .addNewMatchExpression()
            .withKey("zone")
            .withOperator("In")
            .withValues("a")
            .endMatchExpression()
            .endNodeSelectorTerm()
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity()
            .build());
    assertTrue(GpuCapacity.freePerNode(List.of(cordoned, other), List.of(), t, GPU).isEmpty());
  }
}
