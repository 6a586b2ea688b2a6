package io.chatchat.operator.rollout;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterStatus;
import io.chatchat.operator.api.v1alpha1.RolloutStatus;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import io.chatchat.operator.status.RolloutMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides what a reconciliation aims at: the spec's revision against the last stable one, a rollout
 * that starts, goes on, stays rolled back, or is retried by the annotation. Pure.
 */
public final class RolloutPlanner {
  /** Annotate the cluster with a new value of this to roll out a rolled-back spec again. */
  public static final String RETRY_ANNOTATION = "chatchat.io/retry-rollout";

  private RolloutPlanner() {}

  /**
   * @param digests digests of the Secrets the user's spec references
   */
  public static Plan plan(ChatchatCluster cr, Map<String, String> digests, Instant now) {
    ChatchatClusterStatus s = cr.getStatus();
    String rev = RolloutPlan.revision(cr.getSpec(), digests);
    List<Notice> notices = new ArrayList<>();
    String stableSpec = s == null ? null : s.lastStableSpec;
    String stableRev = s == null ? null : s.stableRevision;
    String unreadable = s == null ? null : RolloutPlan.unreadableStableSpec(stableSpec);
    if (unreadable != null) {
      // Without this every reconciliation would fail on it.
      stableSpec = RolloutPlan.toJson(cr.getSpec());
      stableRev = rev;
      notices.add(
          Notice.of(
              EventReason.StableSpecRepaired,
              "status.lastStableSpec could not be read ("
                  + unreadable
                  + "); the current spec now counts as the stable one, and a rollout in"
                  + " progress is not rolled back to the unreadable spec"));
    }
    RolloutStatus st = s == null || s.rollout == null ? null : s.rollout.copy();
    if (stableSpec == null || rev.equals(stableRev)) {
      return new Plan(
          RolloutMode.STEADY, cr, null, backAtStable(st, rev), rev, stableSpec, stableRev, notices);
    }
    ChatchatCluster stable =
        RolloutPlan.withSpec(
            cr, RolloutPlan.stableWithCurrentScale(RolloutPlan.fromJson(stableSpec), cr.getSpec()));
    String retry = retryToken(cr);
    boolean retried = retry != null && !retry.equals(st == null ? null : st.retryToken);
    if (st != null
        && st.phase == RolloutStatus.Phase.RolledBack
        && rev.equals(st.failedRevision)
        && !retried) {
      return new Plan(
          RolloutMode.ROLLED_BACK, stable, null, st, rev, stableSpec, stableRev, notices);
    }
    if (st == null || !rev.equals(st.revision) || !active(st) || retried) {
      st = started(st, rev, stableRev, retried ? retry : null, now);
      notices.add(Notice.of(EventReason.RolloutStarted, st.message));
    }
    return new Plan(RolloutMode.ROLLING, cr, stable, st, rev, stableSpec, stableRev, notices);
  }

  /** A rollout in progress when the spec returned to the stable revision: it is over. */
  private static RolloutStatus backAtStable(RolloutStatus st, String rev) {
    if (st != null && active(st)) {
      st.phase = RolloutStatus.Phase.Completed;
      st.tier = null;
      st.step = null;
      st.position = null;
      st.message = "The spec is back at the stable revision " + rev;
    }
    return st;
  }

  /** A new rollout of {@code rev}, at the first tier; {@code retry} is the token acted on. */
  private static RolloutStatus started(
      RolloutStatus previous, String rev, String stableRev, String retry, Instant now) {
    RolloutStatus st = new RolloutStatus();
    st.phase = RolloutStatus.Phase.Progressing;
    st.revision = rev;
    st.tier = RolloutStatus.Tier.Preflight;
    st.stepStartedAt = now.toString();
    st.retryToken = retry != null ? retry : (previous == null ? null : previous.retryToken);
    st.failedRevision = previous == null ? null : previous.failedRevision;
    st.message =
        (retry != null ? "Retrying the rollout of revision " : "Rolling out revision ")
            + rev
            + " (from "
            + stableRev
            + ")";
    return st;
  }

  private static String retryToken(ChatchatCluster cr) {
    Map<String, String> a = cr.getMetadata().getAnnotations();
    return a == null ? null : a.get(RETRY_ANNOTATION);
  }

  /** The rollout still moves (or waits): not completed, not rolled back. */
  public static boolean active(RolloutStatus st) {
    return st.phase == RolloutStatus.Phase.Progressing
        || st.phase == RolloutStatus.Phase.Paused
        || st.phase == RolloutStatus.Phase.WaitingForGPU;
  }
}
