package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.Map;

/** Object metadata of the operator's children. */
final class OwnerRefs {
  private OwnerRefs() {}

  static OwnerReference controllerRef(ChatchatCluster cr) {
    return new OwnerReferenceBuilder()
        .withApiVersion(cr.getApiVersion())
        .withKind(cr.getKind())
        .withName(cr.getMetadata().getName())
        .withUid(cr.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Metadata of a child that is garbage-collected with the ChatchatCluster. */
  static ObjectMeta owned(ChatchatCluster cr, String name, String component) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(cr.getMetadata().getNamespace())
        .withLabels(Labels.of(cr, component))
        .withOwnerReferences(controllerRef(cr))
        .build();
  }

  /** A custom resource of a kind the operator has no model class for (PodMonitor, ScaledObject). */
  static GenericKubernetesResource custom(
      String apiVersion, String kind, ObjectMeta meta, Map<String, Object> spec) {
    GenericKubernetesResource o = new GenericKubernetesResource();
    o.setApiVersion(apiVersion);
    o.setKind(kind);
    o.setMetadata(meta);
    o.setAdditionalProperty("spec", spec);
    return o;
  }
}
