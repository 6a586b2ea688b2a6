package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.CacheStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.AnswerCache;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.chatchat.operator.status.RolloutMode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * When the answer cache stores answers and when it passes every request through: an answer is kept
 * under an epoch only while every LLM pod serves the model that epoch names. So while a rollout
 * moves the LLM to another epoch, and while a rollback brings the old LLM pods back, the proxy
 * passes through; in the model tier the new LLM waits for that. Pure.
 */
public final class CacheModes {
  private CacheModes() {}

  public static AnswerCache.Mode decide(Plan plan, LiveState live) {
    if (!plan.want().getSpec().cache.enabled) {
      return AnswerCache.Mode.STORED;
    }
    if (plan.rolling() && plan.tier() == Tier.Models && llmChangesEpoch(plan)) {
      return AnswerCache.Mode.PASS_THROUGH;
    }
    if (plan.mode() == RolloutMode.ROLLED_BACK && !llmAt(plan.want(), live)) {
      return AnswerCache.Mode.PASS_THROUGH;
    }
    return AnswerCache.Mode.STORED;
  }

  /** In the model tier the new LLM starts only once the proxies pass through. */
  public static boolean llmWaitsForProxy(Plan plan, AnswerCache.Mode mode) {
    return mode == AnswerCache.Mode.PASS_THROUGH && plan.rolling() && plan.tier() == Tier.Models;
  }

  public static CacheStatus status(ChatchatCluster cacheSpec, AnswerCache.Mode mode) {
    CacheStatus st = new CacheStatus();
    st.epoch = AnswerCache.epoch(cacheSpec);
    st.mode = mode.shown();
    return st;
  }

  /** The rollout moves a managed LLM to another epoch. */
  private static boolean llmChangesEpoch(Plan plan) {
    return plan.want().getSpec().llm.vllm != null
        && plan.stable() != null
        && !AnswerCache.epoch(plan.want()).equals(AnswerCache.epoch(plan.stable()));
  }

  /** Every pod of the managed LLM runs this spec's template (true without a managed LLM). */
  private static boolean llmAt(ChatchatCluster cr, LiveState live) {
    if (cr.getSpec().llm.vllm == null) {
      return true;
    }
    Deployment current = live.deployment(Names.llm(cr));
    if (current == null) {
      return true;
    }
    HasMetadata want =
        ModelServers.desired(cr, null, null).stream()
            .filter(o -> o instanceof Deployment && Names.llm(cr).equals(o.getMetadata().getName()))
            .findFirst()
            .orElse(null);
    return want != null && Readiness.sameTemplate(want, current) && onlyUpdatedPods(current);
  }

  private static boolean onlyUpdatedPods(Deployment d) {
    if (d.getStatus() == null) {
      return false;
    }
    Integer all = d.getStatus().getReplicas();
    Integer updated = d.getStatus().getUpdatedReplicas();
    return (all == null ? 0 : all) == (updated == null ? 0 : updated)
        && d.getStatus().getObservedGeneration() != null
        && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration();
  }
}
