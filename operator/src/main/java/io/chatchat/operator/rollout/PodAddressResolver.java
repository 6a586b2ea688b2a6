package io.chatchat.operator.rollout;

import io.fabric8.kubernetes.api.model.Pod;
import okhttp3.HttpUrl;

/**
 * Where the operator reaches one pod over HTTP. In a cluster that is the pod's IP; tests point it
 * at stub servers on 127.0.0.1, so the operator's real gate code runs over real sockets while fake
 * pod IPs are never dialled.
 */
@FunctionalInterface
public interface PodAddressResolver {

  /** The base URL of {@code port} on {@code pod}, or null when the pod has no address yet. */
  HttpUrl baseUrl(Pod pod, int port);

  /** The pod's own IP: what the operator uses inside a cluster. */
  PodAddressResolver POD_IP =
      (pod, port) -> {
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        if (ip == null || ip.isBlank()) {
          return null;
        }
        return new HttpUrl.Builder().scheme("http").host(ip).port(port).build();
      };
}
