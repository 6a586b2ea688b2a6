package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import java.util.LinkedHashMap;
import java.util.Map;

/** The app.kubernetes.io labels on everything the operator creates. */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String PART_OF = "app.kubernetes.io/part-of";
  public static final String VERSION = "app.kubernetes.io/version";

  public static final String APP = "chatchat";
  public static final String OPERATOR = "chatchat-operator";

  /** Selects every object this operator manages; the informers watch only these. */
  public static final String MANAGED_SELECTOR = MANAGED_BY + "=" + OPERATOR;

  public static final String COMPONENT_API = "api";
  public static final String COMPONENT_WEBUI = "webui";
  public static final String COMPONENT_SETTINGS = "settings";
  public static final String COMPONENT_KNOWLEDGE_BASE = "knowledge-base";
  public static final String COMPONENT_KB_WRITER = "kb-writer";
  public static final String COMPONENT_DATABASE = "database";
  public static final String COMPONENT_VECTOR_STORE = "vector-store";
  public static final String COMPONENT_LLM = "llm";
  public static final String COMPONENT_EMBEDDING = "embedding";
  public static final String COMPONENT_CACHE_PROXY = "cache-proxy";
  public static final String COMPONENT_CACHE_STORE = "cache-store";
  public static final String COMPONENT_INIT = "init";
  public static final String COMPONENT_PREFLIGHT = "preflight";
  public static final String COMPONENT_KB_BUILD = "kb-build";
  public static final String COMPONENT_AUTOSCALER = "autoscaler";

  /** Label of the Chatchat pods that may talk to the stores (NetworkPolicy peers). */
  public static final String STORE_CLIENT = "chatchat.io/store-client";

  /** Label of the API canary's pods (and part of its Deployment's selector). */
  public static final String TRACK = "chatchat.io/track";

  public static final String TRACK_CANARY = "canary";

  private Labels() {}

  /** Immutable labels that select a component's pods. */
  public static Map<String, String> selector(ChatchatCluster cr, String component) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(NAME, APP);
    m.put(INSTANCE, cr.getMetadata().getName());
    m.put(COMPONENT, component);
    return m;
  }

  /** Labels of a component's objects; the version label follows the given image. */
  public static Map<String, String> of(ChatchatCluster cr, String component, String image) {
    Map<String, String> m = selector(cr, component);
    m.put(MANAGED_BY, OPERATOR);
    m.put(PART_OF, APP);
    String version = imageTag(image);
    if (version != null) {
      m.put(VERSION, version);
    }
    return m;
  }

  /** All labels of a component's objects. */
  public static Map<String, String> of(ChatchatCluster cr, String component) {
    return of(cr, component, cr.getSpec().image);
  }

  /** A label selector string for a component's pods. */
  public static String selectorString(ChatchatCluster cr, String component) {
    StringBuilder sb = new StringBuilder();
    selector(cr, component)
        .forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return sb.toString();
  }

  /**
   * The tag of an image reference, when it is a valid label value (digests are not): {@code
   * repo/chatchat:0.3.1.3-x} gives {@code 0.3.1.3-x}.
   */
  public static String imageTag(String image) {
    if (image == null) {
      return null;
    }
    String ref = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    if (colon <= slash) {
      return null;
    }
    String tag = ref.substring(colon + 1);
    return tag.matches("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?") ? tag : null;
  }
}
