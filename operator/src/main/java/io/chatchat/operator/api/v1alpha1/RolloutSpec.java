package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * How the operator rolls out a changed spec: tier by tier (stores, model servers, the
 * initialisation Job, API, WebUI), a canary of the API tier gated on readiness and on the
 * operator's own smoke queries, and an automatic return to the last stable spec on failure.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutSpec {
  public static final List<String> DEFAULT_STEPS = List.of("1", "50%", "100%");

  @JsonPropertyDescription(
      "Hold a rollout at its current tier and step: nothing advances, no deadline runs, and no"
          + " pod is replaced. Set it back to false to resume.")
  @Default("false")
  public boolean paused = false;

  @JsonPropertyDescription(
      "Canary steps of the API tier: a pod count (\"1\") or a percentage of api.replicas"
          + " (\"50%\", rounded up). At each step the new pods must be Ready and pass the smoke"
          + " gates before old pods are removed. A last step of 100% is implied.")
  @Default("[\"1\", \"50%\", \"100%\"]")
  @Size(min = 1, max = 10)
  public List<String> canarySteps = new ArrayList<>(DEFAULT_STEPS);

  @JsonPropertyDescription(
      "Progress deadline of each tier and canary step, in seconds. A tier or step that is not"
          + " done in time fails the rollout, which then returns to the last stable spec.")
  @Default("600")
  @Min(10)
  @Max(86400)
  public int stepDeadlineSeconds = 600;

  @JsonPropertyDescription(
      "What a GPU tier (vLLM, TEI) does when no eligible node has a free GPU for one extra pod:"
          + " ReplaceOneAtATime (default) stops one old pod before its successor starts, when"
          + " the tier has more than one replica; Wait holds the rollout with"
          + " Progressing=False, reason InsufficientGPU, until a GPU is free.")
  @Default("ReplaceOneAtATime")
  public GpuPolicy whenNoFreeGpu = GpuPolicy.ReplaceOneAtATime;

  @JsonPropertyDescription(
      "The operator's smoke queries against each new API pod (Chatchat has no health endpoint).")
  @Default("{}")
  public SmokeGateSpec smokeGates = new SmokeGateSpec();

  public enum GpuPolicy {
    ReplaceOneAtATime,
    Wait
  }

  /** Which smoke gates run against each new API pod, and how patiently. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SmokeGateSpec {
    @JsonPropertyDescription(
        "Database gate: GET /knowledge_base/list_knowledge_bases must answer code 200 in its"
            + " body (it reads the metadata database).")
    @Default("true")
    public boolean database = true;

    @JsonPropertyDescription(
        "Retrieval gate: POST /knowledge_base/search_docs on this knowledge base must return at"
            + " least one document (exercises the embedding service and the vector store)."
            + " Empty: no retrieval gate.")
    public String knowledgeBase;

    @JsonPropertyDescription(
        "Chat gate: a non-streamed POST /chat/chat/completions must return a non-empty answer"
            + " from the first LLM model.")
    @Default("true")
    public boolean chat = true;

    @JsonPropertyDescription("The question the retrieval and chat gates ask.")
    @Default("What is this knowledge base about?")
    public String query = "What is this knowledge base about?";

    @JsonPropertyDescription("Timeout of one smoke request, in seconds.")
    @Default("60")
    @Min(1)
    @Max(600)
    public int timeoutSeconds = 60;

    @JsonPropertyDescription("Attempts of each gate on each pod before the gate fails.")
    @Default("3")
    @Min(1)
    @Max(20)
    public int attempts = 3;

    @JsonPropertyDescription("Seconds between two attempts of a gate.")
    @Default("5")
    @Min(0)
    @Max(300)
    public int retryIntervalSeconds = 5;
  }
}
