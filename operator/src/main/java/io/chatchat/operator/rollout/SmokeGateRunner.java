package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.metrics.PrometheusMetrics;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;

/**
 * Runs the smoke gates on new API pods, {@value #GATE_THREADS} pods at a time on its own daemon
 * threads, so a slow answer never holds a reconciliation: a pass starts the missing runs, a
 * finished run wakes its cluster, and that pass reads it ({@link ApiCanary} decides which). A pod
 * keeps its pass for the later steps of the rollout, in this operator process; a restarted operator
 * gates the pods again.
 */
public final class SmokeGateRunner {
  /** Pods gated at the same time, by one operator process. */
  static final int GATE_THREADS = 8;

  /** A pod's run for one config hash: its first failure, or null when it passed. */
  private record Run(String targetHash, CompletableFuture<String> future) {}

  private final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final ExecutorService pool = gatePool();
  private final SmokeGates gates;
  private final PodAddressResolver resolver;
  private final PrometheusMetrics metrics;

  public SmokeGateRunner(SmokeGates gates, PodAddressResolver resolver, PrometheusMetrics metrics) {
    this.gates = gates;
    this.resolver = resolver;
    this.metrics = metrics;
  }

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

  /** The runs of these pods as they stand, by pod UID. */
  public Map<String, SmokeRun> runsOf(List<Pod> pods) {
    Map<String, SmokeRun> out = new HashMap<>();
    for (Pod pod : pods) {
      Run run = runs.get(pod.getMetadata().getUid());
      if (run != null) {
        out.put(pod.getMetadata().getUid(), view(pod, run));
      }
    }
    return out;
  }

  private static SmokeRun view(Pod pod, Run run) {
    if (!run.future().isDone()) {
      return new SmokeRun(run.targetHash(), false, null);
    }
    try {
      return new SmokeRun(run.targetHash(), true, run.future().get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new SmokeRun(run.targetHash(), false, null);
    } catch (ExecutionException e) {
      return new SmokeRun(
          run.targetHash(),
          true,
          "smoke gates on pod " + pod.getMetadata().getName() + " threw " + e.getCause());
    }
  }

  /**
   * Starts the gates on each pod for the target config hash; {@code finished} runs once a pod's run
   * is done (its result is then visible to {@link #runsOf}), so the rollout moves on at once.
   */
  public void start(
      List<Pod> pods, String targetHash, SmokeGates.Config config, Runnable finished) {
    if (runs.size() > 10_000) {
      runs.values().removeIf(r -> r.future().isDone());
    }
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      HttpUrl url = resolver.baseUrl(pod, Defaults.API_PORT);
      CompletableFuture<String> future =
          url == null
              ? CompletableFuture.completedFuture(
                  "pod " + name + " has no address for the smoke gates")
              : CompletableFuture.supplyAsync(() -> gate(name, url, config), pool);
      runs.put(pod.getMetadata().getUid(), new Run(targetHash, future));
      future.whenComplete((result, error) -> finished.run());
    }
  }

  /** Drops failed runs that were acted on: a later rollout of the same template gates again. */
  public void forget(List<String> uids) {
    uids.forEach(runs::remove);
  }

  /** The gates on one pod: the first failure, or null. */
  private String gate(String pod, HttpUrl url, SmokeGates.Config config) {
    for (SmokeGates.Result r : gates.run(url, config)) {
      metrics.smokeGate(r.gate(), r.passed(), r.seconds());
      if (!r.passed()) {
        return "smoke gate failed on pod " + pod + ": " + r.message();
      }
    }
    return null;
  }
}
