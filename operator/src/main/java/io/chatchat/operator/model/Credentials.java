package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Credentials Secrets of the managed stores. They are created once and never regenerated: the store
 * initialised its data directory with them. Like the store's volume, a Secret outlives the
 * ChatchatCluster unless deletionPolicy is Delete, so that re-creating the cluster finds both.
 */
public final class Credentials {
  public static final String USERNAME = "username";
  public static final String PASSWORD = "password";
  public static final String ROOT_PASSWORD = "root-password";

  /** The database and user the managed stores create for Chatchat. */
  public static final String DATABASE = "chatchat";

  public static final String USER = "chatchat";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

  private Credentials() {}

  /**
   * A random password of letters and digits: safe inside URIs, JSON and shell words, 24 characters
   * (about 143 bits).
   */
  public static String randomPassword() {
    char[] c = new char[24];
    for (int i = 0; i < c.length; i++) {
      c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }

  /** The managed database's Secret: user, passwords and Chatchat's SQLAlchemy URI. */
  public static Secret database(ChatchatCluster cr, Supplier<String> passwords) {
    ManagedDatabase.Engine engine = cr.getSpec().metadataStore.managedOrDefault().engine;
    String password = passwords.get();
    String host = Names.serviceHost(cr, Names.database(cr));
    String uri =
        engine == ManagedDatabase.Engine.MySQL
            ? "mysql+pymysql://"
                + USER
                + ":"
                + password
                + "@"
                + host
                + ":"
                + Endpoints.MYSQL_PORT
                + "/"
                + DATABASE
                + "?charset=utf8mb4"
            : postgresUri(host, password);
    Map<String, String> data = new LinkedHashMap<>();
    data.put(USERNAME, USER);
    data.put(PASSWORD, password);
    data.put(ROOT_PASSWORD, passwords.get());
    data.put(Endpoints.URI_KEY, uri);
    return secret(cr, Names.databaseCredentials(cr), Labels.COMPONENT_DATABASE, data);
  }

  /** The managed pgvector's Secret (the other managed vector stores run without credentials). */
  public static Secret vectorStore(ChatchatCluster cr, Supplier<String> passwords) {
    String password = passwords.get();
    Map<String, String> data = new LinkedHashMap<>();
    data.put(USERNAME, USER);
    data.put(PASSWORD, password);
    data.put(
        Endpoints.URI_KEY, postgresUri(Names.serviceHost(cr, Names.vectorStore(cr)), password));
    return secret(cr, Names.vectorStoreCredentials(cr), Labels.COMPONENT_VECTOR_STORE, data);
  }

  /** The managed answer-cache store's Secret: its AUTH password. */
  public static Secret cacheStore(ChatchatCluster cr, Supplier<String> passwords) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(PASSWORD, passwords.get());
    return secret(cr, Names.cacheCredentials(cr), Labels.COMPONENT_CACHE_STORE, data);
  }

  private static String postgresUri(String host, String password) {
    return "postgresql+psycopg2://"
        + USER
        + ":"
        + password
        + "@"
        + host
        + ":"
        + Endpoints.POSTGRES_PORT
        + "/"
        + DATABASE;
  }

  private static Secret secret(
      ChatchatCluster cr, String name, String component, Map<String, String> data) {
    ObjectMetaBuilder meta =
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(cr.getMetadata().getNamespace())
            .withLabels(Labels.of(cr, component, null));
    if (cr.getSpec().deletionPolicy == ChatchatClusterSpec.DeletionPolicy.Delete) {
      meta.withOwnerReferences(OwnerRefs.controllerRef(cr));
    }
    return new SecretBuilder()
        .withMetadata(meta.build())
        .withType("Opaque")
        .withStringData(data)
        .build();
  }
}
