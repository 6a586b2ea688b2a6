package io.chatchat.operator.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.List;
import org.junit.jupiter.api.Test;

/** User strings reach containers as literals: the kubelet expands none of them. */
class KubeletTest {
  @Test
  void literalDoublesEveryDollar() {
    assertEquals("$$(SQLALCHEMY_DATABASE_URI)", Kubelet.literal("$(SQLALCHEMY_DATABASE_URI)"));
    assertEquals("a$$$$(b)", Kubelet.literal("a$$(b)"));
    assertEquals("plain", Kubelet.literal("plain"));
  }

  @Test
  void modelPlatformsEscapeUserStringsButKeepTheKeyReference() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
    c.getSpec().llm.external.models = List.of("$(SQLALCHEMY_DATABASE_URI)");
    c.getSpec().llm.external.baseUrl = "http://h/v1/$(HOME)";
    String platforms =
        ChatchatSettings.secretEnv(c).stream()
            .filter(e -> e.getName().equals("MODEL_PLATFORMS"))
            .map(EnvVar::getValue)
            .findFirst()
            .orElseThrow();
    assertTrue(platforms.contains("\"$$(SQLALCHEMY_DATABASE_URI)\""), platforms);
    assertTrue(platforms.contains("\"http://h/v1/$$(HOME)\""), platforms);
    assertTrue(platforms.contains("\"$(CHATCHAT_OPERATOR_LLM_API_KEY)\""), platforms);
    // The settings file is read by Chatchat, not the kubelet: no escaping there.
    String yaml = ChatchatSettings.files(c).get(ChatchatSettings.MODEL);
    assertTrue(yaml.contains("\"$(SQLALCHEMY_DATABASE_URI)\""), yaml);
  }

  @Test
  void scriptsReadTheRootFromTheEnvironmentAndNamesFromArguments() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().chatchatRoot = "/r/x;touch${IFS}pwned;#";
    c.getSpec().knowledgeBase.defaultKnowledgeBase = "k;$(HOME)";
    c.getSpec().knowledgeBase.build.enabled = true;
    Container api =
        ApiComponent.deployment(c, "h").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertFalse(api.getCommand().get(2).contains("pwned"), api.getCommand().get(2));
    assertTrue(
        api.getEnv().stream()
            .anyMatch(
                e ->
                    e.getName().equals("CHATCHAT_ROOT")
                        && e.getValue().equals("/r/x;touch$${IFS}pwned;#")));
    Container build =
        ChatchatJobs.build(c, "h").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertFalse(build.getCommand().get(2).contains("k;"), build.getCommand().get(2));
    assertEquals("k;$$(HOME)", build.getCommand().get(build.getCommand().size() - 1));
  }
}
