package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.ChatchatClusterSpec;
import io.chatchat.operator.api.v1alpha1.ManagedDatabase;
import io.chatchat.operator.api.v1alpha1.ManagedPodSpec;
import io.chatchat.operator.api.v1alpha1.ManagedVectorStore;
import io.chatchat.operator.api.v1alpha1.MetadataStoreSpec;
import io.chatchat.operator.api.v1alpha1.VectorStoreSpec;
import io.chatchat.operator.api.v1alpha1.VolumeSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The managed stores: a MySQL or PostgreSQL StatefulSet for metadata, and an Elasticsearch, Milvus
 * standalone or pgvector StatefulSet for vectors, each with a client Service, a headless governing
 * Service and a volume per pod that survives the cluster unless deletionPolicy is Delete.
 */
public final class Stores {
  public static final String MYSQL_IMAGE = "mysql:8.4";
  public static final String POSTGRES_IMAGE = "postgres:16";
  public static final String PGVECTOR_IMAGE = "pgvector/pgvector:pg16";
  public static final String ELASTICSEARCH_IMAGE =
      "docker.elastic.co/elasticsearch/elasticsearch:8.15.3";
  public static final String MILVUS_IMAGE = "milvusdb/milvus:v2.4.17";

  static final String DATA_VOLUME = "data";

  private Stores() {}

  /** Every object of the managed stores this spec asks for. */
  public static List<HasMetadata> desired(ChatchatCluster cr) {
    List<HasMetadata> out = new ArrayList<>();
    ChatchatClusterSpec spec = cr.getSpec();
    if (spec.metadataStore.type == MetadataStoreSpec.Type.Managed) {
      StatefulSet db = database(cr);
      out.add(clientService(cr, Names.database(cr), Labels.COMPONENT_DATABASE, db));
      out.add(headlessService(cr, Names.database(cr), Labels.COMPONENT_DATABASE, db));
      out.add(db);
    }
    if (spec.vectorStore.managed != null) {
      StatefulSet vs = vectorStore(cr);
      if (spec.vectorStore.type == VectorStoreSpec.Type.Milvus) {
        out.add(StoreContainers.milvusConfig(cr));
      }
      out.add(clientService(cr, Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE, vs));
      out.add(headlessService(cr, Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE, vs));
      out.add(vs);
    }
    return out;
  }

  public static StatefulSet database(ChatchatCluster cr) {
    ManagedDatabase db = cr.getSpec().metadataStore.managedOrDefault();
    String secret = Names.databaseCredentials(cr);
    Container c =
        db.engine == ManagedDatabase.Engine.MySQL
            ? StoreContainers.mysql(db, secret)
            : StoreContainers.postgres(db, db.imageOr(POSTGRES_IMAGE), secret);
    return statefulSet(
        cr,
        new Shape(Names.database(cr), Labels.COMPONENT_DATABASE, 1),
        db,
        db.storage,
        new PodParts(
            c, List.of(StoreContainers.emptyDir("run"), StoreContainers.emptyDir("tmp")), 999L));
  }

  public static StatefulSet vectorStore(ChatchatCluster cr) {
    VectorStoreSpec spec = cr.getSpec().vectorStore;
    ManagedVectorStore m = spec.managed;
    switch (spec.type) {
      case Elasticsearch:
        return statefulSet(
            cr,
            new Shape(Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE, m.replicas),
            m,
            m.storage,
            new PodParts(
                StoreContainers.elasticsearch(cr, m),
                List.of(StoreContainers.emptyDir("tmp")),
                1000L));
      case Milvus:
        return statefulSet(
            cr,
            new Shape(Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE, 1),
            m,
            m.storage,
            new PodParts(
                StoreContainers.milvus(m),
                List.of(
                    new VolumeBuilder()
                        .withName("config")
                        .withNewConfigMap()
                        .withName(Names.vectorStore(cr))
                        .endConfigMap()
                        .build()),
                null));
      case PGVector:
        return statefulSet(
            cr,
            new Shape(Names.vectorStore(cr), Labels.COMPONENT_VECTOR_STORE, 1),
            m,
            m.storage,
            new PodParts(
                StoreContainers.postgres(
                    m, m.imageOr(PGVECTOR_IMAGE), Names.vectorStoreCredentials(cr)),
                List.of(StoreContainers.emptyDir("run"), StoreContainers.emptyDir("tmp")),
                999L));
      default:
        throw new IllegalArgumentException("no managed " + spec.type);
    }
  }

