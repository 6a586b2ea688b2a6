package io.chatchat.operator.status;

/**
 * The reasons of the Events the operator records on its own account, each with its type. (Events
 * that mirror a condition or a spec problem carry that condition's or problem's reason.)
 */
public enum EventReason {
  CredentialsGenerated(Notice.NORMAL),
  StableSpecRepaired(Notice.WARNING),
  ReconcileError(Notice.WARNING),
  ConfigValid(Notice.NORMAL),
  Ready(Notice.NORMAL),
  Progressing(Notice.NORMAL),
  Degraded(Notice.WARNING),
  RolloutStarted(Notice.NORMAL),
  RolloutPaused(Notice.NORMAL),
  RolloutResumed(Notice.NORMAL),
  CanaryStepPassed(Notice.NORMAL),
  RolloutCompleted(Notice.NORMAL),
  RolloutFailed(Notice.WARNING),
  InsufficientGPU(Notice.WARNING),
  ReplacingOneAtATime(Notice.NORMAL),
  DisruptionWindow(Notice.WARNING);

  /** Normal or Warning. */
  public final String type;

  EventReason(String type) {
    this.type = type;
  }
}
