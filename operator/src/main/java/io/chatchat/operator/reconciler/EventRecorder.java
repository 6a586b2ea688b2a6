package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.status.EventReason;
import io.chatchat.operator.status.Notice;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records core/v1 Events on a ChatchatCluster (kubectl describe shows them). Best effort. */
public class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  public static final String NORMAL = Notice.NORMAL;
  public static final String WARNING = Notice.WARNING;
  static final String COMPONENT = "chatchat-operator";

  private final KubernetesClient client;
  private final String instance;

  public EventRecorder(KubernetesClient client, String instance) {
    this.client = client;
    this.instance = instance;
  }

  /** An Event of the operator's own, with its enumerated reason and type. */
  void record(ChatchatCluster cr, EventReason reason, String message) {
    record(cr, reason.type, reason.name(), message);
  }

  /** The Event a decision asked for. */
  void record(ChatchatCluster cr, Notice notice) {
    record(cr, notice.type(), notice.reason(), notice.message());
  }

  /** An Event that mirrors a condition or a spec problem, with that reason. */
  public void record(ChatchatCluster cr, String type, String reason, String message) {
    String now = Instant.now().toString();
    String msg = message.length() > 1000 ? message.substring(0, 1000) + "…" : message;
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(cr.getMetadata().getName() + ".")
            .withNamespace(cr.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(cr.getApiVersion())
            .withKind(cr.getKind())
            .withName(cr.getMetadata().getName())
            .withNamespace(cr.getMetadata().getNamespace())
            .withUid(cr.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(msg)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(cr.getMetadata().getNamespace()).resource(event).create();
    } catch (KubernetesClientException e) {
      if (ChildWriter.namespaceTerminating(e)) {
        LOG.debug(
            "namespace of {} is being deleted: event {} dropped",
            cr.getMetadata().getName(),
            reason);
        return;
      }
      LOG.warn(
          "could not record event {} on {}: {}",
          reason,
          cr.getMetadata().getName(),
          e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn(
          "could not record event {} on {}: {}",
          reason,
          cr.getMetadata().getName(),
          e.getMessage());
    }
  }
}
