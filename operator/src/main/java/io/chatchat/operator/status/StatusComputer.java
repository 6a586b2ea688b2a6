package io.chatchat.operator.status;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.ComponentStatus;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus.Phase;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.model.SpecJson;
import io.chatchat.operator.observe.ApiCapabilities;
import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.validation.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Derives a ChatchatCluster's status from what the operator observed, in one pass: ConfigValid, the
 * components, the gates and the scheduling, then Ready, Progressing, Degraded, RolledBack and the
 * phase with the rollout taken into account, each set once. Pure.
 */
public final class StatusComputer {
  private StatusComputer() {}

  /**
   * @param shown the cluster at the spec the tiers render (its status is the previous one)
   * @param problems what validation and the API server found; non-empty means not applied
   * @param api the API Deployment as observed (null when it does not exist)
   * @param webui the WebUI Deployment as observed (null when it does not exist or is disabled)
   * @param rollout the rollout of this pass (null when the spec was not applied)
   * @param capabilities the optional APIs found (null when the spec was not applied)
   */
  public record Inputs(
      ChatchatCluster shown,
      List<Problem> problems,
      Deployment api,
      Deployment webui,
      Observed observed,
      RolloutView rollout,
      ApiCapabilities capabilities,
      Instant now) {

    /** A spec that was not applied (it has problems): what the cluster shows of it. */
    public static Inputs notApplied(
        ChatchatCluster cr, LiveState live, List<Problem> problems, Instant now) {
      return new Inputs(
          cr,
          problems,
          live.deployment(Names.api(cr)),
          cr.getSpec().webui.enabled ? live.deployment(Names.webui(cr)) : null,
          Observed.canaryOnly(live.deployment(Names.apiCanary(cr))),
          null,
          null,
          now);
    }
  }

  /** The API and WebUI only (the walking-skeleton shape), no rollout. */
  public static ChatchatClusterStatus compute(
      ChatchatCluster cr, List<Problem> problems, Deployment api, Deployment webui, Instant now) {
    return compute(new Inputs(cr, problems, api, webui, Observed.NONE, null, null, now));
  }

  public static ChatchatClusterStatus compute(Inputs in) {
    ChatchatCluster cr = in.shown();
    ChatchatClusterStatus previous = cr.getStatus();
    long gen = cr.getMetadata().getGeneration() == null ? 0 : cr.getMetadata().getGeneration();
    ConditionSet cs =
        new ConditionSet(previous == null ? null : previous.conditions, gen, in.now());
    Tally tally = new Tally();

    ChatchatClusterStatus st = new ChatchatClusterStatus();
    st.observedGeneration = gen;
    st.url = "http://" + Names.serviceHost(cr, Names.api(cr)) + ":" + Defaults.API_PORT;
    st.apiSelector = Labels.selectorString(cr, Labels.COMPONENT_API);
    boolean valid = configValid(cs, in.problems());
    WorkloadRollout api = chatTier(in, previous, cs, tally, st);
    workloads(in.observed(), previous, cs, tally, st);
    gates(in.observed(), cs, tally);
    scheduled(in.observed(), cs);
    Integrations.set(cr.getSpec(), in.capabilities(), cs);
    summarise(in, valid, api, cs, tally, st);
    st.conditions = cs.conditions();
    return st;
  }

  private static boolean configValid(ConditionSet cs, List<Problem> problems) {
    if (problems.isEmpty()) {
      cs.set(Conditions.CONFIG_VALID, true, "Valid", "The spec is valid");
      return true;
    }
    cs.set(
        Conditions.CONFIG_VALID,
        false,
        problems.get(0).reason(),
        problems.stream().map(Problem::message).collect(Collectors.joining("; ")));
    return false;
  }

  /** The API (with its canary while one serves) and the WebUI. */
  private static WorkloadRollout chatTier(
      Inputs in,
      ChatchatClusterStatus previous,
      ConditionSet cs,
      Tally tally,
      ChatchatClusterStatus st) {
    ChatchatCluster cr = in.shown();
    WorkloadRollout api = WorkloadRollout.of(in.api(), cr.getSpec().api.replicas);
    if (in.observed().apiCanary() != null) {
      // Old and new pods serve together: the API tier is both Deployments, still rolling.
      api =
          api.withCanary(WorkloadRollout.of(in.observed().apiCanary(), cr.getSpec().api.replicas));
    }
    ComponentCondition.set(
        cs,
        tally,
        Conditions.API_READY,
        "API",
        api,
        previousComponent(previous, Labels.COMPONENT_API));
    st.components.put(Labels.COMPONENT_API, ComponentCondition.status(api));
    st.apiReady = api.readyText();
    st.apiReplicas = api.replicas();
    if (!cr.getSpec().webui.enabled) {
      cs.remove(Conditions.WEBUI_READY);
      return api;
    }
    WorkloadRollout webui = WorkloadRollout.of(in.webui(), cr.getSpec().webui.replicas);
    ComponentCondition.set(
        cs,
        tally,
        Conditions.WEBUI_READY,
        "WebUI",
        webui,
        previousComponent(previous, Labels.COMPONENT_WEBUI));
    st.components.put(Labels.COMPONENT_WEBUI, ComponentCondition.status(webui));
    st.webuiUrl = "http://" + Names.serviceHost(cr, Names.webui(cr)) + ":" + Defaults.WEBUI_PORT;
    return api;
  }

