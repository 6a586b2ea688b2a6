package io.chatchat.operator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.model.ConfigHash;
import io.chatchat.operator.model.SpecJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pure rules of a rollout: which spec changes are a new revision (scaling is not), the stable spec
 * with today's scale, and the API canary's pod counts per step.
 */
public final class RolloutPlan {

  private RolloutPlan() {}

  /**
   * The revision of a spec: a hash of everything that changes pods, plus the data of the Secrets
   * the pods read. Replica counts, autoscaling and the rollout settings are not part of it: scaling
   * is not a rollout.
   */
  public static String revision(ChatchatClusterSpec spec, Map<String, String> secretDigests) {
    ChatchatClusterSpec s = copy(spec);
    s.api.replicas = 1;
    s.api.autoscaling = null;
    s.webui.replicas = 1;
    if (s.llm.vllm != null) {
      s.llm.vllm.replicas = 1;
      s.llm.vllm.autoscaling = null;
    }
    if (s.embedding.tei != null) {
      s.embedding.tei.replicas = 1;
      s.embedding.tei.autoscaling = null;
    }
    s.rollout = null;
    // Off, the cache's defaults are no revision (nor were they before it existed); on, the
    // proxy's replicas are scale.
    if (!s.cache.enabled) {
      s.cache = null;
    } else {
      s.cache.proxy.replicas = 1;
    }
    // A rebuild of the knowledge bases changes no pod: it runs the build Job only.
    s.knowledgeBase.build.revision = null;
    StringBuilder sb = new StringBuilder(toJson(s));
    new TreeMap<>(secretDigests).forEach((k, v) -> sb.append('\0').append(k).append('=').append(v));
    return ConfigHash.sha256(sb.toString()).substring(0, 16);
  }

  /**
   * The last stable spec with the scale and rollout settings of the current spec: a rollback
   * returns to the old pods, not to an old replica count the HPA or a user has since changed.
   */
  public static ChatchatClusterSpec stableWithCurrentScale(
      ChatchatClusterSpec stable, ChatchatClusterSpec current) {
    ChatchatClusterSpec s = copy(stable);
    s.api.replicas = current.api.replicas;
    s.api.autoscaling = current.api.autoscaling;
    s.webui.replicas = current.webui.replicas;
    if (s.llm.vllm != null && current.llm.vllm != null) {
      s.llm.vllm.replicas = current.llm.vllm.replicas;
      s.llm.vllm.autoscaling = current.llm.vllm.autoscaling;
    }
    if (s.embedding.tei != null && current.embedding.tei != null) {
      s.embedding.tei.replicas = current.embedding.tei.replicas;
      s.embedding.tei.autoscaling = current.embedding.tei.autoscaling;
    }
    s.rollout = current.rollout;
    if (s.cache.enabled && current.cache.enabled) {
      s.cache.proxy.replicas = current.cache.proxy.replicas;
    }
    // Not part of the revision: a rollback does not undo the latest request to rebuild.
    s.knowledgeBase.build.revision = current.knowledgeBase.build.revision;
    return s;
  }

  /** A cluster object like {@code cr} whose spec is {@code spec} (for the builders). */
  public static ChatchatCluster withSpec(ChatchatCluster cr, ChatchatClusterSpec spec) {
    ChatchatCluster c = new ChatchatCluster();
    c.setMetadata(cr.getMetadata());
    c.setSpec(spec);
    c.setStatus(cr.getStatus());
    return c;
  }

  public static String toJson(ChatchatClusterSpec spec) {
    return SpecJson.toJson(spec);
  }

  public static ChatchatClusterSpec fromJson(String json) {
    return SpecJson.fromJson(json);
  }

  /** Why a status.lastStableSpec cannot serve as the stable spec; null when it can or is unset. */
  public static String unreadableStableSpec(String json) {
    if (json == null) {
      return null;
    }
    try {
      ChatchatClusterSpec spec = SpecJson.MAPPER.readValue(json, ChatchatClusterSpec.class);
      if (spec == null
          || spec.metadataStore == null
          || spec.metadataStore.type == null
          || spec.vectorStore == null
          || spec.vectorStore.type == null
          || spec.llm == null
          || spec.embedding == null) {
        return "it lacks metadataStore, vectorStore, llm or embedding";
      }
      return null;
    } catch (JsonProcessingException e) {
      String m = e.getOriginalMessage();
      return m.length() > 200 ? m.substring(0, 200) : m;
    }
  }

  static ChatchatClusterSpec copy(ChatchatClusterSpec spec) {
    return fromJson(toJson(spec));
  }

  /**
   * New API pods at each canary step: a count ("2") or a percentage of {@code replicas} ("50%",
   * rounded up), at least 1 and at most {@code replicas}; steps that would not add a pod are
   * dropped, and the last step is always all of them.
   */
  public static List<Integer> canaryCounts(List<String> steps, int replicas) {
    List<Integer> counts = new ArrayList<>();
    int last = 0;
    for (String step : steps == null ? List.<String>of() : steps) {
      int n = Math.min(replicas, Math.max(1, parse(step, replicas)));
      if (n > last) {
        counts.add(n);
        last = n;
      }
    }
    if (last < replicas) {
      counts.add(replicas);
    }
    return counts;
  }

  /** Why a canary step is malformed, or null when every step is a count or a percentage. */
  public static String invalidStep(List<String> steps) {
    for (String step : steps == null ? List.<String>of() : steps) {
      if (step == null || !step.matches("[1-9][0-9]{0,3}|([1-9][0-9]?|100)%")) {
        return "rollout.canarySteps: \""
            + step
            + "\" is neither a pod count (1-9999) nor a percentage (1%-100%)";
      }
    }
    return null;
  }

  private static int parse(String step, int replicas) {
    if (step.endsWith("%")) {
      int pct = Integer.parseInt(step.substring(0, step.length() - 1));
      return (int) Math.ceil(replicas * pct / 100.0);
    }
    return Integer.parseInt(step);
  }

  /** A short hash of any JSON-serialisable object (for comparing rendered pod templates). */
  public static String hashOf(Object o) {
    try {
      return ConfigHash.sha256(SpecJson.MAPPER.writeValueAsString(o)).substring(0, 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
