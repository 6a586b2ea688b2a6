package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.api.v1alpha1.KnowledgeBaseSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraintBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;

/** The Chatchat API tier: `chatchat start --api` on port 7861, and its Service. */
public final class ApiComponent {
  public static final String PORT_NAME = "http";

  /**
   * Readiness proves the database answers: Chatchat has no health endpoint, and
   * list_knowledge_bases reads the metadata database and reports failures as HTTP 200 with another
   * "code" in the body (chatchat.md §5.2), so the probe checks the JSON.
   */
  static final String READINESS_SCRIPT =
      "import json,sys,urllib.request\n"
          + "r=json.load(urllib.request.urlopen("
          + "'http://127.0.0.1:"
          + Defaults.API_PORT
          + "/knowledge_base/list_knowledge_bases',timeout=8))\n"
          + "sys.exit(0 if r.get('code')==200 else 1)";

  private ApiComponent() {}

  public static Deployment deployment(ChatchatCluster cr, String configHash) {
    boolean singleWriter = singleWriter(cr);
    List<TopologySpreadConstraint> spread = new ArrayList<>();
    if (cr.getSpec().api.spreadAcrossNodes) {
      for (String key : List.of("kubernetes.io/hostname", "topology.kubernetes.io/zone")) {
        spread.add(
            new TopologySpreadConstraintBuilder()
                .withMaxSkew(1)
                .withTopologyKey(key)
                .withWhenUnsatisfiable("ScheduleAnyway")
                .withNewLabelSelector()
                .withMatchLabels(Labels.selector(cr, Labels.COMPONENT_API))
                .endLabelSelector()
                .build());
      }
    }
    return Deployments.deployment(
        cr,
        Names.api(cr),
        Labels.COMPONENT_API,
        cr.getSpec().api.replicas,
        ChatchatPodTemplate.build(
            cr,
            role(
                cr,
                Labels.COMPONENT_API,
                singleWriter
                    ? ChatchatPodTemplate.KnowledgeBaseMount.READ_ONLY_EMPTY
                    : ChatchatPodTemplate.KnowledgeBaseMount.CLAIM,
                spread),
            configHash));
  }

  /**
   * The API canary of a rollout: the new pod template under its own Deployment, whose pods carry
   * the API component label (the Service and the PodDisruptionBudget select them too) and a track
   * label that keeps them apart from the stable Deployment's.
   */
  public static Deployment canary(ChatchatCluster cr, String configHash, int replicas) {
    Deployment d = deployment(cr, configHash);
    d.getMetadata().setName(Names.apiCanary(cr));
    d.getSpec().setReplicas(replicas);
    d.getSpec().getSelector().getMatchLabels().put(Labels.TRACK, Labels.TRACK_CANARY);
    d.getSpec().getTemplate().getMetadata().getLabels().put(Labels.TRACK, Labels.TRACK_CANARY);
    return d;
  }

  /** True when API pods cannot overlap (a ReadWriteOnce claim): no canary is possible. */
  public static boolean recreates(Deployment d) {
    return "Recreate".equals(d.getSpec().getStrategy().getType());
  }

  /**
   * The single knowledge-base writer: one API process that mounts the ReadWriteOnce volume and
   * serves every request that touches files (routed to it by the Ingress or HTTPRoute).
   */
  public static Deployment writer(ChatchatCluster cr, String configHash) {
    return Deployments.deployment(
        cr,
        Names.knowledgeBaseWriter(cr),
        Labels.COMPONENT_KB_WRITER,
        1,
        ChatchatPodTemplate.build(
            cr,
            role(
                cr,
                Labels.COMPONENT_KB_WRITER,
                ChatchatPodTemplate.KnowledgeBaseMount.CLAIM,
                List.of()),
            configHash));
  }

  public static Service writerService(ChatchatCluster cr) {
    return Deployments.service(
        cr,
        Names.knowledgeBaseWriter(cr),
        Labels.COMPONENT_KB_WRITER,
        PORT_NAME,
        Defaults.API_PORT,
        false);
  }

  public static boolean singleWriter(ChatchatCluster cr) {
    return cr.getSpec().knowledgeBase.writeMode == KnowledgeBaseSpec.WriteMode.SingleWriter;
  }

  private static ChatchatPodTemplate.Role role(
      ChatchatCluster cr,
      String component,
      ChatchatPodTemplate.KnowledgeBaseMount kb,
      List<TopologySpreadConstraint> spread) {
    return new ChatchatPodTemplate.Role(
        component,
        "--api",
        PORT_NAME,
        Defaults.API_PORT,
        cr.getSpec().api.drainSeconds,
        cr.getSpec().api,
        ChatchatPodTemplate.resources("500m", "1Gi", "4Gi"),
        // uvicorn listens only after Chatchat's heavy imports: up to 10 minutes.
        new ProbeBuilder()
            .withNewTcpSocket()
            .withNewPort(PORT_NAME)
            .endTcpSocket()
            .withPeriodSeconds(5)
            .withFailureThreshold(120)
            .withTimeoutSeconds(3)
            .build(),
        new ProbeBuilder()
            .withNewExec()
            .withCommand("python", "-c", READINESS_SCRIPT)
            .endExec()
            .withPeriodSeconds(10)
            .withTimeoutSeconds(10)
            .withFailureThreshold(3)
            .withSuccessThreshold(1)
            .build(),
        // /docs is served by the API process itself: a dead uvicorn fails it.
        httpProbe("/docs", 20, 5, 3),
        List.of(),
        kb,
        null,
        spread);
  }

  public static Service service(ChatchatCluster cr) {
    return Deployments.service(
        cr, Names.api(cr), Labels.COMPONENT_API, PORT_NAME, Defaults.API_PORT, false);
  }

  static Probe httpProbe(String path, int period, int timeout, int failures) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(PORT_NAME)
        .endHttpGet()
        .withPeriodSeconds(period)
        .withTimeoutSeconds(timeout)
        .withFailureThreshold(failures)
        .build();
  }
}
