package io.chatchat.operator.api.v1alpha1;

/** Default values shared by the CRD schema annotations and the Java model. */
public final class Defaults {
  /** The newest stock image known to pull (chatchat.md §2.1). */
  public static final String CHATCHAT_IMAGE = "chatimage/chatchat:0.3.1.3-717e03e-20241109";

  /** CHATCHAT_ROOT of the stock image ($HOME/chatchat_data with HOME=/root). */
  public static final String CHATCHAT_ROOT = "/root/chatchat_data";

  public static final int API_PORT = 7861;
  public static final int WEBUI_PORT = 8501;

  private Defaults() {}
}
