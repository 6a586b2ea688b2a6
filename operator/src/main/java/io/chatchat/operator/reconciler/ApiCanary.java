package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.api.v1alpha1.RolloutSpec;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.chatchat.operator.model.ApiComponent;
import io.chatchat.operator.model.ChatchatSettings;
import io.chatchat.operator.model.Endpoints;
import io.chatchat.operator.model.Labels;
import io.chatchat.operator.model.Names;
import io.chatchat.operator.rollout.PodAddressResolver;
import io.chatchat.operator.rollout.RolloutPlan;
import io.chatchat.operator.rollout.SmokeGates;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;

/**
 * The API tier's canary, one reconciliation at a time. The stable Deployment keeps its pod template
 * and only shrinks; the canary Deployment runs the new template. At step {@code s} the canary has
 * {@code c[s]} pods and the stable {@code N - c[s-1]}: old pods go only after the new ones are
 * Ready, listed as ready endpoints of the API Service, and passed the smoke gates, so ready
 * endpoints never fall below N. After the last step the stable Deployment takes the new template at
 * N replicas (rolling, never below N) and the canary is deleted. Everything it needs to resume is
 * the step in status and the two Deployments.
 */
final class ApiCanary {
  /** What one pass decided. */
  record Outcome(List<HasMetadata> apply, boolean done, boolean advanced, String failure) {}

  private final KubernetesClient client;
  private final SmokeGates gates;
  private final PodAddressResolver resolver;

  /** Pods gated at the same time, by one operator process. */
  static final int GATE_THREADS = 8;

  /** A pod's smoke-gate run for one config hash: its first failure, or null when it passed. */
  private record GateRun(String targetHash, Future<String> future) {}

  /** Smoke-gate runs by pod UID (finished ones are the passes a pod keeps at later steps). */
  private final Map<String, GateRun> runs = new ConcurrentHashMap<>();

  private final ExecutorService pool = gatePool();

