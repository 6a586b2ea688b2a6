package io.chatchat.operator.reconciler.dependent;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.model.Traffic;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;

/** The Ingresses of the API and the WebUI, with timeouts fit for LLM answers. */
public class Ingresses extends SpecShapedChildren<Ingress> {
  public Ingresses() {
    super(Ingress.class);
  }

  @Override
  List<Ingress> render(ChatchatCluster cluster) {
    return Traffic.desired(cluster).stream().map(Ingress.class::cast).toList();
  }
}
