package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;

/** Names of the objects the operator creates for a ChatchatCluster. */
public final class Names {
  private Names() {}

  /**
   * The settings ConfigMap of one configuration (hash): old and new pods of a rollout each read
   * their own, so a canary never changes what the stable pods read.
   */
  public static String settings(ChatchatCluster cr, String configHash) {
    return cr.getMetadata().getName()
        + "-settings-"
        + configHash.substring(0, Math.min(10, configHash.length()));
  }

  /** The API canary Deployment of a rollout. */
  public static String apiCanary(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-api-canary";
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

  public static String knowledgeBaseWriter(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-kb-writer";
  }

  /** StatefulSet and client Service of the managed database. */
  public static String database(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-db";
  }

  public static String databaseCredentials(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-db-credentials";
  }

  /** StatefulSet and client Service of the managed vector store. */
  public static String vectorStore(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-vectors";
  }

  public static String vectorStoreCredentials(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-vectors-credentials";
  }

  /** The answer cache's LiteLLM proxy: Deployment, Service and its config ConfigMap. */
  public static String cacheProxy(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-cache-proxy";
  }

  /** The managed answer-cache store (Valkey): StatefulSet and Service. */
  public static String cacheStore(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-cache";
  }

  public static String cacheCredentials(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-cache-credentials";
  }

  /** The governing (headless) Service of a StatefulSet. */
  public static String headless(String statefulSet) {
    return statefulSet + "-headless";
  }

  public static String llm(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-llm";
  }

  public static String embedding(ChatchatCluster cr) {
    return cr.getMetadata().getName() + "-embedding";
  }

  public static String modelCache(String server) {
    return server + "-cache";
  }

  public static String initJob(ChatchatCluster cr, String hash) {
    return cr.getMetadata().getName() + "-init-" + hash;
  }

  public static String preflightJob(ChatchatCluster cr, String hash) {
    return cr.getMetadata().getName() + "-preflight-" + hash;
  }

  public static String buildJob(ChatchatCluster cr, String hash) {
    return cr.getMetadata().getName() + "-kb-build-" + hash;
  }

  /** In-cluster DNS name of a Service of this cluster. */
  public static String serviceHost(ChatchatCluster cr, String service) {
    return service + "." + cr.getMetadata().getNamespace() + ".svc";
  }
}
