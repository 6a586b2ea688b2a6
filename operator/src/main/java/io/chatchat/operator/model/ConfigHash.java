package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hash of everything a Chatchat process reads once at start: the settings files and the
 * contents of the Secrets it reads. It is a pod-template annotation, so a change rolls the pods.
 */
public final class ConfigHash {
  public static final String ANNOTATION = "chatchat.io/config-hash";

  private ConfigHash() {}

  /**
   * @param secretDigests digest of each referenced Secret's data, by Secret name
   */
  public static String of(ChatchatCluster cr, Map<String, String> secretDigests) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(ChatchatSettings.files(cr))
        .forEach((k, v) -> sb.append(k).append('\0').append(v).append('\0'));
    new TreeMap<>(secretDigests)
        .forEach((k, v) -> sb.append("secret:").append(k).append('\0').append(v).append('\0'));
    return sha256(sb.toString()).substring(0, 16);
  }

  /** A digest of a Secret's data, so that rotating a password rolls the pods. */
  public static String digest(Map<String, String> data) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(data == null ? Map.<String, String>of() : data)
        .forEach((k, v) -> sb.append(k).append('\0').append(v).append('\0'));
    return sha256(sb.toString()).substring(0, 16);
  }

  /** Hex SHA-256 of a string. */
  public static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
