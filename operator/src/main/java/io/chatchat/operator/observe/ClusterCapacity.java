package io.chatchat.operator.observe;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** Every Node and every Pod of the cluster, listed once in a pass that needs free GPUs. */
public record ClusterCapacity(List<Node> nodes, List<Pod> pods) {}
