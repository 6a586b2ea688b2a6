package io.chatchat.operator.rollout;

/**
 * A pod's smoke-gate run as the runner knows it.
 *
 * @param targetHash the config hash the pod was gated for
 * @param failure its first failure (null: passed or still running)
 */
public record SmokeRun(String targetHash, boolean done, String failure) {}
