package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.ComponentStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** Derives a ChatchatCluster's status from what the operator observed. Pure. */
public final class StatusComputer {
  private StatusComputer() {}

  /** What one component's Deployment says. */
  public record Rollout(
      int desired,
      int replicas,
      int ready,
      int updated,
      boolean observed,
      boolean deadlineExceeded,
      String deadlineMessage,
      boolean newReplicaSetAvailable) {

    boolean complete() {
      return observed && updated == desired && replicas == desired && ready == desired;
    }

    /**
     * The Deployment still moves towards the current template. Once its new ReplicaSet was fully
     * available (reason NewReplicaSetAvailable), a shortfall is degradation, not progress.
     */
    boolean rollingOut() {
      return !observed
          || updated < desired
          || replicas > desired
          || (!newReplicaSetAvailable && ready < desired && !deadlineExceeded);
    }

    String readyText() {
      return ready + "/" + desired;
    }

    static Rollout of(Deployment d, int desired) {
      if (d == null) {
        return new Rollout(desired, 0, 0, 0, false, false, null, false);
      }
      DeploymentStatus s = d.getStatus();
      if (s == null) {
        return new Rollout(desired, 0, 0, 0, false, false, null, false);
      }
      boolean observed =
          s.getObservedGeneration() != null
              && s.getObservedGeneration() >= d.getMetadata().getGeneration()
              && Objects.equals(d.getSpec().getReplicas(), desired);
      DeploymentCondition progressing =
          s.getConditions() == null
              ? null
              : s.getConditions().stream()
                  .filter(c -> "Progressing".equals(c.getType()))
                  .findFirst()
                  .orElse(null);
      boolean exceeded =
          progressing != null
              && "False".equals(progressing.getStatus())
              && "ProgressDeadlineExceeded".equals(progressing.getReason());
      return new Rollout(
          desired,
          nz(s.getReplicas()),
          nz(s.getReadyReplicas()),
          nz(s.getUpdatedReplicas()),
          observed,
          exceeded,
          exceeded ? progressing.getMessage() : null,
          progressing != null && "NewReplicaSetAvailable".equals(progressing.getReason()));
    }

    static Rollout of(StatefulSet sts) {
      if (sts == null || sts.getStatus() == null) {
        int desired = sts == null ? 1 : nz(sts.getSpec().getReplicas());
        return new Rollout(desired, 0, 0, 0, false, false, null, false);
      }
      StatefulSetStatus s = sts.getStatus();
      int desired = nz(sts.getSpec().getReplicas());
      boolean observed =
          s.getObservedGeneration() != null
              && s.getObservedGeneration() >= sts.getMetadata().getGeneration();
      boolean rolled =
          s.getUpdateRevision() == null || s.getUpdateRevision().equals(s.getCurrentRevision());
      return new Rollout(
          desired,
          nz(s.getReplicas()),
          nz(s.getReadyReplicas()),
          nz(s.getUpdatedReplicas()),
          observed,
          false,
          null,
          rolled);
    }

    private static int nz(Integer i) {
      return i == null ? 0 : i;
    }
  }

  /** One workload of the cluster as observed: its key in status.components and condition. */
  public record Workload(String key, String label, String conditionType, Rollout rollout) {
    public static Workload of(
        String key, String label, String conditionType, Deployment d, int desired) {
      return new Workload(key, label, conditionType, Rollout.of(d, desired));
    }

    public static Workload of(String key, String label, String conditionType, StatefulSet sts) {
      return new Workload(key, label, conditionType, Rollout.of(sts));
    }
  }

  /** State of a one-shot Job gate. */
  public enum GateState {
    NOT_NEEDED,
    WAITING,
    RUNNING,
    SUCCEEDED,
    FAILED
  }

  /** A gate's state and what to tell the user about it. */
  public record Gate(GateState state, String message) {
    public static final Gate NOT_NEEDED = new Gate(GateState.NOT_NEEDED, null);
  }

