package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.ArrayList;
import java.util.List;

/** A model server Deployment the operator runs (vLLM or text-embeddings-inference). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!self.autoscaling.enabled || self.autoscaling.minReplicas <= self.autoscaling.maxReplicas",
    message = "autoscaling.minReplicas must not exceed autoscaling.maxReplicas")
public abstract class ModelServerSpec extends ManagedPodSpec {
  @JsonPropertyDescription(
      "Model to load: a Hugging Face model id (e.g. Qwen/Qwen2.5-7B-Instruct) or a path in the"
          + " model cache.")
  @Required
  @Pattern("^\\S+$")
  public String model;

  @JsonPropertyDescription(
      "Name Chatchat uses for the model in requests and settings. Unset: the model id.")
  @Pattern("^\\S+$")
  public String servedModelName;

  @JsonPropertyDescription(
      "Number of model-server pods (ignored while autoscaling is enabled, which then owns it).")
  @Default("1")
  @Min(0)
  @Max(100)
  public int replicas = 1;

  @JsonPropertyDescription(
      "GPUs per pod, requested as the gpuResource extended resource. For vLLM the tensor-parallel"
          + " size follows it. 0 runs on CPU.")
  @Default("1")
  @Min(0)
  @Max(16)
  public int gpus = 1;

  @JsonPropertyDescription("Extended resource name of a GPU.")
  @Default("nvidia.com/gpu")
  @Pattern("^[A-Za-z0-9.-]+/[A-Za-z0-9._-]+$")
  public String gpuResource = "nvidia.com/gpu";

  @JsonPropertyDescription("Extra command-line arguments of the server, appended last.")
  public List<String> extraArgs = new ArrayList<>();

  @JsonPropertyDescription("Extra environment variables of the server container.")
  public List<EnvVar> env = new ArrayList<>();

  @JsonPropertyDescription(
      "Secret key holding a Hugging Face token, for gated or private models (HF_TOKEN).")
  public SecretKeyRef hfTokenSecretRef;

  @JsonPropertyDescription(
      "Model cache volume shared by the replicas, so a model is downloaded once. Unset: each pod"
          + " downloads into an emptyDir.")
  public ModelCache cache;

  @JsonPropertyDescription(
      "Seconds a pod may take to download and load the model before it is restarted.")
  @Default("1800")
  @Min(60)
  @Max(14400)
  public int startupTimeoutSeconds = 1800;

  @JsonPropertyDescription(
      "Autoscaling on the server's queue length: a KEDA ScaledObject when keda is set and KEDA's"
          + " CRDs are installed, otherwise a HorizontalPodAutoscaler on the custom-metrics API.")
  @Default("{}")
  public ModelAutoscaling autoscaling = new ModelAutoscaling();

  /** The name Chatchat uses for the model. */
  public String effectiveServedModelName() {
    return servedModelName != null ? servedModelName : model;
  }

  /** The model cache volume. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ModelCache extends VolumeSpec {
    @JsonPropertyDescription(
        "ReadWriteMany (default) lets every replica share one cache; ReadWriteOnce fits one"
            + " replica or several on one node.")
    @Default("ReadWriteMany")
    public KnowledgeBaseSpec.AccessMode accessMode = KnowledgeBaseSpec.AccessMode.ReadWriteMany;
  }

  /** A HorizontalPodAutoscaler for a model tier. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ModelAutoscaling {
    @JsonPropertyDescription("Create the HorizontalPodAutoscaler.")
    @Default("false")
    public boolean enabled = false;

    @JsonPropertyDescription("Fewest pods.")
    @Default("1")
    @Min(1)
    @Max(100)
    public int minReplicas = 1;

    @JsonPropertyDescription("Most pods.")
    @Default("2")
    @Min(1)
    @Max(100)
    public int maxReplicas = 2;

    @JsonPropertyDescription(
        "Pods metric as the custom-metrics API names it (a Prometheus adapter often renames"
            + " vllm:num_requests_waiting to vllm_num_requests_waiting). Unset: the server's queue"
            + " gauge, vllm:num_requests_waiting or te_queue_size.")
    public String metricName;

    @JsonPropertyDescription(
        "Target average of the metric per pod, as a quantity (KEDA's threshold per pod).")
    @Default("5")
    @Pattern("^[0-9]+(\\.[0-9]+)?m?$")
    public String targetAverageValue = "5";

    @JsonPropertyDescription(
        "Scale with a KEDA ScaledObject on a Prometheus query instead of an HPA on the"
            + " custom-metrics API. KEDA then owns the Deployment's replicas; scale-in is paused"
            + " while a rollout rolls this server.")
    public KedaScaling keda;
  }

  /** KEDA's Prometheus scaler for a model tier. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class KedaScaling {
    @JsonPropertyDescription(
        "URL of the Prometheus that scrapes the server, e.g."
            + " http://prometheus-operated.monitoring.svc:9090.")
    @Required
    @Pattern("^https?://\\S+$")
    public String serverAddress;

    @JsonPropertyDescription(
        "PromQL returning one series. Unset: the sum of the server's queue gauge over this"
            + " cluster's pods, sum(vllm:num_requests_waiting{namespace=...,pod=~...}) or"
            + " sum(te_queue_size{...}).")
    @Pattern("^[\\s\\S]*\\S[\\s\\S]*$")
    public String query;

    @JsonPropertyDescription("Seconds between KEDA's queries.")
    @Default("15")
    @Min(5)
    @Max(3600)
    public int pollingIntervalSeconds = 15;

    @JsonPropertyDescription(
        "A TriggerAuthentication in this namespace holding the Prometheus credentials.")
    @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String authenticationRef;
  }
}
