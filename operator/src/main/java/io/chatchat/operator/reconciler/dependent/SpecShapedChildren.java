package io.chatchat.operator.reconciler.dependent;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.GarbageCollected;
import io.javaoperatorsdk.operator.processing.dependent.CRUDKubernetesBulkDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The children of one kind whose shape depends only on the spec, as a JOSDK bulk dependent: JOSDK
 * server-side-applies each one the model renders (skipped when its SSA matcher matches, as {@code
 * ChildWriter} does), and deletes the cluster's objects of that kind the spec no longer asks for.
 * The objects come from the pure builders in {@code model} with their labels and owner reference.
 */
abstract class SpecShapedChildren<R extends HasMetadata>
    extends KubernetesDependentResource<R, ChatchatCluster>
    implements CRUDKubernetesBulkDependentResource<R, ChatchatCluster>,
        GarbageCollected<ChatchatCluster> {

  SpecShapedChildren(Class<R> type) {
    super(type);
  }

  /** The objects of this kind the cluster at this spec has. */
  abstract List<R> render(ChatchatCluster cluster);

  @Override
  public Map<ResourceID, R> desiredResources(
      ChatchatCluster primary, Context<ChatchatCluster> context) {
    Map<ResourceID, R> out = new LinkedHashMap<>();
    for (R r : render(Dependents.target(primary, context))) {
      out.put(ResourceID.fromResource(r), r);
    }
    return out;
  }

  @Override
  public Map<ResourceID, R> getSecondaryResources(
      ChatchatCluster primary, Context<ChatchatCluster> context) {
    Map<ResourceID, R> out = new LinkedHashMap<>();
    context
        .getSecondaryResourcesAsStream(resourceType())
        .filter(r -> r.getMetadata().getDeletionTimestamp() == null)
        .forEach(r -> out.put(ResourceID.fromResource(r), r));
    return out;
  }

  /** The builders set the labels and the owner reference; JOSDK adds nothing. */
  @Override
  protected void addMetadata(
      boolean forMatch, R actual, R target, ChatchatCluster primary, Context<ChatchatCluster> c) {}
}
