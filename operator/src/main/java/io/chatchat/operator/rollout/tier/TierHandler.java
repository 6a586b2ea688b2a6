package io.chatchat.operator.rollout.tier;

import io.chatchat.operator.api.v1alpha1.RolloutStatus;

/** One tier of a rollout: is it done, did it fail, what does it wait for. Pure. */
public interface TierHandler {
  TierOutcome check(TierProgress progress, RolloutStatus rollout);

  /** The handler of a tier. */
  static TierHandler of(RolloutStatus.Tier tier) {
    return switch (tier) {
      case Preflight -> new PreflightTier();
      case Stores -> new StoresTier();
      case Models -> new ModelsTier();
      case Cache -> new CacheTier();
      case Init -> new InitTier();
      case API -> new ApiTier();
      case WebUI -> new WebUiTier();
      case Done -> (progress, rollout) -> TierOutcome.of(true, null, null);
    };
  }
}
