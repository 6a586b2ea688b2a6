package io.chatchat.operator.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForeignFieldsTest {
  private static Deployment deployment(List<String> args, String... env) {
    DeploymentBuilder b =
        new DeploymentBuilder()
            .withNewMetadata()
            .withName("d")
            .endMetadata()
            .withNewSpec()
            .withNewTemplate()
            .withNewSpec()
            .addNewContainer()
            .withName("sidecar")
            .endContainer()
            .addNewContainer()
            .withName("chatchat")
            .withArgs(args)
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec();
    Deployment d = b.build();
    for (String name : env) {
      d.getSpec()
          .getTemplate()
          .getSpec()
          .getContainers()
          .get(1)
          .getEnv()
          .add(new io.fabric8.kubernetes.api.model.EnvVar(name, "v", null));
    }
    return d;
  }

  @Test
  void envVarsAndArgsAddedByOthersAreReplacedByOurs() {
    Deployment desired = deployment(List.of(), "A");
    Deployment actual = deployment(List.of("--rogue"), "A", "DEFAULT_VS_TYPE");
    List<Map<String, Object>> ops = ForeignFields.removals(desired, actual);
    assertEquals(2, ops.size(), ops.toString());
    assertEquals("replace", ops.get(0).get("op"));
    assertEquals("/spec/template/spec/containers/1/env", ops.get(0).get("path"));
    assertEquals(
        Map.of("op", "remove", "path", "/spec/template/spec/containers/1/args"), ops.get(1));
    assertEquals(List.of(), ForeignFields.removals(desired, deployment(List.of(), "A")));
  }

  @Test
  void settingsKeysAndServicePortsAddedByOthersAreRemoved() {
    ConfigMap desired = new ConfigMapBuilder().addToData("kb_settings.yaml", "x").build();
    ConfigMap actual =
        new ConfigMapBuilder().addToData("kb_settings.yaml", "x").addToData("a/b~c", "y").build();
    assertEquals(
        List.of(Map.of("op", "remove", "path", "/data/a~1b~0c")),
        ForeignFields.removals(desired, actual));
    var want = new ServiceBuilder().withNewSpec().addNewPort().withPort(7861).endPort().endSpec();
    var have =
        new ServiceBuilder()
            .withNewSpec()
            .addNewPort()
            .withPort(7861)
            .endPort()
            .addNewPort()
            .withPort(5678)
            .endPort()
            .addToSelector("extra", "x")
            .endSpec();
    assertEquals(
        List.of(
            Map.of("op", "remove", "path", "/spec/selector/extra"),
            Map.of("op", "remove", "path", "/spec/ports/1")),
        ForeignFields.removals(want.build(), have.build()));
  }
}
