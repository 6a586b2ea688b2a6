package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a ChatchatCluster. One sub-spec per concern. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!(self.metadataStore.type == 'SQLite' || self.vectorStore.type == 'FAISS')"
            + " || (self.api.replicas == 1 && !self.webui.enabled && !self.api.autoscaling.enabled"
            + " && self.knowledgeBase.writeMode == 'Shared')",
    message =
        "SQLite metadata and the FAISS vector store are files inside one pod: a second API replica"
            + " (or autoscaling), a WebUI pod or a separate knowledge-base writer would open its own"
            + " copy or write the same files concurrently, forking or corrupting the knowledge base."
            + " Use api.replicas: 1 with webui.enabled: false, or a shared store (metadataStore.type:"
            + " Managed or External, vectorStore.type: Elasticsearch, Milvus or PGVector).")
@ValidationRule(
    value =
        "self.knowledgeBase.storage.accessMode == 'ReadWriteMany'"
            + " || self.knowledgeBase.writeMode == 'SingleWriter'"
            + " || (self.api.replicas == 1 && !self.webui.enabled && !self.api.autoscaling.enabled)",
    message =
        "knowledgeBase.storage.accessMode ReadWriteOnce lets only one pod mount the knowledge-base"
            + " files, but this cluster runs more than one Chatchat pod (API replicas, autoscaling"
            + " or the WebUI) that would each write their own copy. Use accessMode: ReadWriteMany,"
            + " or knowledgeBase.writeMode: SingleWriter (one writer pod serves every file"
            + " operation), or one API replica with webui.enabled: false.")
@ValidationRule(
    value =
        "self.knowledgeBase.writeMode != 'SingleWriter' || !self.webui.enabled"
            + " || self.webui.replicas == 1",
    message =
        "with knowledgeBase.writeMode SingleWriter the WebUI, which edits knowledge-base files"
            + " itself, runs one pod next to the writer: set webui.replicas: 1")
@ValidationRule(
    value =
        "self.vectorStore.type != 'Milvus' || !has(self.knowledgeBase.scoreThreshold)"
            + " || self.knowledgeBase.scoreThreshold == 0.0",
    message =
        "knowledgeBase.scoreThreshold with Milvus: Chatchat 0.3.1.3 compares it with the raw L2"
            + " distance and keeps the chunks at least that far away, dropping the closest ones."
            + " Leave it unset (0: the topK nearest chunks).")
public class ChatchatClusterSpec {

  @JsonPropertyDescription(
      "Container image of Langchain-Chatchat 0.3.x for the API and WebUI pods. The stock image ships"
          + " the MySQL (pymysql) and Elasticsearch drivers only; Milvus needs pymilvus and"
          + " PostgreSQL/pgvector need psycopg2 and pgvector added to the image.")
  @Default(Defaults.CHATCHAT_IMAGE)
  @Pattern("^\\S+$")
  public String image = Defaults.CHATCHAT_IMAGE;

  @JsonPropertyDescription("Image pull policy for the Chatchat containers.")
  @Default("IfNotPresent")
  public PullPolicy imagePullPolicy = PullPolicy.IfNotPresent;

  @JsonPropertyDescription("Secrets used to pull the Chatchat image from a private registry.")
  public List<LocalObjectReference> imagePullSecrets = new ArrayList<>();

  @JsonPropertyDescription(
      "CHATCHAT_ROOT inside the image: where Chatchat reads its settings files and keeps data/. The"
          + " stock image uses /root/chatchat_data; change it only for an image built differently.")
  @Default(Defaults.CHATCHAT_ROOT)
  @Pattern("^/[^\\s]*[^/\\s]$")
  public String chatchatRoot = Defaults.CHATCHAT_ROOT;

  @JsonPropertyDescription("The Chatchat API tier (`chatchat start --api`, port 7861).")
  @Default("{}")
  public ApiSpec api = new ApiSpec();

  @JsonPropertyDescription("The Chatchat WebUI tier (Streamlit, `chatchat start -w`, port 8501).")
  @Default("{}")
  public WebUiSpec webui = new WebUiSpec();

  @JsonPropertyDescription(
      "The SQL database holding knowledge-base metadata and conversations, shared by every pod.")
  @Required
  public MetadataStoreSpec metadataStore;

  @JsonPropertyDescription(
      "The vector store holding knowledge-base embeddings, shared by every pod.")
  @Required
  public VectorStoreSpec vectorStore;

  @JsonPropertyDescription("Knowledge-base files and retrieval settings.")
  @Default("{}")
  public KnowledgeBaseSpec knowledgeBase = new KnowledgeBaseSpec();

  @JsonPropertyDescription("The large language model that answers questions.")
  @Required
  public LlmSpec llm;

  @JsonPropertyDescription("The embedding model that vectorises documents and queries.")
  @Required
  public EmbeddingSpec embedding;

  @JsonPropertyDescription(
      "The answer cache: repeated questions answered from Valkey or Redis, not by the LLM.")
  @Default("{}")
  public CacheSpec cache = new CacheSpec();

  @JsonPropertyDescription(
      "Prometheus Operator PodMonitors for the model servers and the cache proxy.")
  @Default("{}")
  public MonitoringSpec monitoring = new MonitoringSpec();

  @JsonPropertyDescription(
      "Ingress for the API and the WebUI, with timeouts for minutes-long streamed answers.")
  @Default("{}")
  public IngressSpec ingress = new IngressSpec();

  @JsonPropertyDescription(
      "Gateway API HTTPRoutes for the API and the WebUI, an alternative to the Ingress.")
  @Default("{}")
  public GatewayRouteSpec gateway = new GatewayRouteSpec();

  @JsonPropertyDescription(
      "Run a Job that creates the database tables before API pods of a new Chatchat version"
          + " start (Chatchat's own start-up races on an empty database), and verifies them in"
          + " the database. Not used with SQLite.")
  @Default("true")
  public boolean initJob = true;

  @JsonPropertyDescription(
      "How a changed spec is rolled out: tier order, API canary steps, smoke gates, deadlines,"
          + " GPU policy, pause. A failed rollout returns to the last stable spec.")
  @Default("{}")
  public RolloutSpec rollout = new RolloutSpec();

  @JsonPropertyDescription(
      "What happens to data when the ChatchatCluster is deleted. Retain (default) keeps the"
          + " knowledge-base claim, the database and vector-store claims and their generated"
          + " credentials Secrets; Delete removes them with the cluster.")
  @Default("Retain")
  public DeletionPolicy deletionPolicy = DeletionPolicy.Retain;

  public enum PullPolicy {
    Always,
    IfNotPresent,
    Never
  }

  public enum DeletionPolicy {
    Retain,
    Delete
  }
}
