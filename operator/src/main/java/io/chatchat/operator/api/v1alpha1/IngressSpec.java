package io.chatchat.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.LinkedHashMap;
import java.util.Map;

/** Ingress objects for the API and the WebUI. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!self.enabled || has(self.api) || has(self.webui)",
    message = "ingress.enabled needs ingress.api or ingress.webui (a host)")
public class IngressSpec {
  @JsonPropertyDescription("Create the Ingress objects.")
  @Default("false")
  public boolean enabled = false;

  @JsonPropertyDescription("IngressClass name. Unset: the cluster's default class.")
  public String className;

  @JsonPropertyDescription(
      "Nginx (default) adds ingress-nginx annotations: read and send timeouts of 600 s, connect"
          + " 30 s, no buffering of streamed answers or uploads, maxUploadSize, EWMA balancing, and"
          + " cookie affinity for the WebUI. Generic adds none: give your controller's"
          + " equivalents in annotations.")
  @Default("Nginx")
  public Flavor flavor = Flavor.Nginx;

  @JsonPropertyDescription("Largest knowledge-base upload accepted (nginx proxy-body-size).")
  @Default("200m")
  @Pattern("^[0-9]+[kKmMgG]?$")
  public String maxUploadSize = "200m";

  @JsonPropertyDescription("Extra annotations on both Ingress objects; they win over ours.")
  public Map<String, String> annotations = new LinkedHashMap<>();

  @JsonPropertyDescription("The API's host (Ingress <cluster>-api).")
  public Host api;

  @JsonPropertyDescription("The WebUI's host (Ingress <cluster>-webui).")
  public Host webui;

  public enum Flavor {
    Nginx,
    Generic
  }

  /** One host name, with optional TLS. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Host {
    @JsonPropertyDescription("Host name, e.g. chat.example.com.")
    @io.fabric8.generator.annotation.Required
    @Pattern("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    public String host;

    @JsonPropertyDescription("Secret with the TLS certificate for the host. Unset: plain HTTP.")
    public String tlsSecretName;
  }
}