  /** Stores, model servers and the writer; conditions of workloads no longer there go. */
  private static void workloads(
      Observed observed,
      ChatchatClusterStatus previous,
      ConditionSet cs,
      Tally tally,
      ChatchatClusterStatus st) {
    List<String> present = new ArrayList<>();
    for (Workload w : observed.workloads()) {
      present.add(w.conditionType());
      ComponentCondition.set(
          cs,
          tally,
          w.conditionType(),
          w.label(),
          w.rollout(),
          previousComponent(previous, w.key()));
      st.components.put(w.key(), ComponentCondition.status(w.rollout()));
    }
    for (String type : Conditions.WORKLOAD_CONDITIONS) {
      if (!present.contains(type)) {
        cs.remove(type);
      }
    }
  }

  private static void gates(Observed observed, ConditionSet cs, Tally tally) {
    gate(cs, Conditions.DRIVERS_AVAILABLE, observed.preflight(), tally.notReady);
    gate(cs, Conditions.INITIALIZED, observed.init(), tally.notReady);
    gate(cs, Conditions.KNOWLEDGE_BASE_BUILT, observed.build(), new ArrayList<>());
    if (observed.build().failed()) {
      tally.degraded.add("knowledge-base build: " + observed.build().message());
    }
    if (observed.init().failed()) {
      tally.degraded.add("initialisation: " + observed.init().message());
    }
  }

  /** A Job gate's condition; a gate that is not passed keeps the cluster from being Ready. */
  private static void gate(ConditionSet cs, String type, Gate g, List<String> notReady) {
    switch (g.state()) {
      case NOT_NEEDED -> cs.remove(type);
      case SUCCEEDED -> cs.set(type, true, "Succeeded", g.message());
      case FAILED -> {
        cs.set(type, false, "Failed", g.message());
        notReady.add(type + "=False");
      }
      case RUNNING -> {
        cs.set(type, false, "Running", g.message());
        notReady.add(type + " (running)");
      }
      default -> {
        cs.set(type, false, "Waiting", g.message());
        notReady.add(type + " (waiting)");
      }
    }
  }

  private static void scheduled(Observed observed, ConditionSet cs) {
    if (observed.unschedulable() != null) {
      cs.set(
          Conditions.SCHEDULED,
          false,
          observed.insufficientGpu() ? "InsufficientGPU" : "Unschedulable",
          observed.unschedulable());
    } else {
      cs.set(Conditions.SCHEDULED, true, "Scheduled", "Every pod is scheduled");
    }
  }

  /** Ready, Progressing, Degraded, RolledBack, the phase, the version and the rollout block. */
  private static void summarise(
      Inputs in,
      boolean valid,
      WorkloadRollout api,
      ConditionSet cs,
      Tally tally,
      ChatchatClusterStatus st) {
    ChatchatClusterStatus previous = in.shown().getStatus();
    RolloutView v = in.rollout();
    boolean ready = valid && tally.notReady.isEmpty();
    Phase phase = basePhase(valid, ready, tally, previous, in.api(), api);
    String previousVersion = previous == null ? null : previous.version;
    st.version = api.complete() ? Labels.imageTag(in.shown().getSpec().image) : previousVersion;
    rolloutBlock(v, previous, phase, st);
    boolean rolling = v != null && v.stillRolling();
    boolean rolledBack = v != null && v.rolledBack();
    if (rolling) {
      cs.set(
          Conditions.READY,
          false,
          "RollingOut",
          "Rolling out revision " + v.rollout().revision + v.where() + ": " + v.rollout().message);
      progressing(cs, v);
      st.version = previousVersion;
    } else {
      readyCondition(cs, valid, ready, tally);
      progressingCondition(cs, valid, tally);
    }
    if (rolledBack) {
      cs.set(Conditions.ROLLED_BACK, true, "RolloutFailed", v.rollout().message);
      cs.set(Conditions.DEGRADED, true, "RolledBack", v.rollout().message);
    } else {
      degradedCondition(cs, tally);
      if (v != null && v.completed() && cs.current(Conditions.ROLLED_BACK) != null) {
        cs.set(Conditions.ROLLED_BACK, false, "RolloutCompleted", "The latest rollout completed");
      }
    }
    if (rolling && phase != Phase.Invalid && phase != Phase.Degraded) {
      phase = Phase.Progressing;
    } else if (rolledBack && phase != Phase.Invalid) {
      phase = Phase.Degraded;
    }
    st.phase = phase;
    st.rollout = blockedBy(st.rollout, in.problems());
  }

