package io.chatchat.operator.status;

/** A gate's state and what to tell the user about it. */
public record Gate(GateState state, String message) {
  public static final Gate NOT_NEEDED = new Gate(GateState.NOT_NEEDED, null);

  /** Not needed, or passed: what comes after it may go on. */
  public boolean passed() {
    return state == GateState.NOT_NEEDED || state == GateState.SUCCEEDED;
  }

  public boolean failed() {
    return state == GateState.FAILED;
  }
}
