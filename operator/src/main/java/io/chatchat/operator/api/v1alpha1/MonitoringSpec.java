package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prometheus Operator PodMonitors for the tiers that serve metrics: vLLM, text-embeddings-inference
 * and the answer cache's LiteLLM proxy. Chatchat's API and WebUI serve none.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MonitoringSpec {
  @JsonPropertyDescription(
      "Create PodMonitors (monitoring.coreos.com/v1) for the vLLM, TEI and cache-proxy pods the"
          + " operator runs. Needs the Prometheus Operator's CRDs; without them condition"
          + " MonitoringReady is False with reason PrometheusOperatorMissing.")
  @Default("false")
  public boolean enabled = false;

  @JsonPropertyDescription("Scrape interval of every PodMonitor, e.g. 30s or 1m.")
  @Default("30s")
  @Pattern("^[1-9][0-9]{0,3}(s|m)$")
  public String interval = "30s";

  @JsonPropertyDescription(
      "Labels added to the PodMonitors, to match a Prometheus's podMonitorSelector (e.g."
          + " release: kube-prometheus-stack).")
  public Map<String, String> labels = new LinkedHashMap<>();

  @JsonPropertyDescription(
      "Peers allowed through the cache proxy's NetworkPolicy besides Chatchat's pods: your"
          + " Prometheus (e.g. a namespaceSelector of its namespace), so it can scrape the proxy."
          + " vLLM and TEI pods have no NetworkPolicy.")
  public List<NetworkPolicyPeer> scrapeFrom = new ArrayList<>();
}
