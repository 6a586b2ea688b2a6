package io.chatchat.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark's figures table, printed as it grows and written to a Markdown file. */
final class Report {
  private record Row(String figure, String measured, String target, String load) {}

  private final List<String> header = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  void header(String line) {
    header.add(line);
    System.out.println("[bench] " + line);
  }

  void row(String figure, String measured, String target) {
    Row r = new Row(figure, measured, target, loadAverage());
    rows.add(r);
    System.out.printf("[bench] %s: %s (target %s; load %s)%n", figure, measured, target, r.load());
  }

  void note(String text) {
    notes.add(text);
    System.out.println("[bench] " + text);
  }

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** The 1, 5 and 15 minute load averages now. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    for (String h : header) {
      md.append(h).append("  \n");
    }
    md.append("\n| figure | measured | target | load (1/5/15 min) |\n|---|---|---|---|\n");
    for (Row r : rows) {
      md.append("| ")
          .append(r.figure())
          .append(" | ")
          .append(r.measured())
          .append(" | ")
          .append(r.target())
          .append(" | ")
          .append(r.load())
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      md.append('\n');
      for (String n : notes) {
        md.append("- ").append(n).append('\n');
      }
    }
    return md.toString();
  }

  void write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, markdown());
    System.out.println("[bench] figures written to " + file);
  }
}
