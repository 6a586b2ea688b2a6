package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Gateway API HTTPRoutes for the API and the WebUI, the alternative to an Ingress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!self.enabled || size(self.parentRefs) > 0",
    message = "gateway.enabled needs gateway.parentRefs (the Gateway to attach to)")
public class GatewayRouteSpec {
  @JsonPropertyDescription(
      "Create HTTPRoutes <cluster>-api and <cluster>-webui (gateway.networking.k8s.io/v1; the"
          + " Gateway API CRDs must be installed).")
  @Default("false")
  public boolean enabled = false;

  @JsonPropertyDescription("Gateways (and listeners) the routes attach to.")
  public List<ParentRef> parentRefs = new ArrayList<>();

  @JsonPropertyDescription("Host names of the API route. Empty: the Gateway listener's.")
  public List<String> apiHostnames = new ArrayList<>();

  @JsonPropertyDescription(
      "Host names of the WebUI route. Empty: no WebUI route (a WebUI route with the API's host"
          + " names would shadow the API).")
  public List<String> webuiHostnames = new ArrayList<>();

  @JsonPropertyDescription(
      "Total deadline of one request, from the gateway receiving it to the last byte of the"
          + " answer (HTTPRoute timeouts.request). Unlike nginx's read timeout, which limits only"
          + " the silence between two reads, this bounds the whole streamed answer.")
  @Default("600s")
  @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
  public String requestTimeout = "600s";

  @JsonPropertyDescription(
      "Deadline of one request from the gateway to a Chatchat pod (timeouts.backendRequest).")
  @Default("600s")
  @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
  public String backendRequestTimeout = "600s";

  /** A Gateway (listener) reference. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class ParentRef {
    @JsonPropertyDescription("Name of the Gateway.")
    @Required
    @Size(min = 1, max = 253)
    public String name;

    @JsonPropertyDescription("Namespace of the Gateway. Unset: the cluster's namespace.")
    public String namespace;

    @JsonPropertyDescription("Listener of the Gateway. Unset: every listener that allows it.")
    public String sectionName;
  }
}
