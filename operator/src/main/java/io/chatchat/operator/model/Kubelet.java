package io.chatchat.operator.model;

/**
 * What the kubelet does to the strings the operator renders. It expands {@code $(VAR)} in env
 * values, commands and args with the container's other variables (a model name {@code
 * $(SQLALCHEMY_DATABASE_URI)} would copy the database password into the model list); {@code $$}
 * stands for one {@code $}.
 */
public final class Kubelet {
  private Kubelet() {}

  /** The string the kubelet turns back into exactly {@code value}: every {@code $} doubled. */
  public static String literal(String value) {
    return value == null ? null : value.replace("$", "$$");
  }
}