  /**
   * Everything observed besides the API and WebUI Deployments.
   *
   * @param workloads stores, model servers and the knowledge-base writer, in dependency order
   * @param unschedulable why a pod of the cluster cannot be scheduled, or null
   * @param insufficientGpu the scheduler found no node with enough free GPUs
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
        new Observed(
            List.of(), Gate.NOT_NEEDED, Gate.NOT_NEEDED, Gate.NOT_NEEDED, null, false, null);

    public Observed(
        List<Workload> workloads,
        Gate preflight,
        Gate init,
        Gate build,
        String unschedulable,
        boolean insufficientGpu) {
      this(workloads, preflight, init, build, unschedulable, insufficientGpu, null);
    }

    /** The same, with the API canary Deployment of a rollout (null: none). */
    public Observed withApiCanary(Deployment canary) {
      return new Observed(
          workloads, preflight, init, build, unschedulable, insufficientGpu, canary);
    }
  }

  /** The API and WebUI only (the walking-skeleton shape). */
  public static ChatchatClusterStatus compute(
      ChatchatCluster cr, List<Problem> problems, Deployment api, Deployment webui, Instant now) {
    return compute(cr, problems, api, webui, Observed.NONE, now);
  }

  /**
   * @param problems what validation found; non-empty means the chat tier was not applied
   * @param api the API Deployment as observed (null when it does not exist)
   * @param webui the WebUI Deployment as observed (null when it does not exist or is disabled)
   */
  public static ChatchatClusterStatus compute(
      ChatchatCluster cr,
      List<Problem> problems,
      Deployment api,
      Deployment webui,
      Observed observed,
      Instant now) {
    ChatchatClusterStatus previous = cr.getStatus();
    List<Condition> prev = previous == null ? List.of() : previous.conditions;
    List<Condition> next = Conditions.copy(prev);
    long gen = cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration();

    ChatchatClusterStatus st = new ChatchatClusterStatus();
    st.observedGeneration = gen;
    st.url = "http://" + Names.serviceHost(cr, Names.api(cr)) + ":" + Defaults.API_PORT;
    st.apiSelector = Labels.selectorString(cr, Labels.COMPONENT_API);

    boolean valid = problems.isEmpty();
    if (valid) {
      Conditions.set(
          prev, next, Conditions.CONFIG_VALID, true, "Valid", "The spec is valid", gen, now);
    } else {
      Conditions.set(
          prev,
          next,
          Conditions.CONFIG_VALID,
          false,
          problems.get(0).reason(),
          problems.stream().map(Problem::message).collect(Collectors.joining("; ")),
          gen,
          now);
    }

    List<String> notReady = new ArrayList<>();
    List<String> rolling = new ArrayList<>();
    List<String> degraded = new ArrayList<>();

    Rollout apiRollout = Rollout.of(api, cr.getSpec().api.replicas);
    if (observed.apiCanary() != null) {
      // Old and new pods serve together: the API tier is both Deployments, still rolling.
      Rollout c = Rollout.of(observed.apiCanary(), cr.getSpec().api.replicas);
      apiRollout =
          new Rollout(
              cr.getSpec().api.replicas,
              apiRollout.replicas() + c.replicas(),
              apiRollout.ready() + c.ready(),
              c.updated(),
              false,
              false,
              null,
              false);
    }
    component(
        prev,
        next,
        Conditions.API_READY,
        "API",
        apiRollout,
        previousComponent(previous, Labels.COMPONENT_API),
        gen,
        now,
        notReady,
        rolling,
        degraded);
    st.components.put(Labels.COMPONENT_API, componentStatus(apiRollout));
    st.apiReady = apiRollout.readyText();
    st.apiReplicas = apiRollout.replicas();

    if (cr.getSpec().webui.enabled) {
      Rollout webuiRollout = Rollout.of(webui, cr.getSpec().webui.replicas);
      component(
          prev,
          next,
          Conditions.WEBUI_READY,
          "WebUI",
          webuiRollout,
          previousComponent(previous, Labels.COMPONENT_WEBUI),
          gen,
          now,
          notReady,
          rolling,
          degraded);
      st.components.put(Labels.COMPONENT_WEBUI, componentStatus(webuiRollout));
      st.webuiUrl = "http://" + Names.serviceHost(cr, Names.webui(cr)) + ":" + Defaults.WEBUI_PORT;
    } else {
      next.removeIf(c -> c.getType().equals(Conditions.WEBUI_READY));
    }

    List<String> present = new ArrayList<>();
    for (Workload w : observed.workloads()) {
      present.add(w.conditionType());
      component(
          prev,
          next,
          w.conditionType(),
          w.label(),
          w.rollout(),
          previousComponent(previous, w.key()),
          gen,
          now,
          notReady,
          rolling,
          degraded);
      st.components.put(w.key(), componentStatus(w.rollout()));
    }
    next.removeIf(
        c ->
            Conditions.WORKLOAD_CONDITIONS.contains(c.getType()) && !present.contains(c.getType()));

    gate(prev, next, Conditions.DRIVERS_AVAILABLE, observed.preflight(), gen, now, notReady);
    gate(prev, next, Conditions.INITIALIZED, observed.init(), gen, now, notReady);
    Gate build = observed.build();
    gate(prev, next, Conditions.KNOWLEDGE_BASE_BUILT, build, gen, now, new ArrayList<>());
    if (build.state() == GateState.FAILED) {
      degraded.add("knowledge-base build: " + build.message());
    }
    if (observed.init().state() == GateState.FAILED) {
      degraded.add("initialisation: " + observed.init().message());
    }
    if (observed.unschedulable() != null) {
      Conditions.set(
          prev,
          next,
          Conditions.SCHEDULED,
          false,
          observed.insufficientGpu() ? "InsufficientGPU" : "Unschedulable",
          observed.unschedulable(),
          gen,
          now);
    } else {
      Conditions.set(
          prev, next, Conditions.SCHEDULED, true, "Scheduled", "Every pod is scheduled", gen, now);
    }

    boolean ready = valid && notReady.isEmpty();
    if (ready) {
      Conditions.set(
          prev, next, Conditions.READY, true, "AllComponentsReady", "All ready", gen, now);
    } else {
      String why =
          !valid
              ? "The spec cannot be applied: see ConfigValid"
              : "Not ready: " + String.join(", ", notReady);
      Conditions.set(
          prev,
          next,
          Conditions.READY,
          false,
          valid ? "ComponentsNotReady" : "ConfigInvalid",
          why,
          gen,
          now);
    }
    if (!rolling.isEmpty() && valid) {
      Conditions.set(
          prev,
          next,
          Conditions.PROGRESSING,
          true,
          "RollingOut",
          "Rolling out: " + String.join(", ", rolling),
          gen,
          now);
    } else {
      Conditions.set(
          prev,
          next,
          Conditions.PROGRESSING,
          false,
          valid ? "Complete" : "ConfigInvalid",
          valid ? "Every component runs the current spec" : "Waiting for a valid spec",
          gen,
          now);
    }
    if (!degraded.isEmpty()) {
      Conditions.set(
          prev,
          next,
          Conditions.DEGRADED,
          true,
          "ComponentsUnavailable",
          String.join("; ", degraded),
          gen,
          now);
    } else {
      Conditions.set(
          prev,
          next,
          Conditions.DEGRADED,
          false,
          "AsExpected",
          "No component is degraded",
          gen,
          now);
    }
    st.conditions = next;

    if (!valid) {
      st.phase = Phase.Invalid;
    } else if (ready) {
      st.phase = Phase.Ready;
    } else if (!degraded.isEmpty()) {
      st.phase = Phase.Degraded;
    } else if (previous != null && previous.phase != null && previous.phase != Phase.Pending) {
      st.phase = Phase.Progressing;
    } else {
      st.phase = api == null || apiRollout.ready() == 0 ? Phase.Pending : Phase.Progressing;
    }
    // The version a user gets answers from: the API tier's image once it has fully rolled out.
    st.version =
        apiRollout.complete()
            ? Labels.imageTag(cr.getSpec().image)
            : (previous == null ? null : previous.version);
    return st;
  }

  static final String REASON_READY = "AllReplicasReady";
  static final String REASON_ROLLING_OUT = "RollingOut";
  static final String REASON_SCALING = "Scaling";
  static final String REASON_NOT_READY = "ReplicasNotReady";

  /**
   * Sets a component's condition. A shortfall of ready pods is progress while the template rolls
   * out or the component scales or starts; it is degradation only when the component had been
   * complete at the same replica count (or was degraded already), or the rollout hit its deadline.
   * A scale never changes the Deployment's Progressing reason, so the previous status tells.
   */
  private static void component(
      List<Condition> prev,
      List<Condition> next,
      String type,
      String label,
      Rollout r,
      ComponentStatus before,
      long gen,
      Instant now,
      List<String> notReady,
      List<String> rolling,
      List<String> degraded) {
    boolean ok = r.complete();
    Condition was = Conditions.find(prev, type);
    boolean sameSize = before != null && Objects.equals(before.desiredReplicas, r.desired());
    boolean lostPods =
        !ok
            && !r.rollingOut()
            && r.observed()
            && sameSize
            && was != null
            && (REASON_READY.equals(was.getReason()) || REASON_NOT_READY.equals(was.getReason()));
    String reason;
    if (ok) {
      reason = REASON_READY;
    } else if (r.rollingOut()) {
      reason = REASON_ROLLING_OUT;
    } else if (lostPods) {
      reason = REASON_NOT_READY;
    } else {
      reason = REASON_SCALING;
    }
    String msg = label + ": " + r.readyText() + " pods ready, " + r.updated() + " up to date";
    Conditions.set(prev, next, type, ok, reason, msg, gen, now);
    if (!ok) {
      notReady.add(label + " " + r.readyText());
    }
    if (r.rollingOut() || REASON_SCALING.equals(reason)) {
      rolling.add(label);
    }
    if (r.deadlineExceeded()) {
      degraded.add(label + ": " + r.deadlineMessage());
    } else if (lostPods) {
      degraded.add(label + ": only " + r.readyText() + " pods ready");
    }
  }

  /** A Job gate's condition; a gate that is not passed keeps the cluster from being Ready. */
  private static void gate(
      List<Condition> prev,
      List<Condition> next,
      String type,
      Gate g,
      long gen,
      Instant now,
      List<String> notReady) {
    switch (g.state()) {
      case NOT_NEEDED:
        next.removeIf(c -> c.getType().equals(type));
        return;
      case SUCCEEDED:
        Conditions.set(prev, next, type, true, "Succeeded", g.message(), gen, now);
        return;
      case FAILED:
        Conditions.set(prev, next, type, false, "Failed", g.message(), gen, now);
        notReady.add(type + "=False");
        return;
      case RUNNING:
        Conditions.set(prev, next, type, false, "Running", g.message(), gen, now);
        notReady.add(type + " (running)");
        return;
      default:
        Conditions.set(prev, next, type, false, "Waiting", g.message(), gen, now);
        notReady.add(type + " (waiting)");
    }
  }

  private static ComponentStatus previousComponent(ChatchatClusterStatus previous, String name) {
    return previous == null || previous.components == null ? null : previous.components.get(name);
  }

  private static ComponentStatus componentStatus(Rollout r) {
    ComponentStatus c = new ComponentStatus();
    c.desiredReplicas = r.desired();
    c.replicas = r.replicas();
    c.readyReplicas = r.ready();
    c.updatedReplicas = r.updated();
    return c;
  }
}
