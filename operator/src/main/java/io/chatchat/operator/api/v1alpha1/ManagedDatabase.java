package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** A database StatefulSet the operator runs for the metadata store. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedDatabase extends ManagedPodSpec {
  @JsonPropertyDescription(
      "MySQL (default: its driver pymysql is in the stock Chatchat image) or PostgreSQL (the"
          + " Chatchat image needs psycopg2).")
  @Default("MySQL")
  public Engine engine = Engine.MySQL;

  @JsonPropertyDescription(
      "The database volume. Kept when the cluster is deleted unless deletionPolicy is Delete.")
  @Default("{}")
  @io.fabric8.generator.annotation.ValidationRule(
      value = "self == oldSelf",
      message =
          "metadataStore.managed.storage cannot change on a running cluster: a StatefulSet's volume claim template is"
              + " immutable. To grow the volume, edit the claims data-<cluster>-db-N themselves (if"
              + " their StorageClass allows expansion).")
  public VolumeSpec storage = new VolumeSpec();

  public enum Engine {
    MySQL,
    PostgreSQL
  }
}
