package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

/** The ConfigMap with Chatchat's rendered settings files. */
public final class SettingsConfigMap {
  private SettingsConfigMap() {}

  public static ConfigMap build(ChatchatCluster cr, String configHash) {
    return new ConfigMapBuilder()
        .withMetadata(
            OwnerRefs.owned(cr, Names.settings(cr, configHash), Labels.COMPONENT_SETTINGS))
        .withData(ChatchatSettings.files(cr))
        .build();
  }
}
