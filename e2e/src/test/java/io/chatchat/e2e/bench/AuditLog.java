package io.chatchat.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The local API server's audit log (one JSON event per completed request, metadata only): which
 * requests the operator sent, with what verb, on what, answered how and when.
 */
final class AuditLog {
  static final Set<String> WRITES =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  /** One completed request. */
  record Entry(
      Instant received,
      Instant completed,
      String verb,
      String resource,
      String subresource,
      String name,
      String userAgent,
      int code) {

    boolean write() {
      return WRITES.contains(verb);
    }

    /** A GET or LIST, not a WATCH (a watch is logged when it ends). */
    boolean read() {
      return verb.equals("get") || verb.equals("list");
    }

    /** "patch deployments", "patch chatchatclusters/status". */
    String what() {
      return verb + " " + resource + (subresource.isEmpty() ? "" : "/" + subresource);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  AuditLog(Path file) {
    this.file = file;
  }

  /** Where the log ends now: read from here to see only what happens next. */
  long mark() {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The requests logged since the mark whose user agent passes the filter. */
  List<Entry> since(long mark, Predicate<String> userAgent) {
    List<Entry> entries = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.position(mark);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank() || !line.contains("\"ResponseComplete\"")) {
          continue;
        }
        JsonNode e = JSON.readTree(line);
        String agent = e.path("userAgent").asText("");
        if (!userAgent.test(agent)) {
          continue;
        }
        JsonNode ref = e.path("objectRef");
        entries.add(
            new Entry(
                Instant.parse(e.path("requestReceivedTimestamp").asText()),
                Instant.parse(e.path("stageTimestamp").asText()),
                e.path("verb").asText(),
                ref.path("resource").asText(""),
                ref.path("subresource").asText(""),
                ref.path("name").asText(""),
                agent,
                e.path("responseStatus").path("code").asInt()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  /** Requests counted by "verb resource", most frequent first. */
  static Map<String, Long> byWhat(List<Entry> entries) {
    Map<String, Long> counts =
        entries.stream()
            .collect(Collectors.groupingBy(Entry::what, TreeMap::new, Collectors.counting()));
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  /** Requests counted by verb. */
  static Map<String, Long> byVerb(List<Entry> entries) {
    return entries.stream()
        .collect(Collectors.groupingBy(Entry::verb, TreeMap::new, Collectors.counting()));
  }
}
