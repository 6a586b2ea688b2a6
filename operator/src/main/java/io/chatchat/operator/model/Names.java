package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;

/** Names of the objects the operator creates for a ChatchatCluster. */
public final class Names {
  private Names() {}

  public static String settings(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-settings";
  }

  public static String api(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-api";
  }

  public static String webui(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-webui";
  }

  public static String knowledgeBaseClaim(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-kb";
  }

  /** In-cluster DNS name of a Service of this cluster. */
  public static String serviceHost(ChatchatCluster cr, String service) {
    return service + "." + cr.getMetadata().getNamespace() + ".svc";
  }
}
