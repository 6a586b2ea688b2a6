package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.model.Endpoints;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The API tier's canary, one reconciliation at a time. The stable Deployment keeps its pod template
 * and only shrinks; the canary Deployment runs the new template. At step {@code s} the canary has
 * {@code c[s]} pods and the stable {@code N - c[s-1]}: old pods go only after the new ones are
 * Ready, listed as ready endpoints of the API Service, and passed the smoke gates, so ready
 * endpoints never fall below N. After the last step the stable Deployment takes the new template at
 * N replicas (rolling, never below N) and the canary is deleted. Everything it needs to resume is
 * the step in status and the two Deployments. Pure: it returns what to apply, delete and gate.
 */
public final class ApiCanary {
  private ApiCanary() {}

  /**
   * What the canary decides on.
   *
   * @param target the cluster at the new spec, {@code targetHash} its config hash
   * @param stable the cluster at the last stable spec, {@code stableHash} the hash its pods run
   * @param liveStable the API Deployment, {@code liveCanary} the canary one (null: none)
   * @param pods the cluster's pods
   * @param readyEndpoints names of the pods that are ready endpoints of the API Service
   * @param smoke the smoke-gate runs by pod UID
   */
  public record Inputs(
      ChatchatCluster target,
      String targetHash,
      ChatchatCluster stable,
      String stableHash,
      RolloutStatus rollout,
      Deployment liveStable,
      Deployment liveCanary,
      List<Pod> pods,
      Set<String> readyEndpoints,
      Map<String, SmokeRun> smoke) {}

  public static CanaryStep step(Inputs in) {
    Deployment newTemplate = ApiComponent.deployment(in.target(), in.targetHash());
    // A canary runs when the stable pods run another template, and once started (a step in
    // status, or a canary Deployment) until it is promoted or rolled back.
    boolean changed =
        in.rollout().step != null
            || in.liveCanary() != null
            || !Readiness.sameTemplate(newTemplate, in.liveStable());
    if (!changed || ApiComponent.recreates(newTemplate)) {
      return inPlace(in, newTemplate, changed);
    }
    List<Integer> counts =
        RolloutPlan.canaryCounts(in.target().getSpec().rollout.canarySteps, replicas(in));
    int k = counts.size();
    int s =
        Math.min(in.rollout().step == null || in.rollout().step < 1 ? 1 : in.rollout().step, k + 1);
    return s <= k ? canaryStep(in, counts, s) : promote(in, newTemplate, k);
  }

  /** Nothing to canary, or pods that cannot overlap (a ReadWriteOnce claim): in place. */
  private static CanaryStep inPlace(Inputs in, Deployment newTemplate, boolean changed) {
    boolean done = Readiness.settled(newTemplate, in.liveStable());
    String message =
        ApiComponent.recreates(newTemplate) && changed
            ? "API: replacing the single pod in place (it mounts a ReadWriteOnce claim): a"
                + " disruption window until the new pod is Ready"
            : null;
    return new CanaryStep(
        List.of(newTemplate),
        done && in.liveCanary() != null,
        done,
        false,
        null,
        null,
        null,
        message,
        List.of(),
        List.of());
  }

  /** Step s of k: the canary at c[s] pods, the stable at N - c[s-1]. */
  private static CanaryStep canaryStep(Inputs in, List<Integer> counts, int s) {
    int k = counts.size();
    int canaryReplicas = counts.get(s - 1);
    Deployment canary = ApiComponent.canary(in.target(), in.targetHash(), canaryReplicas);
    Deployment old = ApiComponent.deployment(in.stable(), in.stableHash());
    old.getSpec().setReplicas(replicas(in) - (s > 1 ? counts.get(s - 2) : 0));
    List<HasMetadata> apply = List.of(canary, old);
    String at = "API step " + s + "/" + k + ": ";
    if (!Readiness.settled(canary, in.liveCanary())) {
      return CanaryStep.waiting(
          apply,
          s,
          k,
          at
              + "waiting for "
              + canaryReplicas
              + " new pod(s) to be Ready ("
              + readyOf(in.liveCanary())
              + " ready)");
    }
    List<Pod> canaryPods = apiPods(in.target(), in.pods(), true);
    if (canaryPods.size() < canaryReplicas) {
      return CanaryStep.waiting(apply, s, k, at + "waiting for the new pods to be Ready");
    }
    if (!listedAsReady(in, canaryPods)) {
      return CanaryStep.waiting(apply, s, k, at + "waiting for the new pods to be ready endpoints");
    }
    return smoked(in, apply, canaryPods, canaryReplicas, s, k);
  }

