package io.chatchat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs the Argo CD health check (examples/argocd/health.lua) in a real Lua interpreter (LuaJ)
 * against ChatchatCluster statuses recorded from the local control plane
 * (src/test/resources/argocd/*.json) and edits of them.
 */
class ArgoCdHealthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPT = LocalCluster.REPO.resolve("examples/argocd/health.lua");

  /** The health check's verdict: status and message. */
  record Health(String status, String message) {}

  static Health health(JsonNode obj) throws Exception {
    Globals globals = JsePlatform.standardGlobals();
    globals.set("obj", lua(obj));
    LuaValue result = globals.load(Files.readString(SCRIPT), "health.lua").call();
    return new Health(result.get("status").tojstring(), result.get("message").tojstring());
  }

  /** JSON as Argo CD hands it to the script: objects and arrays become tables. */
  static LuaValue lua(JsonNode n) {
    if (n == null || n.isNull()) {
      return LuaValue.NIL;
    }
    if (n.isObject()) {
      LuaTable t = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        t.set(e.getKey(), lua(e.getValue()));
      }
      return t;
    }
    if (n.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < n.size(); i++) {
        t.set(i + 1, lua(n.get(i)));
      }
      return t;
    }
    if (n.isBoolean()) {
      return LuaValue.valueOf(n.booleanValue());
    }
    if (n.isIntegralNumber()) {
      return LuaValue.valueOf(n.longValue());
    }
    if (n.isNumber()) {
      return LuaValue.valueOf(n.doubleValue());
    }
    return LuaValue.valueOf(n.asText());
  }

  static ObjectNode recorded(String name) throws Exception {
    return (ObjectNode)
        JSON.readTree(ArgoCdHealthTest.class.getResourceAsStream("/argocd/" + name + ".json"));
  }

  static ObjectNode condition(ObjectNode obj, String type) {
    for (JsonNode c : obj.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return (ObjectNode) c;
      }
    }
    throw new IllegalArgumentException(type);
  }

  @Test
  void aReadyClusterIsHealthy() throws Exception {
    assertEquals(new Health("Healthy", "All ready"), health(recorded("ready")));
  }

  @Test
  void anInvalidSpecIsDegradedWithTheOperatorsMessage() throws Exception {
    Health h = health(recorded("invalid"));
    assertEquals("Degraded", h.status());
    assertTrue(h.message().contains("Secret not-created-yet does not exist"), h.message());
  }

  @Test
  void noStatusYetOrAnUnobservedGenerationIsProgressing() throws Exception {
    ObjectNode fresh = recorded("ready");
    fresh.remove("status");
    assertEquals("Progressing", health(fresh).status());

    ObjectNode changed = recorded("ready");
    ((ObjectNode) changed.get("metadata"))
        .put("generation", changed.at("/status/observedGeneration").asLong() + 1);
    Health h = health(changed);
    assertEquals("Progressing", h.status());
    assertTrue(h.message().contains("observe generation"), h.message());
  }

  @Test
  void aPausedRolloutIsSuspendedAndARolledBackOneDegraded() throws Exception {
    ObjectNode paused = recorded("ready");
    condition(paused, "Ready").put("status", "False").put("reason", "RollingOut");
    condition(paused, "Progressing")
        .put("status", "False")
        .put("reason", "RolloutPaused")
        .put("message", "Rollout paused (API 2/3) (rollout.paused)");
    assertEquals(
        new Health("Suspended", "Rollout paused (API 2/3) (rollout.paused)"), health(paused));

    ObjectNode rolledBack = recorded("ready");
    condition(rolledBack, "Degraded")
        .put("status", "True")
        .put("reason", "RolledBack")
        .put("message", "Rollout of revision x failed at API 1/3: smoke gate failed");
    Health h = health(rolledBack);
    assertEquals("Degraded", h.status());
    assertTrue(h.message().contains("smoke gate failed"), h.message());
  }

  @Test
  void aRolloutInProgressIsProgressing() throws Exception {
    ObjectNode rolling = recorded("ready");
    condition(rolling, "Ready")
        .put("status", "False")
        .put("reason", "ComponentsNotReady")
        .put("message", "Not ready: API 2/3");
    condition(rolling, "Progressing")
        .put("status", "True")
        .put("reason", "RollingOut")
        .put("message", "Rolling out: API");
    assertEquals(new Health("Progressing", "Rolling out: API"), health(rolling));
  }

  @Test
  void lostPodsAndReconcileErrorsAreDegraded() throws Exception {
    ObjectNode degraded = recorded("ready");
    condition(degraded, "Ready").put("status", "False").put("reason", "ComponentsNotReady");
    condition(degraded, "Degraded")
        .put("status", "True")
        .put("message", "API: only 1/3 pods ready");
    assertEquals(new Health("Degraded", "API: only 1/3 pods ready"), health(degraded));

    ObjectNode error = recorded("ready");
    condition(error, "Ready")
        .put("status", "False")
        .put("reason", "ReconcileError")
        .put("message", "forbidden");
    assertEquals(new Health("Degraded", "forbidden"), health(error));
  }

  @Test
  void theArgoCdConfigMapEmbedsTheScriptUnchanged() throws Exception {
    JsonNode cm =
        new ObjectMapper(new YAMLFactory())
            .readTree(LocalCluster.REPO.resolve("examples/argocd/argocd-cm.yaml").toFile());
    assertEquals(
        Files.readString(SCRIPT),
        cm.at("/data/resource.customizations.health.chatchat.io_ChatchatCluster").asText());
  }

  @Test
  void theArgoCdManifestsOrderTheOperatorBeforeTheClusters() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    JsonNode app =
        yaml.readTree(
            LocalCluster.REPO.resolve("examples/argocd/operator-application.yaml").toFile());
    JsonNode set =
        yaml.readTree(
            LocalCluster.REPO.resolve("examples/argocd/clusters-applicationset.yaml").toFile());
    assertEquals("helm/chatchat-operator", app.at("/spec/source/path").asText());
    assertEquals("-1", app.at("/metadata/annotations/argocd.argoproj.io~1sync-wave").asText());
    assertEquals(
        "0", set.at("/spec/template/metadata/annotations/argocd.argoproj.io~1sync-wave").asText());
    ArrayNode options = (ArrayNode) set.at("/spec/template/spec/syncPolicy/syncOptions");
    assertTrue(options.toString().contains("SkipDryRunOnMissingResource=true"), options.toString());
    assertTrue(Files.isDirectory(LocalCluster.REPO.resolve(app.at("/spec/source/path").asText())));
  }
}