  /** A store's name, component label and pod count. */
  private record Shape(String name, String component, int replicas) {}

  /** A store pod's container, extra volumes and fsGroup. */
  private record PodParts(Container container, List<Volume> volumes, Long fsGroup) {}

  private static StatefulSet statefulSet(
      ChatchatCluster cr, Shape shape, ManagedPodSpec placement, VolumeSpec storage, PodParts pod) {
    String name = shape.name();
    String component = shape.component();
    int replicas = shape.replicas();
    Container container = pod.container();
    List<Volume> volumes = pod.volumes();
    Long fsGroup = pod.fsGroup();
    boolean delete = cr.getSpec().deletionPolicy == ChatchatClusterSpec.DeletionPolicy.Delete;
    PersistentVolumeClaim template =
        new PersistentVolumeClaimBuilder()
            .withNewMetadata()
            .withName(DATA_VOLUME)
            .withLabels(Labels.of(cr, component, null))
            .endMetadata()
            .withSpec(KnowledgeBaseClaim.spec(storage, "ReadWriteOnce"))
            .build();
    return new StatefulSetBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withReplicas(replicas)
        .withServiceName(Names.headless(name))
        .withNewSelector()
        .withMatchLabels(Labels.selector(cr, component))
        .endSelector()
        // Elasticsearch nodes must start together to elect a master; the others run one pod.
        .withPodManagementPolicy("Parallel")
        .withNewUpdateStrategy()
        .withType("RollingUpdate")
        // One pod at a time, the default. No maxUnavailable: API servers without the
        // MaxUnavailableStatefulSet feature drop it, and the object would never match what is
        // applied (re-sent on every pass).
        .withNewRollingUpdate()
        .withPartition(0)
        .endRollingUpdate()
        .endUpdateStrategy()
        .withNewPersistentVolumeClaimRetentionPolicy()
        .withWhenDeleted(delete ? "Delete" : "Retain")
        .withWhenScaled("Retain")
        .endPersistentVolumeClaimRetentionPolicy()
        .withVolumeClaimTemplates(template)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(Labels.of(cr, component, container.getImage()))
        .endMetadata()
        .withNewSpec()
        .withContainers(container)
        .withVolumes(volumes)
        .withNodeSelector(placement.nodeSelector)
        .withTolerations(placement.tolerations)
        .withAffinity(placement.affinity)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(60L)
        .withSecurityContext(PodSecurity.pod(fsGroup))
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Service clientService(ChatchatCluster cr, String name, String component, StatefulSet sts) {
    return new ServiceBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(Labels.selector(cr, component))
        .withPorts(servicePorts(sts))
        .endSpec()
        .build();
  }

  static Service headlessService(
      ChatchatCluster cr, String name, String component, StatefulSet sts) {
    return new ServiceBuilder()
        .withMetadata(OwnerRefs.owned(cr, Names.headless(name), component))
        .withNewSpec()
        .withClusterIP("None")
        // Peers find each other before they are ready (Elasticsearch discovery).
        .withPublishNotReadyAddresses(true)
        .withSelector(Labels.selector(cr, component))
        .withPorts(servicePorts(sts))
        .endSpec()
        .build();
  }

  private static List<ServicePort> servicePorts(StatefulSet sts) {
    List<ServicePort> ports = new ArrayList<>();
    for (ContainerPort p :
        sts.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts()) {
      ports.add(
          new ServicePortBuilder()
              .withName(p.getName())
              .withPort(p.getContainerPort())
              .withTargetPort(new IntOrString(p.getName()))
              .withProtocol("TCP")
              .build());
    }
    return ports;
  }
}
