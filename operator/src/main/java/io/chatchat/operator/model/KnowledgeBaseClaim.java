package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.chatchat.operator.api.v1alpha1.VolumeSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The knowledge-base PersistentVolumeClaim. It carries an owner reference only when the user asked
 * for deletionPolicy Delete; otherwise it outlives the ChatchatCluster.
 */
public final class KnowledgeBaseClaim {
  private KnowledgeBaseClaim() {}

  public static PersistentVolumeClaim build(ChatchatCluster cr) {
    ChatchatClusterSpec spec = cr.getSpec();
    KnowledgeBaseSpec.Storage storage = spec.knowledgeBase.storage;
    ObjectMetaBuilder meta =
        new ObjectMetaBuilder()
            .withName(Names.knowledgeBaseClaim(cr))
            .withNamespace(cr.getMetadata().getNamespace())
            .withLabels(Labels.of(cr, Labels.COMPONENT_KNOWLEDGE_BASE));
    if (spec.deletionPolicy == ChatchatClusterSpec.DeletionPolicy.Delete) {
      meta.withOwnerReferences(OwnerRefs.controllerRef(cr));
    }
    return new PersistentVolumeClaimBuilder()
        .withMetadata(meta.build())
        .withSpec(spec(storage, storage.accessMode.name()))
        .build();
  }

  /** A claim's spec: one access mode, the StorageClass (cluster default when unset), a size. */
  static PersistentVolumeClaimSpec spec(VolumeSpec volume, String accessMode) {
    return new PersistentVolumeClaimSpecBuilder()
        .withAccessModes(accessMode)
        .withStorageClassName(volume.storageClassName)
        .withNewResources()
        .addToRequests("storage", new Quantity(volume.size))
        .endResources()
        .build();
  }
}