  private static Phase basePhase(
      boolean valid,
      boolean ready,
      Tally tally,
      ChatchatClusterStatus previous,
      Deployment apiDeployment,
      WorkloadRollout api) {
    if (!valid) {
      return Phase.Invalid;
    }
    if (ready) {
      return Phase.Ready;
    }
    if (!tally.degraded.isEmpty()) {
      return Phase.Degraded;
    }
    if (previous != null && previous.phase != null && previous.phase != Phase.Pending) {
      return Phase.Progressing;
    }
    return apiDeployment == null || api.ready() == 0 ? Phase.Pending : Phase.Progressing;
  }

  /**
   * The rollout block and the last stable spec: a spec becomes stable when a steady cluster is
   * Ready on it, or when its rollout completed in this pass.
   */
  private static void rolloutBlock(
      RolloutView v, ChatchatClusterStatus previous, Phase phase, ChatchatClusterStatus st) {
    if (v == null) {
      st.lastStableSpec = previous == null ? null : previous.lastStableSpec;
      st.stableRevision = previous == null ? null : previous.stableRevision;
      st.rollout = previous == null ? null : previous.rollout;
      return;
    }
    st.lastStableSpec = v.lastStableSpec();
    st.stableRevision = v.stableRevision();
    st.rollout = v.rollout();
    boolean steadyReady =
        v.mode() == RolloutMode.STEADY
            && phase == Phase.Ready
            && !v.revision().equals(v.stableRevision());
    if (steadyReady || (v.mode() == RolloutMode.ROLLING && v.completedNow())) {
      st.lastStableSpec = SpecJson.toJson(v.userSpec());
      st.stableRevision = v.revision();
    }
  }

  private static void progressing(ConditionSet cs, RolloutView v) {
    RolloutStatus r = v.rollout();
    switch (r.phase) {
      case Paused ->
          cs.set(
              Conditions.PROGRESSING,
              false,
              "RolloutPaused",
              "Rollout paused" + v.where() + " (rollout.paused): " + r.message);
      case WaitingForGPU -> cs.set(Conditions.PROGRESSING, false, "InsufficientGPU", r.message);
      default ->
          cs.set(
              Conditions.PROGRESSING,
              true,
              "RollingOut",
              "Revision " + r.revision + v.where() + ": " + r.message);
    }
  }

  private static void readyCondition(ConditionSet cs, boolean valid, boolean ready, Tally tally) {
    if (ready) {
      cs.set(Conditions.READY, true, "AllComponentsReady", "All ready");
    } else if (valid) {
      cs.set(
          Conditions.READY,
          false,
          "ComponentsNotReady",
          "Not ready: " + String.join(", ", tally.notReady));
    } else {
      cs.set(
          Conditions.READY, false, "ConfigInvalid", "The spec cannot be applied: see ConfigValid");
    }
  }

  private static void progressingCondition(ConditionSet cs, boolean valid, Tally tally) {
    if (!tally.rolling.isEmpty() && valid) {
      cs.set(
          Conditions.PROGRESSING,
          true,
          "RollingOut",
          "Rolling out: " + String.join(", ", tally.rolling));
    } else {
      cs.set(
          Conditions.PROGRESSING,
          false,
          valid ? "Complete" : "ConfigInvalid",
          valid ? "Every component runs the current spec" : "Waiting for a valid spec");
    }
  }

  private static void degradedCondition(ConditionSet cs, Tally tally) {
    if (!tally.degraded.isEmpty()) {
      cs.set(Conditions.DEGRADED, true, "ComponentsUnavailable", String.join("; ", tally.degraded));
    } else {
      cs.set(Conditions.DEGRADED, false, "AsExpected", "No component is degraded");
    }
  }

  /**
   * A rollout that cannot go on while the spec has problems (an object the API server refuses, a
   * missing Secret) says so instead of "Progressing" with the message of its last step.
   */
  private static RolloutStatus blockedBy(RolloutStatus rollout, List<Problem> problems) {
    if (problems.isEmpty() || rollout == null || rollout.phase != RolloutStatus.Phase.Progressing) {
      return rollout;
    }
    RolloutStatus blocked = rollout.copy();
    blocked.message = "Blocked until the spec is fixed: " + problems.get(0).message();
    return blocked;
  }

  private static ComponentStatus previousComponent(ChatchatClusterStatus previous, String name) {
    return previous == null || previous.components == null ? null : previous.components.get(name);
  }
}
