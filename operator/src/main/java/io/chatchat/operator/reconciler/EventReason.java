package io.chatchat.operator.reconciler;

/**
 * The reasons of the Events the operator records on its own account, each with its type. (Events
 * that mirror a condition or a spec problem carry that condition's or problem's reason.)
 */
enum EventReason {
  CredentialsGenerated(EventRecorder.NORMAL),
  StableSpecRepaired(EventRecorder.WARNING),
  ReconcileError(EventRecorder.WARNING),
  ConfigValid(EventRecorder.NORMAL),
  Ready(EventRecorder.NORMAL),
  Progressing(EventRecorder.NORMAL),
  Degraded(EventRecorder.WARNING),
  RolloutStarted(EventRecorder.NORMAL),
  RolloutPaused(EventRecorder.NORMAL),
  RolloutResumed(EventRecorder.NORMAL),
  CanaryStepPassed(EventRecorder.NORMAL),
  RolloutCompleted(EventRecorder.NORMAL),
  RolloutFailed(EventRecorder.WARNING),
  InsufficientGPU(EventRecorder.WARNING),
  ReplacingOneAtATime(EventRecorder.NORMAL),
  DisruptionWindow(EventRecorder.WARNING);

  /** Normal or Warning. */
  final String type;

  EventReason(String type) {
    this.type = type;
  }
}
