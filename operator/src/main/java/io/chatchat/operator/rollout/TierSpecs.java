package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ConfigHash;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.WebUiComponent;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.observe.SecretsView;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which spec and config hash each tier renders in this pass. Each spec hashes the Secrets it
 * references itself: the stable spec (rolling or rolled back) may reference others than the current
 * one. The stable pods keep the config hash they run while it renders their template exactly (a
 * rotated Secret must not roll the old pods). Pure.
 *
 * @param configHash the config hash of the spec the tiers move to
 * @param stableConfigHash the stable spec's own config hash (null unless rolling)
 * @param stableApiHash the config hash the stable API pods run (null unless rolling)
 */
public record TierSpecs(
    Plan plan, String configHash, String stableConfigHash, String stableApiHash) {

  public static TierSpecs of(Plan plan, LiveState live, SecretsView secrets) {
    String configHash = ConfigHash.of(plan.want(), secrets.digests(plan.want()));
    if (!plan.rolling()) {
      return new TierSpecs(plan, configHash, null, null);
    }
    ChatchatCluster stable = plan.stable();
    String stableConfigHash = ConfigHash.of(stable, secrets.digests(stable));
    String stableApiHash =
        stableHash(
            live.deployment(Names.api(stable)),
            stableConfigHash,
            h -> ApiComponent.deployment(stable, h));
    return new TierSpecs(plan, configHash, stableConfigHash, stableApiHash);
  }

  /** The spec a tier renders. */
  public ChatchatCluster at(Tier tier) {
    return plan.at(tier);
  }

  /** The config hash of the spec the init Job renders. */
  public String initConfigHash() {
    return at(Tier.Init) == plan.want() ? configHash : stableConfigHash;
  }

  /** The stable API pods run settings of another hash than the target: keep those too. */
  public boolean keepsStableSettings() {
    return plan.rolling() && stableApiHash != null && !stableApiHash.equals(configHash);
  }

  /** The whole chat tier at the target spec (steady, rolled back, or past the API tier). */
  public List<HasMetadata> targetChat() {
    ChatchatCluster cr = plan.want();
    List<HasMetadata> chat = new ArrayList<>();
    if (ApiComponent.singleWriter(cr)) {
      chat.add(ApiComponent.writer(cr, configHash));
    }
    chat.add(ApiComponent.deployment(cr, configHash));
    if (cr.getSpec().webui.enabled) {
      chat.add(WebUiComponent.deployment(cr, configHash));
    }
    return chat;
  }

  /**
   * The chat tier at the last stable spec, on the config hashes its pods run (the API Deployment
   * only {@code withApi}).
   */
  public List<HasMetadata> stableChat(boolean withApi, LiveState live) {
    ChatchatCluster stable = plan.stable();
    List<HasMetadata> chat = new ArrayList<>();
    if (ApiComponent.singleWriter(stable)) {
      Deployment writer = live.deployment(Names.knowledgeBaseWriter(stable));
      chat.add(
          ApiComponent.writer(
              stable, stableHash(writer, stableConfigHash, h -> ApiComponent.writer(stable, h))));
    }
    if (withApi) {
      chat.add(ApiComponent.deployment(stable, stableApiHash));
    }
    if (stable.getSpec().webui.enabled) {
      Deployment webui = live.deployment(Names.webui(stable));
      chat.add(
          WebUiComponent.deployment(
              stable,
              stableHash(webui, stableConfigHash, h -> WebUiComponent.deployment(stable, h))));
    }
    return chat;
  }

  /**
   * The config hash of a stable Chatchat Deployment: the one its live pods run when the stable spec
   * renders exactly its live template with it, else the stable spec's own.
   */
  private static String stableHash(
      Deployment live, String computed, Function<String, Deployment> render) {
    String hash = liveHash(live);
    if (hash != null
        && !hash.equals(computed)
        && Readiness.sameTemplate(render.apply(hash), live)) {
      return hash;
    }
    return computed;
  }

  /** The config hash a live Chatchat Deployment's pods run, or null. */
  private static String liveHash(Deployment live) {
    if (live == null || live.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      return null;
    }
    return live.getSpec().getTemplate().getMetadata().getAnnotations().get(ConfigHash.ANNOTATION);
  }
}
