package io.chatchat.operator.status;

/** State of a one-shot Job gate. */
public enum GateState {
  NOT_NEEDED,
  WAITING,
  RUNNING,
  SUCCEEDED,
  FAILED
}
