package io.chatchat.e2e.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median, 90th percentile and spread of some measurements. */
public record Stats(int n, double median, double p90, double min, double max) {

  public static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return new Stats(
        sorted.size(),
        quantile(sorted, 0.5),
        quantile(sorted, 0.9),
        sorted.get(0),
        sorted.get(sorted.size() - 1));
  }

  /** Nearest-rank quantile of sorted values. */
  private static double quantile(List<Double> sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  /** "2.64 s (p90 3.19, 1.90–4.10, n 20)". */
  String format(String unit) {
    if (n == 0) {
      return "no samples";
    }
    return String.format(
        Locale.ROOT, "%.2f %s (p90 %.2f, %.2f–%.2f, n %d)", median, unit, p90, min, max, n);
  }
}
