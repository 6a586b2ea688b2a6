package io.chatchat.operator.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.HttpUrl;

/**
 * Pod addresses from a JSON file: {@code {"pods": {"<namespace>/<pod>": {"<port>": <hostPort>}}}},
 * each reachable on 127.0.0.1. The embedded local cluster's pod runner writes it for the pods it
 * runs as local processes; the operator reads it when OPERATOR_POD_ADDRESSES_FILE names it, so the
 * quick start and the tests never dial a pod IP. A pod missing from the file has no address yet.
 */
public final class AddressFileResolver implements PodAddressResolver {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;

  public AddressFileResolver(Path file) {
    this.file = file;
  }

  @Override
  public HttpUrl baseUrl(Pod pod, int port) {
    JsonNode hostPort;
    try {
      hostPort =
          JSON.readTree(Files.readString(file))
              .path("pods")
              .path(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName())
              .path(String.valueOf(port));
    } catch (IOException e) {
      return null;
    }
    if (!hostPort.canConvertToInt()) {
      return null;
    }
    return new HttpUrl.Builder().scheme("http").host("127.0.0.1").port(hostPort.asInt()).build();
  }
}
