package io.chatchat.operator.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chatchat.operator.TestClusters;
import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  private static Secret secret(String name, Map<String, String> values) {
    SecretBuilder b = new SecretBuilder().withNewMetadata().withName(name).endMetadata();
    values.forEach(
        (k, v) ->
            b.addToData(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return b.build();
  }

  private static List<Problem> validate(ChatchatCluster c, Secret... secrets) {
    return SpecValidator.validate(
        c,
        name ->
            java.util.Arrays.stream(secrets)
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElse(null));
  }

  @Test
  void aValidClusterHasNoProblems() {
    assertEquals(
        List.of(),
        validate(TestClusters.external(), secret("db", Map.of("uri", "mysql+pymysql://u:p@h/db"))));
  }

  @Test
  void theCacheChecksItsTtlAndTheSecretsTheProxyReads() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().cache.enabled = true;
    c.getSpec().cache.ttl = "721h";
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
    List<Problem> p = validate(c, secret("db", Map.of("uri", "mysql+pymysql://u:p@h/db")));
    assertEquals(
        List.of(SpecValidator.REASON_SECRET_MISSING, "InvalidCacheTtl"),
        p.stream().map(Problem::reason).toList(),
        "the proxy, not Chatchat, reads the LLM key now: " + p);
  }

  @Test
  void missingSecretsAndKeysAreNamed() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().llm.external.apiKeySecretRef = new SecretKeyRef("keys", "llm");
    List<Problem> p = validate(c, secret("keys", Map.of("other", "x")));
    assertEquals(2, p.size());
    assertEquals(SpecValidator.REASON_SECRET_MISSING, p.get(0).reason());
    assertEquals(
        "Secret db does not exist in the cluster's namespace (keys read: uri)", p.get(0).message());
    assertEquals("Secret keys has no key llm", p.get(1).message());
  }

  @Test
  void valuesThatWouldBreakChatchatsJsonAreRefused() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().vectorStore.elasticsearch.credentials = TestClusters.credentials("es");
    List<Problem> p =
        validate(
            c,
            secret("db", Map.of("uri", "mysql+pymysql://u:p@h/db")),
            secret("es", Map.of("username", "elastic", "password", "pa\"ss")));
    assertEquals(1, p.size());
    assertEquals(SpecValidator.REASON_INVALID_SECRET_VALUE, p.get(0).reason());
    assertTrue(p.get(0).message().contains("Secret es key password contains a double quote"));
  }

  @Test
  void databaseUriSchemes() {
    assertNull(SpecValidator.databaseUriProblem("mysql+pymysql://u:p@h:3306/db"));
    assertNull(SpecValidator.databaseUriProblem("postgresql://u:p@h/db"));
    assertNull(SpecValidator.databaseUriProblem("postgresql+psycopg2://u:p@h/db"));
    assertTrue(SpecValidator.databaseUriProblem("mysql://u:p@h/db").contains("mysql+pymysql://"));
    assertTrue(
        SpecValidator.databaseUriProblem("sqlite:///x.db").contains("metadataStore.type SQLite"));
    assertTrue(
        SpecValidator.databaseUriProblem("oracle://u@h").contains("starts with 'oracle://'"));
    assertTrue(SpecValidator.databaseUriProblem("just-text").contains("(no scheme)"));
  }

  @Test
  void stringDataIsReadToo() {
    Secret s =
        new SecretBuilder()
            .withNewMetadata()
            .withName("db")
            .endMetadata()
            .addToStringData("uri", "mysql+pymysql://x")
            .build();
    assertEquals("mysql+pymysql://x", SpecValidator.value(s, "uri"));
    assertNull(SpecValidator.value(s, "missing"));
  }

  @Test
  void quantitiesAndKnowledgeBaseNamesAreCheckedLikeAdmissionDoes() {
    ChatchatCluster c = TestClusters.external();
    c.getSpec().api.resources =
        new io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder()
            .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("lots"))
            .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("500m"))
            .build();
    c.getSpec().knowledgeBase.defaultKnowledgeBase = "../etc";
    c.getSpec().knowledgeBase.build.knowledgeBases = List.of("中文知识库", "a b");
    List<Problem> p = validate(c, secret("db", Map.of("uri", "mysql+pymysql://u:p@h/db")));
    assertEquals(
        List.of("InvalidQuantity", "InvalidKnowledgeBaseName", "InvalidKnowledgeBaseName"),
        p.stream().map(Problem::reason).toList(),
        p.toString());
    assertEquals(
        "api.resources.limits.memory: 'lots' is not a Kubernetes quantity (such as 500m or 2 for"
            + " CPU, 512Mi or 4Gi for memory)",
        p.get(0).message());
    assertTrue(p.get(1).message().startsWith("'../etc' is not a knowledge-base name"));
    assertTrue(p.get(2).message().startsWith("'a b' is not"), "Chinese names are fine");
  }
}
