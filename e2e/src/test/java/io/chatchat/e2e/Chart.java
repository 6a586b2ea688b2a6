package io.chatchat.e2e;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The Helm chart, rendered in the JVM by helm-java (Helm's own Go code). */
final class Chart {
  static final Path DIR = LocalCluster.REPO.resolve("helm/chatchat-operator");

  private Chart() {}

  static Helm helm() {
    return new Helm(DIR);
  }

  /** The chart's objects (not its crds/) for a release "cco" in namespace "ops". */
  static List<HasMetadata> render(Map<String, Object> values) {
    TemplateCommand t =
        helm().template().withName("cco").withNamespace("ops").withKubeVersion("1.34.4");
    values.forEach(t::set);
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : t.call().split("(?m)^---\\s*$")) {
      if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
        objects.add(Serialization.unmarshal(doc));
      }
    }
    return objects;
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> Optional<T> find(
      List<HasMetadata> objects, Class<T> type, String name) {
    return all(objects, type).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst();
  }
}
