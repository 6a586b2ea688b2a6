package io.chatchat.e2e.runner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A container log file in the CRI format the kubelet writes ({@code <RFC3339Nano> stdout F
 * <line>}), which kwok serves for {@code kubectl logs} of the runner's pods.
 */
final class CriLog {
  private final Path file;

  CriLog(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** Copies a process's output into the log, one CRI line per output line, until it ends. */
  void pump(InputStream in) {
    Pipes.daemon(
        "log-" + file.getFileName(),
        () -> {
          ByteArrayOutputStream line = new ByteArrayOutputStream();
          try (in) {
            int b;
            while ((b = in.read()) >= 0) {
              if (b == '\n') {
                write(line.toString(StandardCharsets.UTF_8));
                line.reset();
              } else {
                line.write(b);
              }
            }
          } catch (IOException ignored) {
            // the process ended
          }
          if (line.size() > 0) {
            write(line.toString(StandardCharsets.UTF_8));
          }
        });
  }

  synchronized void write(String line) {
    try (OutputStream out =
        Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      out.write((Instant.now() + " stdout F " + line + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException ignored) {
      // logging is best effort
    }
  }

  /** The log's text without the CRI prefixes (what `kubectl logs` prints). */
  static String text(Path file) throws IOException {
    StringBuilder out = new StringBuilder();
    for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String[] parts = l.split(" ", 4);
      out.append(parts.length == 4 ? parts[3] : l).append('\n');
    }
    return out.toString();
  }
}
