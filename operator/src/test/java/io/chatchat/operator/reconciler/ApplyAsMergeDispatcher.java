package io.chatchat.operator.reconciler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.List;

/**
 * The fabric8 CRUD mock server, which has no server-side apply, with an apply answered as a create
 * (object missing) or as a JSON patch that sets each applied top-level field (object present; the
 * mock server's merge patch would concatenate lists). Only for wiring tests: it knows nothing of
 * field managers, ownership or conflicts, which the e2e tests check on a real kube-apiserver.
 */
final class ApplyAsMergeDispatcher extends KubernetesCrudDispatcher {
  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    if ("GET".equals(request.getMethod()) && path.equals("/version")) {
      return new MockResponse()
          .setResponseCode(200)
          .setBody("{\"major\":\"1\",\"minor\":\"34\",\"gitVersion\":\"v1.34.0\"}");
    }
    String type = request.getHeader("Content-Type");
    if (!"PATCH".equals(request.getMethod()) || type == null || !type.contains("apply-patch")) {
      return super.dispatch(request);
    }
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    boolean status = bare.endsWith("/status");
    JsonNode body = Serialization.unmarshal(request.getUtf8Body(), JsonNode.class);
    if (handleGet(bare.replaceAll("/status$", "")).code() == 200) {
      return super.dispatch(
          request(HttpMethod.PATCH, bare, "application/json-patch+json", setFields(body, status)));
    }
    if (status) {
      return new MockResponse().setResponseCode(404);
    }
    return super.dispatch(
        request(
            HttpMethod.POST,
            bare.substring(0, bare.lastIndexOf('/')),
            "application/json",
            body.toString()));
  }

  private static RecordedRequest request(
      HttpMethod method, String path, String contentType, String body) {
    return new RecordedRequest(
        "HTTP/1.1",
        method,
        path,
        Headers.builder().add("Content-Type", contentType).build(),
        new Buffer().writeUtf8(body));
  }

  /** JSON patch ops that set the applied fields: the status alone, or the rest. */
  private static String setFields(JsonNode body, boolean status) {
    ArrayNode ops = JsonNodeFactory.instance.arrayNode();
    body.fields()
        .forEachRemaining(
            f -> {
              boolean wanted =
                  status
                      ? f.getKey().equals("status")
                      : !List.of("apiVersion", "kind", "metadata", "status").contains(f.getKey());
              if (wanted) {
                ops.addObject()
                    .put("op", "add")
                    .put("path", "/" + f.getKey())
                    .set("value", f.getValue());
              }
            });
    JsonNode meta = body.get("metadata");
    for (String field : List.of("labels", "annotations", "ownerReferences")) {
      if (!status && meta != null && meta.has(field)) {
        ops.addObject()
            .put("op", "add")
            .put("path", "/metadata/" + field)
            .set("value", meta.get(field));
      }
    }
    return ops.toString();
  }
}
