package io.chatchat.operator.api.v1alpha1;

/**
 * Kubernetes' resource quantity syntax, checked at admission on every {@code resources} field
 * (Kubernetes itself only checks it on the pods the operator renders, long after the user's apply)
 * and again by the operator.
 */
public final class Quantities {
  private Quantities() {}

  /** Kubernetes' quantity regular expression (k8s.io/apimachinery resource.Quantity). */
  public static final String REGEX =
      "^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?([0-9]+(\\.[0-9]*)?"
          + "|\\.[0-9]+)))?$";
}
