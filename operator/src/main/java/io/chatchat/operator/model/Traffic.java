package io.chatchat.operator.model;

import io.chatchat.operator.api.v1alpha1.ChatchatCluster;
import io.chatchat.operator.api.v1alpha1.Defaults;
import io.chatchat.operator.api.v1alpha1.GatewayRouteSpec;
import io.chatchat.operator.api.v1alpha1.IngressSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPathBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How users reach Chatchat: Ingress objects (ingress-nginx annotations by default) or Gateway API
 * HTTPRoutes. The API has no session state of its own (it lives in the shared stores), so it gets
 * no affinity; Streamlit keeps sessions in its pod over a WebSocket, so the WebUI gets cookie
 * affinity. With a single knowledge-base writer, the paths that touch files go to the writer.
 */
public final class Traffic {
  /**
   * Request paths that read or write knowledge-base files or per-process temporary knowledge bases
   * (chatchat.md §4.1, §5.1): with a single writer they must reach the writer pod.
   */
  public static final List<String> WRITER_PATHS =
      List.of(
          "/knowledge_base/upload_docs",
          "/knowledge_base/delete_docs",
          "/knowledge_base/update_docs",
          "/knowledge_base/recreate_vector_store",
          "/knowledge_base/download_doc",
          "/knowledge_base/create_knowledge_base",
          "/knowledge_base/delete_knowledge_base",
          "/knowledge_base/update_info",
          "/knowledge_base/kb_summary_api",
          "/knowledge_base/upload_temp_docs",
          "/knowledge_base/search_temp_docs",
          "/knowledge_base/temp_kb",
          "/chat/file_chat",
          "/v1/files");

  static final String NGINX = "nginx.ingress.kubernetes.io/";

  private Traffic() {}

  public static List<HasMetadata> desired(ChatchatCluster cr) {
    List<HasMetadata> out = new ArrayList<>();
    IngressSpec in = cr.getSpec().ingress;
    if (in.enabled) {
      if (in.api != null) {
        out.add(ingress(cr, Names.api(cr), Labels.COMPONENT_API, in.api, false));
      }
      if (in.webui != null && cr.getSpec().webui.enabled) {
        out.add(ingress(cr, Names.webui(cr), Labels.COMPONENT_WEBUI, in.webui, true));
      }
    }
    return out;
  }

  /** The HTTPRoutes, separate: they need the Gateway API CRDs, which a cluster may lack. */
  public static List<HTTPRoute> routes(ChatchatCluster cr) {
    List<HTTPRoute> out = new ArrayList<>();
    GatewayRouteSpec gw = cr.getSpec().gateway;
    if (gw.enabled) {
      out.add(route(cr, Names.api(cr), Labels.COMPONENT_API, gw.apiHostnames, false));
      if (!gw.webuiHostnames.isEmpty() && cr.getSpec().webui.enabled) {
        out.add(route(cr, Names.webui(cr), Labels.COMPONENT_WEBUI, gw.webuiHostnames, true));
      }
    }
    return out;
  }

  /** The annotations of one Ingress: ours for the flavour, then the user's, which win. */
  static Map<String, String> annotations(IngressSpec in, boolean webui) {
    Map<String, String> a = new LinkedHashMap<>();
    if (in.flavor == IngressSpec.Flavor.Nginx) {
      // Streamed answers take minutes; nginx's read/send timeouts bound the silence between
      // two reads or writes, not the whole answer.
      a.put(NGINX + "proxy-read-timeout", "600");
      a.put(NGINX + "proxy-send-timeout", "600");
      a.put(NGINX + "proxy-connect-timeout", "30");
      // Tokens reach the client as they are generated; uploads stream to the pod.
      a.put(NGINX + "proxy-buffering", "off");
      a.put(NGINX + "proxy-request-buffering", "off");
      a.put(NGINX + "proxy-body-size", in.maxUploadSize);
      if (webui) {
        // Streamlit keeps the session in one pod, over a WebSocket (/_stcore/stream).
        a.put(NGINX + "affinity", "cookie");
        a.put(NGINX + "affinity-mode", "persistent");
        a.put(NGINX + "session-cookie-name", "chatchat-webui");
        a.put(NGINX + "session-cookie-max-age", "86400");
      } else {
        // Requests differ wildly in length: send new ones to the least loaded pod.
        a.put(NGINX + "load-balance", "ewma");
      }
    }
    a.putAll(in.annotations);
    return a;
  }

