package io.chatchat.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD in crds/ must be what the build generates from the Java model. To update it
 * after changing the model: {@code mvn -pl operator verify -Dcrds.update=true}.
 */
class CrdDriftTest {
  static final String FILE = "chatchatclusters.chatchat.io-v1.yml";

  @Test
  void committedCrdMatchesTheGeneratedOne() throws Exception {
    Path generated = Path.of("target/classes/META-INF/fabric8", FILE);
    Path committed = Path.of("..", "crds", FILE);
    String expected = Files.readString(generated);
    if (Boolean.getBoolean("crds.update")) {
      Files.writeString(committed, expected);
      // The Helm chart ships the same file (a test in e2e checks the copy).
      Files.writeString(Path.of("..", "helm", "chatchat-operator", "crds", FILE), expected);
    }
    assertEquals(
        expected,
        Files.exists(committed) ? Files.readString(committed) : "(missing)",
        "crds/" + FILE + " is stale: run mvn -pl operator verify -Dcrds.update=true and commit it");
  }
}
