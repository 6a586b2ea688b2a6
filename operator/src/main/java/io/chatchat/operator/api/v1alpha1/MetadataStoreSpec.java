package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** The SQL database for knowledge-base metadata (Chatchat's SQLALCHEMY_DATABASE_URI). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.type != 'External' || has(self.external)",
    message = "metadataStore.type External needs metadataStore.external.uriSecretRef")
@ValidationRule(
    value = "self.type == 'External' || !has(self.external)",
    message = "metadataStore.external is only valid with type External")
@ValidationRule(
    value = "self.type == 'Managed' || !has(self.managed)",
    message = "metadataStore.managed is only valid with type Managed")
@ValidationRule(
    value =
        "self.type != 'Managed' || oldSelf.type != 'Managed'"
            + " || ((has(self.managed) && has(self.managed.engine)) ? self.managed.engine : 'MySQL')"
            + " == ((has(oldSelf.managed) && has(oldSelf.managed.engine))"
            + " ? oldSelf.managed.engine : 'MySQL')",
    message =
        "metadataStore.managed.engine cannot change on a running cluster: the database volume holds"
            + " the other engine's files and the credentials Secret its URI. To migrate, dump the"
            + " database (mysqldump or pg_dump), create a new cluster with the new engine, load the"
            + " dump into it, and copy the knowledge-base files.")
@ValidationRule(
    value = "(self.type == 'SQLite') == (oldSelf.type == 'SQLite')",
    message =
        "metadataStore.type cannot change to or from SQLite on a running cluster: the SQLite file"
            + " on the knowledge-base volume and a database server never share their rows. To"
            + " migrate, create a new cluster with the new metadata store, copy the knowledge-base"
            + " files onto its claim and build them (knowledgeBase.build).")
public class MetadataStoreSpec {

  @JsonPropertyDescription(
      "Managed: the operator runs a MySQL (default) or PostgreSQL StatefulSet with generated"
          + " credentials. External: a MySQL or PostgreSQL database you run, shared by every pod."
          + " SQLite: a file on the knowledge-base volume, for a single Chatchat pod only (no WebUI,"
          + " one API replica).")
  @Required
  public Type type;

  @JsonPropertyDescription("Connection to an external database (type External).")
  public External external;

  @JsonPropertyDescription(
      "The database the operator runs (type Managed). Its credentials are generated once into the"
          + " Secret <cluster>-db-credentials, which, like the volume, is kept when the cluster is"
          + " deleted unless deletionPolicy is Delete.")
  public ManagedDatabase managed;

  /** The managed database settings, defaults when the section is omitted. */
  public ManagedDatabase managedOrDefault() {
    return managed != null ? managed : new ManagedDatabase();
  }

  public enum Type {
    Managed,
    External,
    SQLite
  }

  /** An external SQL database. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class External {
    @JsonPropertyDescription(
        "Secret key holding the SQLAlchemy URI, e.g. mysql+pymysql://user:pass@host:3306/chatchat"
            + " (driver in the stock image) or postgresql://… (needs psycopg2 in the image). It"
            + " reaches the pods as the SQLALCHEMY_DATABASE_URI environment variable.")
    @Required
    public SecretKeyRef uriSecretRef;
  }
}
