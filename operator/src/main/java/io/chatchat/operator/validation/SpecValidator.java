package io.chatchat.operator.validation;

import io.chatchat.operator.api.v1alpha1.CacheSpec;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.api.v1alpha1.Quantities;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.model.AnswerCache;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.rollout.RolloutPlan;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
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

  private static final java.util.regex.Pattern KB_NAME =
      java.util.regex.Pattern.compile(KnowledgeBaseSpec.NAME_REGEX);

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
    problems.addAll(missingSecrets(referencedSecretKeys(spec, cr), secrets));
    problems.addAll(quantityProblems(spec));
    if (spec.cache.enabled && spec.cache.ttlSeconds() > CacheSpec.MAX_TTL_SECONDS) {
      problems.add(
          new Problem(
              "InvalidCacheTtl",
              "cache.ttl "
                  + spec.cache.ttl
                  + " is longer than 720h: an answer would outlive what a month of document"
                  + " changes and model updates should allow"));
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
    List<String> names = new ArrayList<>(spec.knowledgeBase.build.knowledgeBases);
    names.add(0, spec.knowledgeBase.defaultKnowledgeBase);
    for (String kb : names) {
      if (kb == null || !KB_NAME.matcher(kb).matches()) {
        problems.add(
            new Problem(
                "InvalidKnowledgeBaseName",
                "'" + kb + "' is not a knowledge-base name: " + KnowledgeBaseSpec.NAME_RULE));
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

  /** Every Secret key a pod the operator renders reads: Chatchat's and the model servers'. */
  static List<SecretKeyRef> referencedSecretKeys(ChatchatClusterSpec spec, ChatchatCluster cr) {
    List<SecretKeyRef> refs = new ArrayList<>(ChatchatSettings.referencedSecretKeys(cr));
    for (ModelServerSpec server : java.util.Arrays.asList(spec.llm.vllm, spec.embedding.tei)) {
      if (server != null && server.hfTokenSecretRef != null) {
        refs.add(server.hfTokenSecretRef);
      }
    }
    if (spec.cache.enabled) {
      // The proxy, not Chatchat, then holds the LLM's key; and the user's store password.
      refs.addAll(AnswerCache.proxySecrets(cr));
    }
    return refs;
  }

  /** One problem per missing Secret (naming its keys), one per missing key of an existing one. */
  static List<Problem> missingSecrets(List<SecretKeyRef> refs, Function<String, Secret> secrets) {
    Map<String, java.util.Set<String>> absent = new java.util.LinkedHashMap<>();
    List<Problem> problems = new ArrayList<>();
    for (SecretKeyRef ref : refs) {
      Secret s = secrets.apply(ref.name);
      if (s == null) {
        absent.computeIfAbsent(ref.name, n -> new java.util.LinkedHashSet<>()).add(ref.key);
      } else if (value(s, ref.key) == null) {
        String message = "Secret " + ref.name + " has no key " + ref.key;
        if (problems.stream().noneMatch(p -> p.message().equals(message))) {
          problems.add(new Problem(REASON_SECRET_MISSING, message));
        }
      }
    }
    absent.forEach(
        (name, keys) ->
            problems.add(
                0,
                new Problem(
                    REASON_SECRET_MISSING,
                    "Secret "
                        + name
                        + " does not exist in the cluster's namespace (keys read: "
                        + String.join(", ", keys)
                        + ")")));
    return problems;
  }

  /** Requests and limits that are not Kubernetes quantities, by field. */
  static List<Problem> quantityProblems(ChatchatClusterSpec spec) {
    Map<String, ResourceRequirements> tiers = new java.util.LinkedHashMap<>();
    tiers.put("api", spec.api.resources);
    tiers.put("webui", spec.webui.resources);
    if (spec.metadataStore.managed != null) {
      tiers.put("metadataStore.managed", spec.metadataStore.managed.resources);
    }
    if (spec.vectorStore.managed != null) {
      tiers.put("vectorStore.managed", spec.vectorStore.managed.resources);
    }
    if (spec.llm.vllm != null) {
      tiers.put("llm.vllm", spec.llm.vllm.resources);
    }
    if (spec.embedding.tei != null) {
      tiers.put("embedding.tei", spec.embedding.tei.resources);
    }
    List<Problem> problems = new ArrayList<>();
    tiers.forEach(
        (tier, res) -> {
          if (res != null) {
            badQuantities(tier + ".resources.requests", res.getRequests(), problems);
            badQuantities(tier + ".resources.limits", res.getLimits(), problems);
          }
        });
    return problems;
  }

  private static void badQuantities(
      String field, Map<String, Quantity> values, List<Problem> problems) {
    if (values == null) {
      return;
    }
    values.forEach(
        (name, q) -> {
          String text = q == null ? "" : q.toString();
          if (!QUANTITY.matcher(text).matches()) {
            problems.add(
                new Problem(
                    "InvalidQuantity",
                    field
                        + "."
                        + name
                        + ": '"
                        + text
                        + "' is not a Kubernetes quantity (such as 500m or 2 for CPU, 512Mi or 4Gi"
                        + " for memory)"));
          }
        });
  }

  private static final java.util.regex.Pattern QUANTITY =
      java.util.regex.Pattern.compile(Quantities.REGEX);

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
