package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import java.time.Instant;

/** Conditions on fixture statuses. */
final class ConditionFixtures {
  static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  private ConditionFixtures() {}

  static void set(
      ChatchatClusterStatus s,
      long generation,
      String type,
      boolean ok,
      String reason,
      String message) {
    ConditionSet cs = new ConditionSet(s.conditions, generation, NOW);
    cs.set(type, ok, reason, message);
    s.conditions = cs.conditions();
  }
}
