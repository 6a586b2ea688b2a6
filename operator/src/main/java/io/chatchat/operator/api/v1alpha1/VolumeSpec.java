package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** A persistent volume the operator claims for a store (size and StorageClass). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class VolumeSpec {
  @JsonPropertyDescription("Requested size; it can grow later if the StorageClass allows it.")
  @Default("10Gi")
  @Pattern("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")
  public String size = "10Gi";

  @JsonPropertyDescription("StorageClass of the claim; the cluster default when unset.")
  public String storageClassName;
}
