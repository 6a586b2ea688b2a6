package io.chatchat.operator.rollout;

import io.chatchat.operator.observe.LiveState;
import io.chatchat.operator.observe.Readiness;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A StatefulSet does not replace a pod of a bad revision that never became Ready, even once its
 * template is reverted (Kubernetes' "forced rollback"): after a rollback the operator deletes such
 * pods, and the StatefulSet recreates them at the stable revision. Pure: returns the pods.
 */
public final class StoreRollback {
  private StoreRollback() {}

  public static List<Pod> podsToDelete(List<HasMetadata> stores, LiveState live) {
    List<Pod> out = new ArrayList<>();
    for (HasMetadata o : stores) {
      if (!(o instanceof StatefulSet want)) {
        continue;
      }
      StatefulSet sts = live.statefulSet(want.getMetadata().getName());
      if (sts == null
          || sts.getStatus() == null
          || sts.getStatus().getUpdateRevision() == null
          || !Readiness.sameTemplate(want, sts)) {
        continue;
      }
      String revision = sts.getStatus().getUpdateRevision();
      Map<String, String> selector = sts.getSpec().getSelector().getMatchLabels();
      for (Pod pod : live.pods()) {
        Map<String, String> l = pod.getMetadata().getLabels();
        if (l != null
            && l.entrySet().containsAll(selector.entrySet())
            && l.get("controller-revision-hash") != null
            && !revision.equals(l.get("controller-revision-hash"))
            && !Readiness.podReady(pod)) {
          out.add(pod);
        }
      }
    }
    return out;
  }

  /** A store whose only pod is being replaced: its clients lose it for a while. Not hidden. */
  public static String singlePodWindow(List<HasMetadata> stores, LiveState live) {
    for (HasMetadata o : stores) {
      if (o instanceof StatefulSet want && want.getSpec().getReplicas() == 1) {
        StatefulSet sts = live.statefulSet(want.getMetadata().getName());
        if (sts != null && !Readiness.settled(want, sts)) {
          return "Disruption window: "
              + want.getMetadata().getName()
              + " has a single pod, which is being replaced; its clients get errors until the"
              + " new pod is Ready";
        }
      }
    }
    return null;
  }
}
