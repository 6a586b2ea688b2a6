package io.chatchat.operator.api;

import io.chatchat.operator.api.v1alpha1.Quantities;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsOrBool;
import java.util.Map;

/**
 * Schema constraints fabric8's generator cannot express from the Java model, added by the build
 * step after it: the quantity pattern on every request and limit (the model uses Kubernetes'
 * ResourceRequirements, whose values are bare int-or-strings; a CEL rule over the maps would exceed
 * the API server's cost budget), and a length bound on knowledge-base names in lists, which keeps
 * their CEL rule within that budget.
 */
final class CrdSchemaRefinements {
  static final long MAX_RESOURCE_NAMES = 16;

  /** Bytes (the API server's unit): 50 characters of any script; the CEL rule counts characters. */
  static final long MAX_KNOWLEDGE_BASE_NAME_BYTES = 200;

  private CrdSchemaRefinements() {}

  static void refine(JSONSchemaProps spec) {
    walk(spec);
    JSONSchemaProps build = spec.getProperties().get("knowledgeBase").getProperties().get("build");
    build
        .getProperties()
        .get("knowledgeBases")
        .getItems()
        .getSchema()
        .setMaxLength(MAX_KNOWLEDGE_BASE_NAME_BYTES);
  }

  /**
   * Every ResourceRequirements in the tree: a property named resources with limits and requests.
   */
  private static void walk(JSONSchemaProps node) {
    Map<String, JSONSchemaProps> props = node.getProperties();
    if (props == null) {
      return;
    }
    props.forEach(
        (name, child) -> {
          if (name.equals("resources") && isResourceRequirements(child)) {
            quantities(child.getProperties().get("limits"));
            quantities(child.getProperties().get("requests"));
          } else {
            walk(child);
          }
        });
  }

  private static boolean isResourceRequirements(JSONSchemaProps p) {
    return p.getProperties() != null
        && p.getProperties().containsKey("limits")
        && p.getProperties().containsKey("requests");
  }

  private static void quantities(JSONSchemaProps map) {
    JSONSchemaPropsOrBool values = map.getAdditionalProperties();
    values.getSchema().setPattern(Quantities.REGEX);
    map.setMaxProperties(MAX_RESOURCE_NAMES);
  }
}
