package io.chatchat.operator.reconciler.dependent;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.Scaling;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;

/** The NetworkPolicies that let only this cluster's Chatchat pods reach its managed stores. */
public class StorePolicies extends SpecShapedChildren<NetworkPolicy> {
  public StorePolicies() {
    super(NetworkPolicy.class);
  }

  @Override
  List<NetworkPolicy> render(ChatchatCluster cluster) {
    return Scaling.storePolicies(cluster).stream().map(NetworkPolicy.class::cast).toList();
  }
}
