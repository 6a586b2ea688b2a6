package io.chatchat.operator.status;

/** How one reconciliation renders the cluster. */
public enum RolloutMode {
  /** No rollout: every tier at the spec (first install, or the spec is the stable one). */
  STEADY,
  /** A rollout to the spec: tiers up to the current one at the spec, the rest stable. */
  ROLLING,
  /** The spec failed and was rolled back: every tier at the last stable spec. */
  ROLLED_BACK
}
