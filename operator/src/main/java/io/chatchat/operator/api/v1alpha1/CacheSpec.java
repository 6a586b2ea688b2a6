package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The answer cache: a LiteLLM proxy between Chatchat and the LLM that answers a request it has seen
 * before from Valkey or Redis. Exact only: the key is the whole request, whose prompt carries the
 * chunks Chatchat retrieved, so a knowledge-base change that alters them misses by itself.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.managed) && has(self.external))",
    message = "cache: set managed or external, not both")
public class CacheSpec {
  /** The longest time an answer may be kept. */
  public static final long MAX_TTL_SECONDS = 30L * 24 * 3600;

  @JsonPropertyDescription(
      "Run the answer cache: a LiteLLM proxy in front of the LLM that stores answers in Valkey or"
          + " Redis. Embeddings keep going straight to their server.")
  @Default("false")
  public boolean enabled = false;

  @JsonPropertyDescription(
      "Exact: an answer is reused only for the same request (model, messages with the retrieved"
          + " context, sampling parameters).")
  @Default("Exact")
  public Mode mode = Mode.Exact;

  @JsonPropertyDescription("How long an answer is kept: a number and s, m or h (at most 720h).")
  @Default("24h")
  @Pattern("^[1-9][0-9]{0,6}[smh]$")
  public String ttl = "24h";

  @JsonPropertyDescription(
      "Any value; changing it starts a new cache epoch, so no answer stored before is served"
          + " again (for example after the LLM's weights changed under the same name).")
  @Size(max = 63)
  public String flush;

  @JsonPropertyDescription("The LiteLLM proxy Deployment.")
  @Default("{}")
  public Proxy proxy = new Proxy();

  @JsonPropertyDescription(
      "A Valkey StatefulSet the operator runs (the default when external is unset). The cache is"
          + " memory only: answers are lost when its pod restarts.")
  public ManagedStore managed;

  @JsonPropertyDescription("A Valkey or Redis server of your own.")
  public ExternalStore external;

  public enum Mode {
    Exact
  }

  /** The managed store, or the defaults when neither it nor an external one is set. */
  public ManagedStore managedOrDefault() {
    return managed != null ? managed : new ManagedStore();
  }

  /** True when the operator runs the store. */
  public boolean managesStore() {
    return enabled && external == null;
  }

  /** The ttl in seconds (the admission pattern guarantees its shape). */
  public long ttlSeconds() {
    long n = Long.parseLong(ttl.substring(0, ttl.length() - 1));
    return switch (ttl.charAt(ttl.length() - 1)) {
      case 'h' -> n * 3600;
      case 'm' -> n * 60;
      default -> n;
    };
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Proxy extends ManagedPodSpec {
    @JsonPropertyDescription("Number of proxy pods.")
    @Default("2")
    @Min(1)
    @Max(100)
    public int replicas = 2;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ManagedStore extends ManagedPodSpec {
    @JsonPropertyDescription(
        "Memory for answers (Valkey maxmemory, e.g. 256mb or 2gb); the least recently used go"
            + " first when it is full.")
    @Default("256mb")
    @Pattern("^[1-9][0-9]{0,5}(mb|gb)$")
    public String maxMemory = "256mb";
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ExternalStore {
    @JsonPropertyDescription("Host name of the Valkey or Redis server.")
    @Required
    @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$")
    public String host;

    @JsonPropertyDescription("Port of the server.")
    @Default("6379")
    @Min(1)
    @Max(65535)
    public int port = 6379;

    @JsonPropertyDescription("The server's password (AUTH), from a Secret. Unset: none.")
    public SecretKeyRef passwordSecretRef;
  }
}
