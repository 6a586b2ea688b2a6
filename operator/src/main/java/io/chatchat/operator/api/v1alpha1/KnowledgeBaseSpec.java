package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** Knowledge-base files (Chatchat's KB_ROOT_PATH) and retrieval settings (kb_settings.yaml). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.chunkOverlap < self.chunkSize",
    message = "knowledgeBase.chunkOverlap must be smaller than knowledgeBase.chunkSize")
public class KnowledgeBaseSpec {
  /**
   * A knowledge-base name, as Chatchat uses it for a directory under KB_ROOT_PATH, an index or a
   * collection: 1 to 50 characters (any script), no path separator, whitespace or control
   * character, not starting with '-' or '.'.
   */
  public static final String NAME_REGEX = "^[^-./\\\\\\s\\x00-\\x1f][^/\\\\\\s\\x00-\\x1f]{0,49}$";

  /** {@link #NAME_REGEX} as a CEL raw string. */
  static final String NAME_CEL = "r'" + NAME_REGEX + "'";

  public static final String NAME_RULE =
      "a knowledge-base name has 1 to 50 characters (letters of any script, digits, punctuation),"
          + " no '/', '\\', whitespace or control character, and does not start with '-' or"
          + " '.'";

  @JsonPropertyDescription(
      "The volume holding uploaded documents (and FAISS/SQLite files), mounted by every Chatchat"
          + " pod at KB_ROOT_PATH. It is kept when the cluster is deleted unless deletionPolicy is"
          + " Delete.")
  @Default("{}")
  public Storage storage = new Storage();

  @JsonPropertyDescription(
      "How Chatchat pods share the files. Shared (default): every API and WebUI pod mounts the"
          + " volume, which must then be ReadWriteMany when there is more than one pod."
          + " SingleWriter: for clusters without ReadWriteMany storage; one writer pod"
          + " (<cluster>-kb-writer) mounts a ReadWriteOnce volume and serves every request that"
          + " reads or writes files (uploads, deletions, rebuilds, downloads, file chat) through"
          + " the Ingress or HTTPRoute, while the API replicas answer chats and searches from the"
          + " shared database and vector store. The WebUI then runs one pod next to the writer.")
  @Default("Shared")
  public WriteMode writeMode = WriteMode.Shared;

  @JsonPropertyDescription(
      "Optional knowledge-base build: a Job that runs `chatchat kb -r` once the embedding"
          + " service is ready and verifies in the database that documents were vectorised.")
  @Default("{}")
  public Build build = new Build();

  @JsonPropertyDescription(
      "Knowledge base used when a request names none (DEFAULT_KNOWLEDGE_BASE).")
  @Default("samples")
  // Bytes, a bound for the CEL rule's cost; the rule itself allows 50 characters.
  @io.fabric8.generator.annotation.Size(max = 200)
  @ValidationRule(
      value = "self.matches(" + NAME_CEL + ")",
      message = "knowledgeBase.defaultKnowledgeBase: " + NAME_RULE)
  public String defaultKnowledgeBase = "samples";

  @JsonPropertyDescription("Length of one text chunk when documents are split (CHUNK_SIZE).")
  @Default("750")
  @Min(50)
  @Max(100000)
  public int chunkSize = 750;

  @JsonPropertyDescription("Overlap of neighbouring chunks (OVERLAP_SIZE).")
  @Default("150")
  @Min(0)
  @Max(100000)
  public int chunkOverlap = 150;

  @JsonPropertyDescription("Number of chunks retrieved per query (VECTOR_SEARCH_TOP_K).")
  @Default("3")
  @Min(1)
  @Max(100)
  public int topK = 3;

  @JsonPropertyDescription(
      "Retrieval filter (SCORE_THRESHOLD); its meaning depends on the vector store, as Chatchat"
          + " 0.3.1.3 implements it. PGVector and Elasticsearch: a relevance from 0 to 1, higher is"
          + " closer, chunks below it are dropped; unset means 0 (no filter: the topK nearest)."
          + " FAISS: unset means 2, Chatchat's own default (its BM25 half returns chunks whatever"
          + " the value). Milvus: Chatchat compares the raw L2 distance against it and keeps the"
          + " chunks at least that far, so only 0 (unset) is accepted. Chatchat's default of 2"
          + " would make PGVector and Elasticsearch return nothing.")
  @Min(0)
  @Max(2)
  public Double scoreThreshold;

  /** The knowledge-base PersistentVolumeClaim. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(
      value = "self.accessMode == oldSelf.accessMode",
      message =
          "knowledgeBase.storage.accessMode cannot change: a claim's access mode is immutable."
              + " Create a new cluster and copy the knowledge-base files.")
  @ValidationRule(
      value =
          "has(self.storageClassName) == has(oldSelf.storageClassName) &&"
              + " (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",
      message =
          "knowledgeBase.storage.storageClassName cannot change: it is immutable on the claim.")
  @ValidationRule(
      value = "quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0",
      message = "knowledgeBase.storage.size cannot shrink; a claim can only grow.")
  public static class Storage extends VolumeSpec {
    @JsonPropertyDescription(
        "ReadWriteMany (default) lets every API and WebUI pod mount the files. ReadWriteOnce is"
            + " allowed only for a single Chatchat pod.")
    @Default("ReadWriteMany")
    public AccessMode accessMode = AccessMode.ReadWriteMany;
  }

  /** The knowledge-base build Job. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Build {
    @JsonPropertyDescription(
        "Run the build. It runs again whenever the Chatchat image, the embedding model, the"
            + " vector store, the list of knowledge bases or the revision changes.")
    @Default("false")
    public boolean enabled = false;

    @JsonPropertyDescription(
        "Knowledge bases to (re)build from the files under KB_ROOT_PATH/<name>/content. Empty:"
            + " the default knowledge base.")
    @io.fabric8.generator.annotation.Size(max = 50)
    @ValidationRule(
        value = "self.all(k, k.matches(" + NAME_CEL + "))",
        message = "knowledgeBase.build.knowledgeBases: " + NAME_RULE)
    public java.util.List<String> knowledgeBases = new java.util.ArrayList<>();

    @JsonPropertyDescription(
        "Any value. Changing it runs the build again, e.g. after files were added to the"
            + " knowledge-base claim or after a build failed while a store was down.")
    @io.fabric8.generator.annotation.Size(max = 63)
    public String revision;
  }

  public enum WriteMode {
    Shared,
    SingleWriter
  }

  public enum AccessMode {
    ReadWriteMany,
    ReadWriteOnce
  }
}