  /** The step's pods through the smoke gates: passed, failed, or still running. */
  private static CanaryStep smoked(
      Inputs in, List<HasMetadata> apply, List<Pod> pods, int canaryReplicas, int s, int k) {
    String at = "API step " + s + "/" + k;
    String gates = String.join(", ", gateNames(in.target()));
    if (!gatesConfigured(in.target())) {
      return CanaryStep.passed(apply, s, k, at + passedWith(canaryReplicas, gates));
    }
    List<Pod> start = new ArrayList<>();
    int running = 0;
    for (Pod pod : pods) {
      SmokeRun run = in.smoke().get(pod.getMetadata().getUid());
      if (run == null || !run.targetHash().equals(in.targetHash())) {
        start.add(pod);
        running++;
      } else if (!run.done()) {
        running++;
      } else if (run.failure() != null) {
        return CanaryStep.failed(
            apply, s, k, at + ": " + run.failure(), pod.getMetadata().getUid());
      }
    }
    if (running > 0) {
      String message = at + ": smoke gates (" + gates + ") running on " + running + " new pod(s)";
      return CanaryStep.gating(apply, s, k, message, start);
    }
    return CanaryStep.passed(apply, s, k, at + passedWith(canaryReplicas, gates));
  }

  private static String passedWith(int pods, String gates) {
    return " passed: " + pods + " new pod(s) Ready and through the smoke gates (" + gates + ")";
  }

  /**
   * Promotion: the stable Deployment rolls to the new template (never below N ready, the canary
   * still serves), then the canary goes.
   */
  private static CanaryStep promote(Inputs in, Deployment newTemplate, int k) {
    int n = replicas(in);
    int s = k + 1;
    if (!Readiness.settled(newTemplate, in.liveStable())) {
      Deployment canary = ApiComponent.canary(in.target(), in.targetHash(), n);
      List<HasMetadata> apply =
          in.liveCanary() == null ? List.of(newTemplate) : List.of(canary, newTemplate);
      return CanaryStep.waiting(
          apply, s, k, "API: promoting the new version to " + Names.api(in.target()));
    }
    if (in.liveCanary() != null && !listedAsReady(in, apiPods(in.target(), in.pods(), false))) {
      return CanaryStep.waiting(
          List.of(newTemplate), s, k, "API: waiting for the promoted pods to be ready endpoints");
    }
    return new CanaryStep(
        List.of(newTemplate),
        in.liveCanary() != null,
        true,
        false,
        null,
        s,
        k,
        "API: " + n + " pod(s) run the new version",
        List.of(),
        List.of());
  }

  private static int replicas(Inputs in) {
    return in.target().getSpec().api.replicas;
  }

  private static String readyOf(Deployment d) {
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null
        ? "0"
        : String.valueOf(d.getStatus().getReadyReplicas());
  }

  /** The cluster's Ready API pods of one track (canary or stable), not being deleted. */
  static List<Pod> apiPods(ChatchatCluster cr, List<Pod> pods, boolean canary) {
    List<Pod> out = new ArrayList<>();
    for (Pod p : pods) {
      Map<String, String> l = p.getMetadata().getLabels();
      if (l != null
          && cr.getMetadata().getName().equals(l.get(Labels.INSTANCE))
          && Labels.COMPONENT_API.equals(l.get(Labels.COMPONENT))
          && canary == Labels.TRACK_CANARY.equals(l.get(Labels.TRACK))
          && p.getMetadata().getDeletionTimestamp() == null
          && Readiness.podReady(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * True when every given pod is a ready endpoint of the API Service: the endpoints controller has
   * seen it, so removing an old pod now leaves the Service with as many ready endpoints.
   */
  private static boolean listedAsReady(Inputs in, List<Pod> pods) {
    return pods.stream().allMatch(p -> in.readyEndpoints().contains(p.getMetadata().getName()));
  }

  /** The smoke gates a cluster's rollout runs on each new API pod. */
  public static SmokeGates.Config config(ChatchatCluster cr) {
    RolloutSpec.SmokeGateSpec g = cr.getSpec().rollout.smokeGates;
    List<String> models = Endpoints.llm(cr).models();
    String model = models == null || models.isEmpty() ? null : models.get(0);
    boolean retrieval = g.knowledgeBase != null && !g.knowledgeBase.isBlank();
    return new SmokeGates.Config(
        g.database,
        retrieval,
        g.knowledgeBase,
        g.query,
        ChatchatSettings.scoreThreshold(cr.getSpec()),
        g.chat && model != null,
        model,
        Duration.ofSeconds(g.timeoutSeconds),
        g.attempts,
        Duration.ofSeconds(g.retryIntervalSeconds));
  }

  private static boolean gatesConfigured(ChatchatCluster cr) {
    SmokeGates.Config c = config(cr);
    return c.database() || c.retrieval() || c.chat();
  }

  static List<String> gateNames(ChatchatCluster cr) {
    SmokeGates.Config c = config(cr);
    List<String> names = new ArrayList<>();
    if (c.database()) {
      names.add("database");
    }
    if (c.retrieval()) {
      names.add("retrieval");
    }
    if (c.chat()) {
      names.add("chat");
    }
    return names.isEmpty() ? List.of("none configured") : names;
  }
}
