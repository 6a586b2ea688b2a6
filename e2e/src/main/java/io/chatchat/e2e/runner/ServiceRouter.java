package io.chatchat.e2e.runner;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Services between process-backed pods, in place of kube-proxy. Each Service port gets a Unix
 * socket under the runner's state (pods reach it through their /etc/hosts name and pod_init.py) and
 * a TCP port on 127.0.0.1 (for tests and tools); a connection goes to a Ready pod of this runner
 * that the Service selects, round robin per Service, unless a fault test partitioned it. Pods
 * elsewhere (kwok's fake ones) are never reached.
 */
final class ServiceRouter {
  private final PodRunner runner;
  private final Path svcDir;
  private final Map<String, Route> routes = new ConcurrentHashMap<>();
  private final Map<String, String> ips = new ConcurrentHashMap<>();
  private final AtomicInteger nextIp = new AtomicInteger();

  record Route(
      Service service, List<ServerSocketChannel> sockets, Map<Integer, ServerSocket> tcp) {}

  ServiceRouter(PodRunner runner, Path svcDir) {
    this.runner = runner;
    this.svcDir = svcDir;
  }

  static String key(Service s) {
    return s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
  }

  /** The loopback address a Service's name resolves to inside pods (127.10.0.1 and up). */
  String ip(String key) {
    return ips.computeIfAbsent(
        key,
        k -> {
          int n = nextIp.incrementAndGet();
          return "127.10." + (n / 250) + "." + (n % 250 + 1);
        });
  }

  Path socket(Service s, int port) {
    String id = key(s) + ":" + port;
    return svcDir.resolve(
        java.util
                .UUID
                .nameUUIDFromBytes(id.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString()
                .substring(0, 13)
            + ".sock");
  }

  Map<String, Route> routes() {
    return routes;
  }

  synchronized void upsert(Service s) {
    if (s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty()) {
      return; // endpoints managed by someone else (the apiserver's own "kubernetes"): not ours
    }
    Route old = routes.get(key(s));
    if (old != null && old.service().getSpec().getPorts().equals(s.getSpec().getPorts())) {
      routes.put(key(s), new Route(s, old.sockets(), old.tcp()));
      return;
    }
    remove(s);
    List<ServerSocketChannel> sockets = new ArrayList<>();
    Map<Integer, ServerSocket> tcp = new ConcurrentHashMap<>();
    for (ServicePort p : s.getSpec().getPorts()) {
      try {
        sockets.add(
            Pipes.unixToUnix("svc-" + key(s), socket(s, p.getPort()), () -> pick(key(s), p)));
        tcp.put(p.getPort(), Pipes.tcpToUnix("svc-tcp-" + key(s), () -> pick(key(s), p)));
      } catch (IOException e) {
        System.err.println("[pod-runner] cannot route " + key(s) + ":" + p.getPort() + ": " + e);
      }
    }
    ip(key(s));
    routes.put(key(s), new Route(s, sockets, tcp));
  }

  synchronized void remove(Service s) {
    Route r = routes.remove(key(s));
    if (r == null) {
      return;
    }
    for (ServerSocketChannel c : r.sockets()) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    for (ServerSocket c : r.tcp().values()) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  /**
   * Round robin per Service (as kube-proxy's IPVS mode does; its iptables mode picks at random).
   * One counter for all Services would hand a pod calling two Services in turn the same backend of
   * the second every time.
   */
  private final Map<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();

  /** The inbound socket of a Ready pod behind the Service port, or null. */
  private Path pick(String key, ServicePort port) {
    Route r = routes.get(key);
    if (r == null || r.service().getSpec().getSelector() == null) {
      return null;
    }
    Service s = r.service();
    boolean notReady = Boolean.TRUE.equals(s.getSpec().getPublishNotReadyAddresses());
    List<PodProcess> backends = new ArrayList<>();
    for (PodProcess p : runner.pods()) {
      var meta = p.pod().getMetadata();
      if (meta.getNamespace().equals(s.getMetadata().getNamespace())
          && meta.getLabels() != null
          && meta.getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet())
          && (notReady || p.ready())
          && !p.partitioned()) {
        backends.add(p);
      }
    }
    if (backends.isEmpty()) {
      return null;
    }
    int turn = roundRobin.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
    PodProcess p = backends.get(Math.floorMod(turn, backends.size()));
    int target = targetPort(p, port);
    return p.net.resolve("in-" + target + ".sock");
  }

  private static int targetPort(PodProcess p, ServicePort port) {
    IntOrString t = port.getTargetPort();
    if (t == null) {
      return port.getPort();
    }
    if (t.getIntVal() != null) {
      return t.getIntVal();
    }
    for (var c : p.pod().getSpec().getContainers()) {
      for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
        if (t.getStrVal().equals(cp.getName())) {
          return cp.getContainerPort();
        }
      }
    }
    return port.getPort();
  }
}
