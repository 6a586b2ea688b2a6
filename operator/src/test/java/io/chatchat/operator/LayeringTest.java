package io.chatchat.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;

/**
 * The layering: desired-state builders (model), validation, status and the rollout's decisions are
 * pure: they never reach the Kubernetes client, HTTP, or the side-effect layer (reconciler).
 */
class LayeringTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.chatchat.operator");

  /** The rollout's side effects: the smoke-gate runner (HTTP) and how it finds pods. */
  private static final String[] ROLLOUT_EFFECTS = {
    "io.chatchat.operator.rollout.SmokeGates",
    "io.chatchat.operator.rollout.SmokeGates$*",
    "io.chatchat.operator.rollout.SmokeGateRunner",
    "io.chatchat.operator.rollout.SmokeGateRunner$*",
    "io.chatchat.operator.rollout.AddressFileResolver",
    "io.chatchat.operator.rollout.PodAddressResolver",
    "io.chatchat.operator.rollout.PodAddressResolver$*"
  };

  @Test
  void pureLayersUseNeitherTheClientNorHttpNorTheReconciler() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.chatchat.operator.model..",
            "io.chatchat.operator.observe..",
            "io.chatchat.operator.gates..",
            "io.chatchat.operator.validation..",
            "io.chatchat.operator.status..",
            "io.chatchat.operator.rollout..")
        .and()
        .haveNameNotMatching(
            String.join("|", ROLLOUT_EFFECTS).replace(".", "\\.").replace("$*", "\\$.*"))
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.fabric8.kubernetes.client..",
            "okhttp3..",
            "java.net.http..",
            "io.chatchat.operator.reconciler..",
            "io.javaoperatorsdk..")
        .because("builders and decisions take values and return values (the README's layering)")
        .check(MAIN);
  }

  @Test
  void onlyTheReconcilerAndTheEntryPointTalkToTheApiServer() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.chatchat.operator.reconciler..")
        .and()
        .haveNameNotMatching(
            "io\\.chatchat\\.operator\\.(OperatorMain|HttpEndpoints|LeaseRelease)(\\$.*)?")
        .should()
        .dependOnClassesThat(
            JavaClass.Predicates.resideInAnyPackage("io.fabric8.kubernetes.client.dsl..")
                .or(JavaClass.Predicates.assignableTo(KubernetesClient.class))
                .or(JavaClass.Predicates.assignableTo(KubernetesClientException.class)))
        .because("side effects are kept in one place (the API model may extend CustomResource)")
        .check(MAIN);
  }

  @Test
  void theApiModelDependsOnNothingOfTheOperator() {
    noClasses()
        .that()
        .resideInAPackage("io.chatchat.operator.api.v1alpha1..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.chatchat.operator.model..",
            "io.chatchat.operator.observe..",
            "io.chatchat.operator.gates..",
            "io.chatchat.operator.reconciler..",
            "io.chatchat.operator.rollout..",
            "io.chatchat.operator.status..",
            "io.chatchat.operator.validation..")
        .check(MAIN);
  }
}
