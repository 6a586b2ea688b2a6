package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** A vector-store StatefulSet the operator runs (Elasticsearch, Milvus standalone or pgvector). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedVectorStore extends ManagedPodSpec {
  @JsonPropertyDescription(
      "Number of store pods. Elasticsearch accepts 1 or 3 and more (a cluster with quorum);"
          + " Milvus standalone and pgvector run exactly 1.")
  @Default("1")
  @Min(1)
  @Max(9)
  public int replicas = 1;

  @JsonPropertyDescription(
      "The volume of each store pod. Kept when the cluster is deleted unless deletionPolicy is"
          + " Delete.")
  @Default("{}")
  @io.fabric8.generator.annotation.ValidationRule(
      value = "self == oldSelf",
      message =
          "vectorStore.managed.storage cannot change on a running cluster: a StatefulSet's volume claim template is"
              + " immutable. To grow the volume, edit the claims data-<cluster>-vectors-N themselves (if"
              + " their StorageClass allows expansion).")
  public VolumeSpec storage = new VolumeSpec();
}
