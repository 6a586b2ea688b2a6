package io.chatchat.operator.observe;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.SecretKeyRef;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.model.ConfigHash;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The Secrets one reconciliation reads, each fetched at most once (the operator does not cache
 * Secrets: its RBAC is get-by-name), and the digests of those a spec references.
 */
public final class SecretsView {
  private final Function<String, Secret> fetch;
  private final Map<String, Optional<Secret>> seen = new HashMap<>();

  public SecretsView(Function<String, Secret> fetch) {
    this.fetch = fetch;
  }

  /** The Secret of this name, or null when it does not exist. */
  public Secret get(String name) {
    return seen.computeIfAbsent(name, n -> Optional.ofNullable(fetch.apply(n))).orElse(null);
  }

  /** What the operator itself wrote (or found written) under this name. */
  public void remember(String name, Secret secret) {
    seen.put(name, Optional.ofNullable(secret));
  }

  /**
   * Digest of each Secret a spec references, by name; a Secret that is gone (a stable spec may name
   * one the user has since deleted) digests as empty.
   */
  public Map<String, String> digests(ChatchatCluster c) {
    Map<String, String> digests = new HashMap<>();
    for (SecretKeyRef ref : ChatchatSettings.referencedSecretKeys(c)) {
      Secret secret = get(ref.name);
      digests.put(ref.name, ConfigHash.digest(secret == null ? null : secret.getData()));
    }
    return digests;
  }
}
