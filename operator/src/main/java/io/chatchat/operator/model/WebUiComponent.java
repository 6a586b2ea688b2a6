package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Chatchat WebUI tier: Streamlit (`chatchat start -w`) on port 8501, and its Service. */
public final class WebUiComponent {
  public static final String PORT_NAME = "http";

  private WebUiComponent() {}

  public static Deployment deployment(ChatchatCluster cr, String configHash) {
    // The WebUI calls the API at API_SERVER.host; in its own pod that is the API Service.
    // With a single writer, the WebUI's knowledge-base calls must reach the writer.
    String api =
        Names.serviceHost(
            cr, ApiComponent.singleWriter(cr) ? Names.knowledgeBaseWriter(cr) : Names.api(cr));
    Map<String, Object> apiServer = new LinkedHashMap<>();
    apiServer.put("host", api);
    apiServer.put("port", Defaults.API_PORT);
    apiServer.put("public_host", api);
    apiServer.put("public_port", Defaults.API_PORT);
    ChatchatPodTemplate.Role role =
        new ChatchatPodTemplate.Role(
            Labels.COMPONENT_WEBUI,
            "-w",
            PORT_NAME,
            Defaults.WEBUI_PORT,
            cr.getSpec().webui.drainSeconds,
            cr.getSpec().webui,
            ChatchatPodTemplate.resources("250m", "512Mi", "2Gi"),
            probe(5, 120),
            probe(10, 3),
            probe(20, 3),
            List.of(ChatchatPodTemplate.env("API_SERVER", ChatchatSettings.json(apiServer))),
            ChatchatPodTemplate.KnowledgeBaseMount.CLAIM,
            // The WebUI edits knowledge-base files itself: beside the writer, on its volume.
            ChatchatJobs.besideWriter(cr),
            List.of());
    return Deployments.deployment(
        cr,
        Names.webui(cr),
        Labels.COMPONENT_WEBUI,
        cr.getSpec().webui.replicas,
        ChatchatPodTemplate.build(cr, role, configHash));
  }

  /** Streamlit keeps sessions in the pod: the Service pins a client to one pod. */
  public static Service service(ChatchatCluster cr) {
    return Deployments.service(
        cr, Names.webui(cr), Labels.COMPONENT_WEBUI, PORT_NAME, Defaults.WEBUI_PORT, true);
  }

  /** Streamlit's own health endpoint. */
  private static Probe probe(int period, int failures) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath("/_stcore/health")
        .withNewPort(PORT_NAME)
        .endHttpGet()
        .withPeriodSeconds(period)
        .withTimeoutSeconds(5)
        .withFailureThreshold(failures)
        .build();
  }
}
