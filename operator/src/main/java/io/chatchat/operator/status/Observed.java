package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.ModelServerSpec;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.ModelServers;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.LiveState;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything observed besides the API and WebUI Deployments.
 *
 * @param workloads stores, model servers and the knowledge-base writer, in dependency order
 * @param unschedulable why a pod of the cluster cannot be scheduled, or null
 * @param insufficientGpu the scheduler found no node with enough free GPUs
 * @param apiCanary the API canary Deployment of a rollout (null: none)
 */
public record Observed(
    List<Workload> workloads,
    Gate preflight,
    Gate init,
    Gate build,
    String unschedulable,
    boolean insufficientGpu,
    Deployment apiCanary) {
  public static final Observed NONE =
      new Observed(List.of(), Gate.NOT_NEEDED, Gate.NOT_NEEDED, Gate.NOT_NEEDED, null, false, null);

  /** Nothing but the API canary (the spec was not applied). */
  public static Observed canaryOnly(Deployment canary) {
    return new Observed(
        List.of(), Gate.NOT_NEEDED, Gate.NOT_NEEDED, Gate.NOT_NEEDED, null, false, canary);
  }

  /** What the status reports of the stores, model servers, writer, gates and pods. */
  public static Observed of(
      ChatchatCluster cr, LiveState live, Gate preflight, Gate init, Gate build) {
    String unschedulable = null;
    boolean gpu = false;
    for (Pod pod : live.pods()) {
      PodCondition c = unschedulable(pod);
      if (c == null) {
        continue;
      }
      String msg = c.getMessage() == null ? "" : c.getMessage();
      String gpuResource = ModelServers.gpuResource(cr.getSpec(), pod);
      boolean wantsGpu = msg.contains("Insufficient " + gpuResource);
      if (unschedulable == null || (wantsGpu && !gpu)) {
        unschedulable =
            "Pod "
                + pod.getMetadata().getName()
                + " cannot be scheduled"
                + (wantsGpu ? ": no node has enough free " + gpuResource + ". " : ". ")
                + msg;
        gpu = gpu || wantsGpu;
      }
    }
    return new Observed(
        workloads(cr, live),
        preflight,
        init,
        build,
        unschedulable,
        gpu,
        live.deployment(Names.apiCanary(cr)));
  }

  private static List<Workload> workloads(ChatchatCluster cr, LiveState live) {
    ChatchatClusterSpec spec = cr.getSpec();
    List<Workload> workloads = new ArrayList<>();
    if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_DATABASE,
              "Database",
              Conditions.DATABASE_READY,
              live.statefulSet(Names.database(cr))));
    }
    if (spec.vectorStore.managed != null) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_VECTOR_STORE,
              "Vector store",
              Conditions.VECTOR_STORE_READY,
              live.statefulSet(Names.vectorStore(cr))));
    }
    if (spec.embedding.tei != null) {
      Deployment embedding = live.deployment(Names.embedding(cr));
      workloads.add(
          Workload.of(
              Labels.COMPONENT_EMBEDDING,
              "Embedding",
              Conditions.EMBEDDING_READY,
              embedding,
              desired(spec.embedding.tei, embedding)));
    }
    if (spec.llm.vllm != null) {
      Deployment llm = live.deployment(Names.llm(cr));
      workloads.add(
          Workload.of(
              Labels.COMPONENT_LLM, "LLM", Conditions.LLM_READY, llm, desired(spec.llm.vllm, llm)));
    }
    if (spec.cache.managesStore()) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_CACHE_STORE,
              "Answer-cache store",
              Conditions.CACHE_STORE_READY,
              live.statefulSet(Names.cacheStore(cr))));
    }
    if (spec.cache.enabled) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_CACHE_PROXY,
              "Answer cache",
              Conditions.CACHE_READY,
              live.deployment(Names.cacheProxy(cr)),
              spec.cache.proxy.replicas));
    }
    if (ApiComponent.singleWriter(cr)) {
      workloads.add(
          Workload.of(
              Labels.COMPONENT_KB_WRITER,
              "Knowledge-base writer",
              Conditions.KB_WRITER_READY,
              live.deployment(Names.knowledgeBaseWriter(cr)),
              1));
    }
    return workloads;
  }

  /** The pod's PodScheduled=False/Unschedulable condition, or null. */
  private static PodCondition unschedulable(Pod pod) {
    if (pod.getStatus() == null
        || pod.getStatus().getConditions() == null
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return null;
    }
    PodCondition found = null;
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("PodScheduled".equals(c.getType())
          && "False".equals(c.getStatus())
          && "Unschedulable".equals(c.getReason())) {
        found = c;
      }
    }
    return found;
  }

  private static int desired(ModelServerSpec m, Deployment live) {
    if (m.autoscaling.enabled) {
      Integer r = LiveState.replicasOf(live);
      return r != null ? r : m.autoscaling.minReplicas;
    }
    return m.replicas;
  }
}
