package io.chatchat.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What kubectl users see of the CRD: descriptions everywhere, columns, scale subresource. */
class CrdSchemaTest {
  private static JsonNode crd() throws Exception {
    return new ObjectMapper(new YAMLFactory())
        .readTree(Path.of("..", "crds", "chatchatclusters.chatchat.io-v1.yml").toFile());
  }

  private static JsonNode version() throws Exception {
    return crd().at("/spec/versions/0");
  }

  /** Our own fields; embedded Kubernetes types (EnvVar, Toleration…) bring their own docs. */
  private static void collectUndocumented(JsonNode schema, String path, List<String> out) {
    JsonNode props = schema.get("properties");
    if (props == null) {
      if (schema.has("items")) {
        collectUndocumented(schema.get("items"), path + "[]", out);
      }
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String p = path + "." + e.getKey();
      if (isKubernetesType(p)) {
        continue;
      }
      if (!e.getValue().hasNonNull("description")
          || e.getValue().get("description").asText().isBlank()) {
        out.add(p);
      }
      collectUndocumented(e.getValue(), p, out);
    }
  }

  private static boolean isKubernetesType(String path) {
    return path.matches(
        ".*\\.(resources|tolerations|env|imagePullSecrets|conditions|affinity|metrics|scrapeFrom)(\\[\\])?\\..*");
  }

  @Test
  void everySpecAndStatusFieldIsDocumented() throws Exception {
    JsonNode schema = version().at("/schema/openAPIV3Schema/properties");
    List<String> undocumented = new ArrayList<>();
    collectUndocumented(schema.get("spec"), "spec", undocumented);
    collectUndocumented(schema.get("status"), "status", undocumented);
    assertEquals(List.of(), undocumented);
  }

  @Test
  void namesColumnsAndSubresources() throws Exception {
    JsonNode crd = crd();
    assertEquals("chatchat.io", crd.at("/spec/group").asText());
    assertEquals("Namespaced", crd.at("/spec/scope").asText());
    assertEquals("[\"ccc\",\"chatchat\"]", crd.at("/spec/names/shortNames").toString());
    List<String> columns = new ArrayList<>();
    version().get("additionalPrinterColumns").forEach(c -> columns.add(c.get("name").asText()));
    assertEquals(List.of("Ready", "Phase", "Version", "API", "Age", "Rollout", "Step"), columns);
    assertEquals(
        ".spec.api.replicas", version().at("/subresources/scale/specReplicasPath").asText());
    assertEquals(
        ".status.apiReplicas", version().at("/subresources/scale/statusReplicasPath").asText());
    assertEquals(
        ".status.apiSelector", version().at("/subresources/scale/labelSelectorPath").asText());
    assertTrue(version().at("/subresources/status").isObject());
  }
}
