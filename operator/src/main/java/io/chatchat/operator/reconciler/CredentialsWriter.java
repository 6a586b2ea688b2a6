package io.chatchat.operator.reconciler;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.model.Credentials;
import io.chatchat.operator.observe.SecretsView;
import io.chatchat.operator.status.EventReason;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates the managed stores' credentials Secrets once and never regenerates them (the store's data
 * directory was initialised with them). Their owner reference follows deletionPolicy. A Secret
 * dependent resource would need list and watch on Secrets; the operator only gets them by name.
 */
final class CredentialsWriter {
  private final KubernetesClient client;
  private final EventRecorder events;

  CredentialsWriter(KubernetesClient client, EventRecorder events) {
    this.client = client;
    this.events = events;
  }

  void ensure(ChatchatCluster cr, SecretsView secrets) {
    for (Secret want : wanted(cr)) {
      String name = want.getMetadata().getName();
      Secret have = secrets.get(name);
      if (have == null) {
        secrets.remember(name, create(cr, want));
      } else if (!nullToEmpty(have.getMetadata().getOwnerReferences())
          .equals(nullToEmpty(want.getMetadata().getOwnerReferences()))) {
        // deletionPolicy changed: the Secret follows the data it unlocks.
        secrets.remember(
            name,
            client
                .secrets()
                .inNamespace(cr.getMetadata().getNamespace())
                .withName(name)
                .edit(
                    s -> {
                      s.getMetadata().setOwnerReferences(want.getMetadata().getOwnerReferences());
                      return s;
                    }));
      }
    }
  }

  private static List<Secret> wanted(ChatchatCluster cr) {
    List<Secret> wanted = new ArrayList<>();
    if (cr.getSpec().metadataStore.type == MetadataStoreSpec.Type.Managed) {
      wanted.add(Credentials.database(cr, Credentials::randomPassword));
    }
    if (cr.getSpec().vectorStore.type == VectorStoreSpec.Type.PGVector
        && cr.getSpec().vectorStore.managed != null) {
      wanted.add(Credentials.vectorStore(cr, Credentials::randomPassword));
    }
    if (cr.getSpec().cache.managesStore()) {
      wanted.add(Credentials.cacheStore(cr, Credentials::randomPassword));
    }
    return wanted;
  }

  private Secret create(ChatchatCluster cr, Secret want) {
    String name = want.getMetadata().getName();
    try {
      Secret created = client.resource(want).create();
      events.record(
          cr,
          EventReason.CredentialsGenerated,
          "Generated credentials in Secret " + name + "; they are never regenerated");
      return created;
    } catch (KubernetesClientException e) {
      if (ChildWriter.namespaceTerminating(e)) {
        throw new ChildWriter.NamespaceTerminatingException(e);
      }
      if (e.getCode() != 409) {
        throw e;
      }
      return client.secrets().inNamespace(cr.getMetadata().getNamespace()).withName(name).get();
    }
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
