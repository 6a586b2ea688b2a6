package io.chatchat.operator.status;

/**
 * An Event a decision asks for: decisions return notices, the side-effect layer records them.
 *
 * @param type Normal or Warning
 * @param reason an {@link EventReason}, or the reason of the condition or problem it mirrors
 */
public record Notice(String type, String reason, String message) {
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  public static Notice of(EventReason reason, String message) {
    return new Notice(reason.type, reason.name(), message);
  }

  /** The rollout counter this notice counts toward, or null. */
  public String rolloutMetric() {
    return switch (reason) {
      case "RolloutStarted" -> "started";
      case "RolloutCompleted" -> "completed";
      case "RolloutFailed" -> "rolled_back";
      default -> null;
    };
  }
}
