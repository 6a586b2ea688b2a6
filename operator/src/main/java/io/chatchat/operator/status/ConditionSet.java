package io.chatchat.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.List;

/**
 * The conditions of the next status, built from the previous ones: each set keeps the transition
 * time of a condition whose status did not change.
 */
public final class ConditionSet {
  private final List<Condition> previous;
  private final List<Condition> next;
  private final long generation;
  private final java.time.Instant now;

  public ConditionSet(List<Condition> previous, long generation, java.time.Instant now) {
    this.previous = previous == null ? List.of() : previous;
    this.next = Conditions.copy(previous);
    this.generation = generation;
    this.now = now;
  }

  /** Sets a condition, keeping the previous transition time when its status did not change. */
  public void set(String type, boolean status, String reason, String message) {
    String s = status ? Conditions.TRUE : Conditions.FALSE;
    Condition old = Conditions.find(previous, type);
    String since =
        old != null && s.equals(old.getStatus()) ? old.getLastTransitionTime() : now.toString();
    next.removeIf(c -> c.getType().equals(type));
    next.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(s)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build());
  }

  void remove(String type) {
    next.removeIf(c -> c.getType().equals(type));
  }

  /** The previous condition of this type, or null. */
  public Condition was(String type) {
    return Conditions.find(previous, type);
  }

  /** The condition of this type as set so far (or carried over), or null. */
  public Condition current(String type) {
    return Conditions.find(next, type);
  }

  public List<Condition> conditions() {
    return next;
  }
}
