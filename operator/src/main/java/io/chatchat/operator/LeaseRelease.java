package io.chatchat.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the leader Lease up when a leader stops gracefully, as client-go's ReleaseOnCancel does
 * (JOSDK 5.2.3 never releases it): the holder is cleared, so a standby takes over at its next retry
 * instead of waiting for the Lease to expire.
 */
final class LeaseRelease {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseRelease.class);

  private LeaseRelease() {}

  static void release(KubernetesClient client, String namespace, String name, String identity) {
    try {
      Lease lease = client.leases().inNamespace(namespace).withName(name).get();
      if (lease == null
          || lease.getSpec() == null
          || !identity.equals(lease.getSpec().getHolderIdentity())) {
        return;
      }
      lease.getSpec().setHolderIdentity(null);
      lease.getSpec().setLeaseDurationSeconds(1);
      lease.getSpec().setRenewTime(ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS));
      // An update, not a patch: it fails if another candidate took the Lease meanwhile.
      client.resource(lease).update();
      LOG.info("released the leader Lease {}/{}", namespace, name);
    } catch (KubernetesClientException e) {
      LOG.warn("could not release the leader Lease {}/{}: {}", namespace, name, e.toString());
    }
  }
}
