package io.chatchat.operator.validation;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.rollout.RolloutPlan;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks what admission cannot: the Secrets the spec refers to and what they contain. Pure: the
 * caller passes the Secrets it read.
 */
public final class SpecValidator {
  private SpecValidator() {}

  /** A problem found in the spec: a machine-readable reason and a message for the user. */
  public record Problem(String reason, String message) {}

  public static final String REASON_SECRET_MISSING = "SecretMissing";
  public static final String REASON_INVALID_SECRET_VALUE = "InvalidSecretValue";

  /**
   * @param secrets looks a Secret up by name in the cluster's namespace; null when it does not
   *     exist
   */
  public static List<Problem> validate(ChatchatCluster cr, Function<String, Secret> secrets) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<Problem> problems = new ArrayList<>();
    String badStep = RolloutPlan.invalidStep(spec.rollout.canarySteps);
    if (badStep != null) {
      problems.add(new Problem("InvalidCanaryStep", badStep));
    }
    for (SecretKeyRef ref : ChatchatSettings.referencedSecretKeys(cr)) {
      Secret s = secrets.apply(ref.name);
      if (s == null) {
        problems.add(
            new Problem(
                REASON_SECRET_MISSING,
                "Secret " + ref.name + " does not exist in the cluster's namespace"));
      } else if (value(s, ref.key) == null) {
        problems.add(
            new Problem(REASON_SECRET_MISSING, "Secret " + ref.name + " has no key " + ref.key));
      }
    }
    for (SecretKeyRef ref : ChatchatSettings.secretKeysInsideJson(cr)) {
      Secret s = secrets.apply(ref.name);
      String v = s == null ? null : value(s, ref.key);
      if (v != null
          && (v.contains("\"") || v.contains("\\") || v.chars().anyMatch(c -> c < 0x20))) {
        problems.add(
            new Problem(
                REASON_INVALID_SECRET_VALUE,
                "Secret "
                    + ref.name
                    + " key "
                    + ref.key
                    + " contains a double quote, backslash or control character; Chatchat reads"
                    + " it inside a JSON setting, where such characters break parsing"));
      }
    }
    for (String kb : spec.knowledgeBase.build.knowledgeBases) {
      if (!kb.matches("[A-Za-z0-9_][-A-Za-z0-9_.]{0,49}")) {
        problems.add(
            new Problem(
                "InvalidKnowledgeBaseName",
                "knowledgeBase.build.knowledgeBases: '"
                    + kb
                    + "' is not a knowledge-base name (1 to 50 letters, digits, '_', '-' or '.',"
                    + " not starting with '-' or '.')"));
      }
    }
    if (spec.metadataStore.type == MetadataStoreSpec.Type.External) {
      SecretKeyRef ref = spec.metadataStore.external.uriSecretRef;
      Secret s = secrets.apply(ref.name);
      String uri = s == null ? null : value(s, ref.key);
      if (uri != null) {
        String problem = databaseUriProblem(uri.trim());
        if (problem != null) {
          problems.add(
              new Problem(
                  REASON_INVALID_SECRET_VALUE,
                  "Secret " + ref.name + " key " + ref.key + ": " + problem));
        }
      }
    }
    return problems;
  }

  /** Why Chatchat could not use this SQLAlchemy URI as a shared database, or null. */
  static String databaseUriProblem(String uri) {
    String lower = uri.toLowerCase(Locale.ROOT);
    if (lower.startsWith("mysql+pymysql://")
        || lower.startsWith("postgresql://")
        || lower.startsWith("postgresql+psycopg2://")) {
      return null;
    }
    if (lower.startsWith("sqlite")) {
      return "SQLite is a file inside one pod, not a shared database; use metadataStore.type"
          + " SQLite for a single pod, or a MySQL/PostgreSQL URI";
    }
    if (lower.startsWith("mysql://") || lower.startsWith("mysql+")) {
      return "use the mysql+pymysql:// scheme: pymysql is the MySQL driver in the Chatchat image";
    }
    return "the URI must start with mysql+pymysql:// or postgresql:// (SQLAlchemy form); the"
        + " value starts with '"
        + (uri.contains("://") ? uri.substring(0, uri.indexOf("://") + 3) : "(no scheme)")
        + "'";
  }

  /** The decoded value of a Secret key, or null. */
  public static String value(Secret s, String key) {
    Map<String, String> data = s.getData();
    if (data != null && data.get(key) != null) {
      return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8);
    }
    Map<String, String> stringData = s.getStringData();
    return stringData == null ? null : stringData.get(key);
  }
}
