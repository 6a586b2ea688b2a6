package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.CacheStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus.Tier;
import io.chatchat.operator.model.AnswerCache;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * When the answer cache stores answers and when it passes every request through. An answer is
 * stored under an epoch while the LLM's pods all run the template of the spec that names it. While
 * a rollout's model tier moves a vLLM to another epoch, the proxies pass through first (the new LLM
 * waits for them); while LLM pods of another template run (a rollback, a superseded rollout), they
 * pass through too. Each return to storing starts a new round, part of every key: what a proxy that
 * was still storing wrote during the change is never read after it. Pure.
 */
public final class CacheModes {
  private CacheModes() {}

  /** What the cache's objects are rendered from this pass, and how. */
  public record Decision(ChatchatCluster spec, AnswerCache.Mode mode, int round) {
    public CacheStatus status() {
      CacheStatus st = new CacheStatus();
      st.epoch = AnswerCache.epoch(spec);
      st.mode = mode.shown();
      st.round = round;
      return st;
    }
  }

  /**
   * @param gpuWaiting the model tier waits for free GPUs (the LLM does not move yet)
   * @param previous the cache as the status last reported it (null: none)
   */
  public static Decision decide(
      Plan plan, LiveState live, boolean gpuWaiting, CacheStatus previous) {
    ChatchatCluster spec = cacheSpec(plan);
    AnswerCache.Mode mode = mode(plan, spec, live, gpuWaiting, previous);
    int round = previous == null || previous.round == null ? 0 : previous.round;
    if (mode == AnswerCache.Mode.STORED && wasPassingThrough(previous)) {
      round++;
    }
    return new Decision(spec, mode, round);
  }

  /** In the model tier the new LLM starts only once the proxies pass through. */
  public static boolean llmWaitsForProxy(Plan plan, AnswerCache.Mode mode) {
    return mode == AnswerCache.Mode.PASS_THROUGH && plan.rolling() && plan.tier() == Tier.Models;
  }

  /**
   * The spec the cache renders: its tier's, but the stable one's while a rollout that turns the
   * cache off has Chatchat pods that still call the proxy.
   */
  static ChatchatCluster cacheSpec(Plan plan) {
    ChatchatCluster at = plan.at(Tier.Cache);
    if (!at.getSpec().cache.enabled
        && plan.rolling()
        && plan.stable() != null
        && plan.stable().getSpec().cache.enabled) {
      return plan.stable();
    }
    return at;
  }

  private static AnswerCache.Mode mode(
      Plan plan, ChatchatCluster spec, LiveState live, boolean gpuWaiting, CacheStatus previous) {
    if (!spec.getSpec().cache.enabled || spec.getSpec().llm.vllm == null) {
      return AnswerCache.Mode.STORED;
    }
    if (plan.rolling() && plan.tier() == Tier.Models && llmChangesEpoch(plan) && !gpuWaiting) {
      return AnswerCache.Mode.PASS_THROUGH;
    }
    Deployment current = live.deployment(Names.llm(spec));
    if (current == null) {
      return AnswerCache.Mode.STORED;
    }
    if (!observed(current)) {
      // The controller has not seen the latest change (a scale, or a template): as before.
      return wasPassingThrough(previous) ? AnswerCache.Mode.PASS_THROUGH : AnswerCache.Mode.STORED;
    }
    return at(spec, current) ? AnswerCache.Mode.STORED : AnswerCache.Mode.PASS_THROUGH;
  }

  private static boolean wasPassingThrough(CacheStatus previous) {
    return previous != null && AnswerCache.Mode.PASS_THROUGH.shown().equals(previous.mode);
  }

  /** The rollout moves a managed LLM to another epoch. */
  private static boolean llmChangesEpoch(Plan plan) {
    return plan.want().getSpec().llm.vllm != null
        && plan.stable() != null
        && !AnswerCache.epoch(plan.want()).equals(AnswerCache.epoch(plan.stable()));
  }

  /** Every pod of the LLM runs the template this spec renders. */
  private static boolean at(ChatchatCluster cr, Deployment current) {
    HasMetadata want =
        ModelServers.desired(cr, null, null).stream()
            .filter(o -> o instanceof Deployment && Names.llm(cr).equals(o.getMetadata().getName()))
            .findFirst()
            .orElse(null);
    if (want == null || !Readiness.sameTemplate(want, current)) {
      return false;
    }
    Integer all = current.getStatus().getReplicas();
    Integer updated = current.getStatus().getUpdatedReplicas();
    return (all == null ? 0 : all) == (updated == null ? 0 : updated);
  }

  private static boolean observed(Deployment d) {
    return d.getStatus() != null
        && d.getStatus().getObservedGeneration() != null
        && d.getMetadata().getGeneration() != null
        && d.getStatus().getObservedGeneration() >= d.getMetadata().getGeneration();
  }
}