  /** Up to {@value #GATE_THREADS} daemon threads, which end after a minute without work. */
  private static ExecutorService gatePool() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            GATE_THREADS,
            GATE_THREADS,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "smoke-gates");
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  private final PrometheusMetrics metrics;

  ApiCanary(
      KubernetesClient client,
      SmokeGates gates,
      PodAddressResolver resolver,
      PrometheusMetrics metrics) {
    this.client = client;
    this.gates = gates;
    this.resolver = resolver;
    this.metrics = metrics;
  }

  /**
   * @param target the cluster at the new spec
   * @param stable the cluster at the last stable spec
   * @param stableHash the config hash the stable Deployment's pods run
   * @param st the rollout status; its step and message are updated
   */
  Outcome step(
      ChatchatCluster target,
      String targetHash,
      ChatchatCluster stable,
      String stableHash,
      RolloutStatus st,
      Deployment liveStable,
      Deployment liveCanary,
      List<Pod> pods) {
    int n = target.getSpec().api.replicas;
    Deployment newTemplate = ApiComponent.deployment(target, targetHash);

    // A canary runs when the stable pods run another template, and once started (a step in
    // status, or a canary Deployment) until it is promoted or rolled back.
    boolean changed =
        st.step != null
            || liveCanary != null
            || !ReconcileSupport.sameTemplate(newTemplate, liveStable);
    if (!changed || ApiComponent.recreates(newTemplate)) {
      // Nothing to canary, or pods that cannot overlap (a ReadWriteOnce claim): in place.
      st.step = null;
      st.steps = null;
      boolean done = ReconcileSupport.settled(newTemplate, liveStable);
      if (done && liveCanary != null) {
        ReconcileSupport.delete(client, liveCanary);
      }
      if (ApiComponent.recreates(newTemplate) && changed) {
        st.message =
            "API: replacing the single pod in place (it mounts a ReadWriteOnce claim): a"
                + " disruption window until the new pod is Ready";
      }
      return new Outcome(List.of(newTemplate), done, false, null);
    }

    List<Integer> counts = RolloutPlan.canaryCounts(target.getSpec().rollout.canarySteps, n);
    int k = counts.size();
    st.steps = k;
    if (st.step == null || st.step < 1) {
      st.step = 1;
    }
    int s = Math.min(st.step, k + 1);

    if (s <= k) {
      int canaryReplicas = counts.get(s - 1);
      int stableReplicas = n - (s > 1 ? counts.get(s - 2) : 0);
      Deployment canary = ApiComponent.canary(target, targetHash, canaryReplicas);
      Deployment old = ApiComponent.deployment(stable, stableHash);
      old.getSpec().setReplicas(stableReplicas);
      List<HasMetadata> apply = List.of(canary, old);
      if (!ReconcileSupport.settled(canary, liveCanary)) {
        st.message =
            "API step "
                + s
                + "/"
                + k
                + ": waiting for "
                + canaryReplicas
                + " new pod(s) to be Ready ("
                + readyOf(liveCanary)
                + " ready)";
        return new Outcome(apply, false, false, null);
      }
      List<Pod> canaryPods = canaryPods(target, pods);
      if (canaryPods.size() < canaryReplicas) {
        st.message = "API step " + s + "/" + k + ": waiting for the new pods to be Ready";
        return new Outcome(apply, false, false, null);
      }
      if (!listedAsReady(target, canaryPods)) {
        st.message = "API step " + s + "/" + k + ": waiting for the new pods to be ready endpoints";
        return new Outcome(apply, false, false, null);
      }
      Smoke smoke = smoke(target, targetHash, canaryPods);
      if (smoke.failure() != null) {
        return new Outcome(apply, false, false, "API step " + s + "/" + k + ": " + smoke.failure());
      }
      if (!smoke.done()) {
        st.message =
            "API step "
                + s
                + "/"
                + k
                + ": smoke gates ("
                + String.join(", ", gateNames(target))
                + ") running on "
                + smoke.running()
                + " new pod(s)";
        return new Outcome(apply, false, false, null);
      }
      st.step = s + 1;
      st.message =
          "API step "
              + s
              + "/"
              + k
              + " passed: "
              + canaryReplicas
              + " new pod(s) Ready and through the smoke gates ("
              + String.join(", ", gateNames(target))
              + ")";
      return new Outcome(apply, false, true, null);
    }

    // Promotion: the stable Deployment rolls to the new template (never below N ready, the
    // canary still serves), then the canary goes.
    Deployment canary = ApiComponent.canary(target, targetHash, n);
    if (!ReconcileSupport.settled(newTemplate, liveStable)) {
      st.message = "API: promoting the new version to " + Names.api(target);
      return new Outcome(
          liveCanary == null ? List.of(newTemplate) : List.of(canary, newTemplate),
          false,
          false,
          null);
    }
    if (liveCanary != null) {
      if (!listedAsReady(target, stablePods(target, pods))) {
        st.message = "API: waiting for the promoted pods to be ready endpoints";
        return new Outcome(List.of(newTemplate), false, false, null);
      }
      ReconcileSupport.delete(client, liveCanary);
    }
    st.message = "API: " + n + " pod(s) run the new version";
    return new Outcome(List.of(newTemplate), true, false, null);
  }

  private static String readyOf(Deployment d) {
    return d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null
        ? "0"
        : String.valueOf(d.getStatus().getReadyReplicas());
  }

  static List<Pod> canaryPods(ChatchatCluster cr, List<Pod> pods) {
    return apiPods(cr, pods, true);
  }

  static List<Pod> stablePods(ChatchatCluster cr, List<Pod> pods) {
    return apiPods(cr, pods, false);
  }

  private static List<Pod> apiPods(ChatchatCluster cr, List<Pod> pods, boolean canary) {
    List<Pod> out = new ArrayList<>();
    for (Pod p : pods) {
      Map<String, String> l = p.getMetadata().getLabels();
      if (l == null
          || !cr.getMetadata().getName().equals(l.get(Labels.INSTANCE))
          || !Labels.COMPONENT_API.equals(l.get(Labels.COMPONENT))
          || canary != Labels.TRACK_CANARY.equals(l.get(Labels.TRACK))
          || p.getMetadata().getDeletionTimestamp() != null
          || !ReconcileSupport.podReady(p)) {
        continue;
      }
      out.add(p);
    }
    return out;
  }

  /**
   * True when every given pod is a ready endpoint of the API Service: the endpoints controller has
   * seen it, so removing an old pod now leaves the Service with as many ready endpoints.
   */
  private boolean listedAsReady(ChatchatCluster cr, List<Pod> pods) {
    Set<String> ready = new HashSet<>();
    for (EndpointSlice slice :
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inNamespace(cr.getMetadata().getNamespace())
            .withLabel("kubernetes.io/service-name", Names.api(cr))
            .list()
            .getItems()) {
      for (Endpoint e : slice.getEndpoints()) {
        if (e.getTargetRef() != null
            && e.getConditions() != null
            && Boolean.TRUE.equals(e.getConditions().getReady())) {
          ready.add(e.getTargetRef().getName());
        }
      }
    }
    return pods.stream().allMatch(p -> ready.contains(p.getMetadata().getName()));
  }

  /** What the smoke gates say of a step's pods so far. */
  record Smoke(boolean done, String failure, int running) {}

  /**
   * Smoke-gates every pod that has not passed yet (at an earlier step of this rollout, in this
   * operator process), {@value #GATE_THREADS} pods at a time on the operator's gate threads, so a
   * slow answer never holds a reconciliation: each pass starts the missing runs and reads the
   * finished ones. A restarted operator gates the pods again.
   */
  private Smoke smoke(ChatchatCluster cr, String targetHash, List<Pod> pods) {
    SmokeGates.Config config = config(cr);
    if (!config.database() && !config.retrieval() && !config.chat()) {
      return new Smoke(true, null, 0);
    }
    if (runs.size() > 10_000) {
      runs.values().removeIf(r -> r.future().isDone());
    }
    int running = 0;
    for (Pod pod : pods) {
      String uid = pod.getMetadata().getUid();
      GateRun run = runs.get(uid);
      if (run == null || !run.targetHash().equals(targetHash)) {
        HttpUrl url = resolver.baseUrl(pod, Defaults.API_PORT);
        if (url == null) {
          return new Smoke(
              false,
              "pod " + pod.getMetadata().getName() + " has no address for the smoke gates",
              0);
        }
        String name = pod.getMetadata().getName();
        run = new GateRun(targetHash, pool.submit(() -> gate(name, url, config)));
        runs.put(uid, run);
      }
      if (!run.future().isDone()) {
        running++;
        continue;
      }
      String failure;
      try {
        failure = run.future().get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Smoke(false, null, running);
      } catch (ExecutionException e) {
        failure = "smoke gates on pod " + pod.getMetadata().getName() + " threw " + e.getCause();
      }
      if (failure != null) {
        // A later rollout of the same template gates this pod again.
        runs.remove(uid);
        return new Smoke(false, failure, running);
      }
    }
    return new Smoke(running == 0, null, running);
  }

  /** The gates on one pod: the first failure, or null. */
  private String gate(String pod, HttpUrl url, SmokeGates.Config config) {
    for (SmokeGates.Result r : gates.run(url, config)) {
      metrics.smokeGate(r.gate(), r.passed());
      if (!r.passed()) {
        return "smoke gate failed on pod " + pod + ": " + r.message();
      }
    }
    return null;
  }

  static SmokeGates.Config config(ChatchatCluster cr) {
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
