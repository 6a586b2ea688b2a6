package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
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
    ChatchatPodTemplate.Role role =
        new ChatchatPodTemplate.Role(
            Labels.COMPONENT_API,
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
            List.of());
    return Deployments.deployment(
        cr,
        Names.api(cr),
        Labels.COMPONENT_API,
        cr.getSpec().api.replicas,
        ChatchatPodTemplate.build(cr, role, configHash));
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