  static Ingress ingress(
      ChatchatCluster cr, String name, String component, IngressSpec.Host host, boolean webui) {
    IngressSpec in = cr.getSpec().ingress;
    String service = name;
    int port = webui ? Defaults.WEBUI_PORT : Defaults.API_PORT;
    List<HTTPIngressPath> paths = new ArrayList<>();
    if (!webui && ApiComponent.singleWriter(cr)) {
      for (String p : WRITER_PATHS) {
        paths.add(path(p, Names.knowledgeBaseWriter(cr), Defaults.API_PORT));
      }
    }
    paths.add(path("/", service, port));
    IngressBuilder b =
        new IngressBuilder()
            .withMetadata(OwnerRefs.owned(cr, name, component))
            .editMetadata()
            .withAnnotations(annotations(in, webui))
            .endMetadata()
            .withNewSpec()
            .withIngressClassName(in.className)
            .addNewRule()
            .withHost(host.host)
            .withNewHttp()
            .withPaths(paths)
            .endHttp()
            .endRule()
            .endSpec();
    if (host.tlsSecretName != null) {
      b.editSpec()
          .addNewTl()
          .withHosts(host.host)
          .withSecretName(host.tlsSecretName)
          .endTl()
          .endSpec();
    }
    return b.build();
  }

  private static HTTPIngressPath path(String path, String service, int port) {
    return new HTTPIngressPathBuilder()
        .withPath(path)
        .withPathType("Prefix")
        .withNewBackend()
        .withNewService()
        .withName(service)
        .withNewPort()
        .withNumber(port)
        .endPort()
        .endService()
        .endBackend()
        .build();
  }

  static HTTPRoute route(
      ChatchatCluster cr, String name, String component, List<String> hostnames, boolean webui) {
    GatewayRouteSpec gw = cr.getSpec().gateway;
    List<ParentReference> parents = new ArrayList<>();
    for (GatewayRouteSpec.ParentRef p : gw.parentRefs) {
      parents.add(
          new ParentReferenceBuilder()
              .withGroup("gateway.networking.k8s.io")
              .withKind("Gateway")
              .withName(p.name)
              .withNamespace(p.namespace)
              .withSectionName(p.sectionName)
              .build());
    }
    List<HTTPRouteRule> rules = new ArrayList<>();
    if (!webui && ApiComponent.singleWriter(cr)) {
      HTTPRouteRuleBuilder writer = rule(gw, Names.knowledgeBaseWriter(cr), Defaults.API_PORT);
      for (String p : WRITER_PATHS) {
        writer.addNewMatch().withNewPath().withType("PathPrefix").withValue(p).endPath().endMatch();
      }
      rules.add(writer.build());
    }
    rules.add(
        rule(gw, name, webui ? Defaults.WEBUI_PORT : Defaults.API_PORT)
            .addNewMatch()
            .withNewPath()
            .withType("PathPrefix")
            .withValue("/")
            .endPath()
            .endMatch()
            .build());
    return new HTTPRouteBuilder()
        .withMetadata(OwnerRefs.owned(cr, name, component))
        .withNewSpec()
        .withParentRefs(parents)
        .withHostnames(hostnames)
        .withRules(rules)
        .endSpec()
        .build();
  }

  private static HTTPRouteRuleBuilder rule(GatewayRouteSpec gw, String service, int port) {
    return new HTTPRouteRuleBuilder()
        .addNewBackendRef()
        .withName(service)
        .withPort(port)
        .endBackendRef()
        .withNewTimeouts()
        .withRequest(gw.requestTimeout)
        .withBackendRequest(gw.backendRequestTimeout)
        .endTimeouts();
  }
}
