package io.chatchat.e2e.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet of one node of the local cluster whose pods are real local processes (see e2e/README
 * section "Process-backed pods"). It registers the node, renews its Lease, runs every pod the
 * scheduler binds to it in a sandbox ({@link PodSandbox}), reports the pod status from the process
 * and its probes, and routes Services between its pods ({@link ServiceRouter}).
 *
 * <p>Where each pod port and Service port is reachable on 127.0.0.1 is written to {@code
 * <state>/addresses.json}, which the operator's pod-address resolver and the tests read.
 */
public final class PodRunner implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final String NODE_LABEL = "chatchat.io/process-node";

  final KubernetesClient client;
  final String nodeName;

  /** The pods' hostIP: a documentation address, never dialled. */
  final String nodeIp = "203.0.113.250";

  /**
   * The node's own address: kwok serves the kubelet API of every node on 127.0.0.1, and the API
   * server dials this address for `kubectl logs` and `kubectl port-forward`.
   */
  static final String KUBELET_ADDRESS = "127.0.0.1";

  final Runtimes runtimes;
  final Path state;
  final Path claimsDir;
  final Path svcDir;

  /** Short directory for Unix sockets (a socket path has at most 108 bytes). */
  final Path sockets;

  final Path podInit;
  final Path python;
  private final ServiceRouter router;
  private final Map<String, PodProcess> pods = new ConcurrentHashMap<>();
  private final Map<String, Map<Integer, ServerSocket>> podPorts = new ConcurrentHashMap<>();
  private final BitSet ipsInUse = new BitSet();
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
  private final List<AutoCloseable> informers = new ArrayList<>();

  public PodRunner(
      KubernetesClient client,
      String nodeName,
      Path state,
      Path runtimeDir,
      Path chatchatVenv,
      Path driverlessVenv,
      Path milvusVenv,
      Path litellmVenv,
      Path valkeyDir)
      throws IOException {
    this.client = client;
    this.nodeName = nodeName;
    this.state = state;
    this.claimsDir = state.resolve("claims");
    this.sockets = Files.createTempDirectory(Path.of("/tmp"), "podrunner-");
    this.svcDir = sockets.resolve("s");
    this.podInit = runtimeDir.resolve("pod_init.py");
    this.runtimes =
        new Runtimes(runtimeDir, chatchatVenv, driverlessVenv, milvusVenv, litellmVenv, valkeyDir);
    this.python = runtimes.initPython();
    Files.createDirectories(svcDir);
    Files.createDirectories(claimsDir);
    Files.createDirectories(state.resolve("pods"));
    this.router = new ServiceRouter(this, svcDir);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(Path.of(a.get("kubeconfig")))))
            .build();
    PodRunner runner =
        new PodRunner(
            client,
            a.getOrDefault("node", "proc-0"),
            Path.of(a.get("state")),
            Path.of(a.get("runtime-dir")),
            Path.of(a.get("chatchat-venv")),
            Path.of(a.get("driverless-venv")),
            Path.of(a.get("milvus-venv")),
            a.containsKey("litellm-venv") ? Path.of(a.get("litellm-venv")) : null,
            a.containsKey("valkey-dir") ? Path.of(a.get("valkey-dir")) : null);
    Runtime.getRuntime().addShutdownHook(new Thread(runner::close, "pod-runner-stop"));
    runner.start(Boolean.parseBoolean(a.getOrDefault("taint", "false")));
    Thread.currentThread().join();
  }

  /** Registers the node and starts running its pods. */
  public void start(boolean taint) {
    System.err.println("[pod-runner] node " + nodeName + "; image substitutions:");
    runtimes.substitutions().forEach(s -> System.err.println("[pod-runner]   " + s));
    registerNode(taint);
    timers.scheduleAtFixedRate(this::renewLease, 0, 10, TimeUnit.SECONDS);
    timers.scheduleAtFixedRate(this::heartbeat, 20, 20, TimeUnit.SECONDS);
    informers.add(
        client
            .services()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Service s) {
                    router.upsert(s);
                    networkChanged();
                  }

                  @Override
                  public void onUpdate(Service o, Service s) {
                    router.upsert(s);
                  }

                  @Override
                  public void onDelete(Service s, boolean unknown) {
                    router.remove(s);
                    networkChanged();
                  }
                }));
    informers.add(
        client
            .pods()
            .inAnyNamespace()
            .withField("spec.nodeName", nodeName)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod p) {
                    sync(p);
                  }

                  @Override
                  public void onUpdate(Pod o, Pod p) {
                    sync(p);
                  }

                  @Override
                  public void onDelete(Pod p, boolean unknown) {
                    PodProcess proc = pods.remove(p.getMetadata().getUid());
                    if (proc != null) {
                      Pipes.daemon("stop", () -> stopped(proc, 0));
                    }
                  }
                }));
    writeAddresses();
  }

  /** Signals every process of a pod this runner runs (fault tests); false when it runs none. */
  public boolean signal(String namespace, String pod, String signal) throws IOException {
    PodProcess p = find(namespace, pod);
    if (p != null) {
      p.signalAll(signal);
    }
    return p != null;
  }

  /**
   * Partitions a pod from the network, or heals it (fault tests): while cut off, new connections to
   * it through its Services or its pod ports are refused, as when a node drops off the network; the
   * process itself runs on and its probes (which run inside the pod) still pass. False when this
   * runner runs no such pod.
   */
  public boolean partition(String namespace, String pod, boolean cutOff) {
    PodProcess p = find(namespace, pod);
    if (p != null) {
      p.partition(cutOff);
    }
    return p != null;
  }

  private PodProcess find(String namespace, String pod) {
    for (PodProcess p : pods.values()) {
      if (p.pod().getMetadata().getNamespace().equals(namespace)
          && p.pod().getMetadata().getName().equals(pod)) {
        return p;
      }
    }
    return null;
  }

  Collection<PodProcess> pods() {
    return pods.values();
  }

  private void sync(Pod p) {
    String uid = p.getMetadata().getUid();
    if (p.getMetadata().getDeletionTimestamp() != null) {
      PodProcess proc = pods.remove(uid);
      long grace =
          p.getMetadata().getDeletionGracePeriodSeconds() == null
              ? 30
              : p.getMetadata().getDeletionGracePeriodSeconds();
      Pipes.daemon(
          "stop",
          () -> {
            if (proc != null) {
              stopped(proc, grace);
            }
            try {
              client
                  .pods()
                  .inNamespace(p.getMetadata().getNamespace())
                  .withName(p.getMetadata().getName())
                  .withGracePeriod(0)
                  .delete();
            } catch (KubernetesClientException ignored) {
              // already gone
            }
          });
      return;
    }
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    if (pods.containsKey(uid) || "Succeeded".equals(phase) || "Failed".equals(phase)) {
      return;
    }
    Path dir =
        state
            .resolve("pods")
            .resolve(
                p.getMetadata().getNamespace()
                    + "_"
                    + p.getMetadata().getName()
                    + "_"
                    + uid.substring(0, 8));
    PodProcess proc = new PodProcess(this, p, dir, allocateIp(), status -> writeStatus(p, status));
    pods.put(uid, proc);
    Thread t = new Thread(proc);
    t.setDaemon(true);
    t.start();
  }

  private void stopped(PodProcess proc, long grace) {
    proc.stop(grace);
    Map<Integer, ServerSocket> ports = podPorts.remove(proc.pod().getMetadata().getUid());
    if (ports != null) {
      ports
          .values()
          .forEach(
              s -> {
                try {
                  s.close();
                } catch (IOException ignored) {
                  // closing
                }
              });
    }
    releaseIp(proc.podIp);
    writeAddresses();
  }

  private synchronized String allocateIp() {
    int n = ipsInUse.nextClearBit(10);
    ipsInUse.set(n);
    return "192.0.2." + n;
  }

  private synchronized void releaseIp(String ip) {
    ipsInUse.clear(Integer.parseInt(ip.substring(ip.lastIndexOf('.') + 1)));
  }

  private void writeStatus(Pod p, Map<String, Object> status) {
    try {
      client
          .pods()
          .inNamespace(p.getMetadata().getNamespace())
          .withName(p.getMetadata().getName())
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              // The uid makes the patch fail on a new pod of the same name (a StatefulSet's).
              JSON.writeValueAsString(
                  Map.of("metadata", Map.of("uid", p.getMetadata().getUid()), "status", status)));
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && e.getCode() != 409 && e.getCode() != 422) {
        System.err.println(
            "[pod-runner] status of " + p.getMetadata().getName() + ": " + e.getMessage());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a pod's /etc/hosts and net.json, and opens its ports on 127.0.0.1. */
  void writeNetwork(PodProcess proc) throws IOException {
    Pod pod = proc.pod();
    String ns = pod.getMetadata().getNamespace();
    StringBuilder hosts =
        new StringBuilder("127.0.0.1\tlocalhost " + pod.getMetadata().getName() + "\n");
    List<Map<String, Object>> outbound = new ArrayList<>();
    for (ServiceRouter.Route r : router.routes().values()) {
      Service s = r.service();
      String name = s.getMetadata().getName();
      String sns = s.getMetadata().getNamespace();
      String ip = router.ip(ServiceRouter.key(s));
      hosts
          .append(ip)
          .append('\t')
          .append(name)
          .append('.')
          .append(sns)
          .append(".svc.cluster.local ")
          .append(name)
          .append('.')
          .append(sns)
          .append(".svc ")
          .append(name)
          .append('.')
          .append(sns);
      if (sns.equals(ns)) {
        hosts.append(' ').append(name);
      }
      hosts.append('\n');
      for (var port : s.getSpec().getPorts()) {
        // A listener on <ip>:<port> would keep the pod's own server from binding 0.0.0.0:<port>:
        // a pod reaches no Service on a port it serves itself (its own Service is localhost).
        if (proc.inboundPorts().contains(port.getPort())) {
          continue;
        }
        outbound.add(
            Map.of(
                "ip",
                ip,
                "port",
                port.getPort(),
                "socket",
                PodSandbox.CLUSTER_SVC + "/" + router.socket(s, port.getPort()).getFileName()));
      }
    }
    // Rewritten in place: the sandbox binds this very file.
    Files.writeString(proc.dir.resolve("hosts"), hosts.toString());
    Map<String, Object> net =
        Map.of("inbound", new ArrayList<>(proc.inboundPorts()), "outbound", outbound);
    Files.writeString(proc.net.resolve("net.json"), JSON.writeValueAsString(net));
    Map<Integer, ServerSocket> ports =
        podPorts.computeIfAbsent(pod.getMetadata().getUid(), k -> new ConcurrentHashMap<>());
    for (int port : proc.inboundPorts()) {
      if (!ports.containsKey(port)) {
        Path sock = proc.net.resolve("in-" + port + ".sock");
        ports.put(port, Pipes.tcpToUnix("pod-tcp", () -> proc.partitioned() ? null : sock));
      }
    }
    writeAddresses();
    publishDebugging(proc, ports);
  }

  /**
   * kwok's Logs and PortForward objects for the pod (named like it, owned by it): `kubectl logs`
   * reads the process's log file, `kubectl port-forward` reaches its ports on 127.0.0.1.
   */
  private void publishDebugging(PodProcess proc, Map<Integer, ServerSocket> ports) {
    Pod pod = proc.pod();
    List<Map<String, Object>> forwards = new ArrayList<>();
    ports.forEach(
        (port, server) ->
            forwards.add(
                Map.of(
                    "ports",
                    List.of(port),
                    "target",
                    Map.of("address", "127.0.0.1", "port", server.getLocalPort()))));
    Map<String, Object> owner =
        Map.of(
            "apiVersion",
            "v1",
            "kind",
            "Pod",
            "name",
            pod.getMetadata().getName(),
            "uid",
            pod.getMetadata().getUid());
    for (Map<String, Object> spec :
        List.of(
            Map.<String, Object>of(
                "kind", "Logs", "logs", List.of(Map.of("logsFile", proc.logFile().toString()))),
            Map.<String, Object>of("kind", "PortForward", "forwards", forwards))) {
      Map<String, Object> body = new LinkedHashMap<>(spec);
      String kind = (String) body.remove("kind");
      var resource = new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
      resource.setApiVersion("kwok.x-k8s.io/v1alpha1");
      resource.setKind(kind);
      resource.setMetadata(
          new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
              .withName(pod.getMetadata().getName())
              .withNamespace(pod.getMetadata().getNamespace())
              .withOwnerReferences(
                  JSON.convertValue(owner, io.fabric8.kubernetes.api.model.OwnerReference.class))
              .build());
      resource.setAdditionalProperty("spec", body);
      try {
        client.resource(resource).fieldManager("pod-runner").forceConflicts().serverSideApply();
      } catch (KubernetesClientException e) {
        System.err.println(
            "[pod-runner] " + kind + " of " + pod.getMetadata().getName() + ": " + e.getMessage());
      }
    }
  }

  private void networkChanged() {
    for (PodProcess p : pods.values()) {
      try {
        if (Files.exists(p.dir.resolve("hosts"))) {
          writeNetwork(p);
        }
      } catch (IOException e) {
        System.err.println("[pod-runner] network of " + p.pod().getMetadata().getName() + ": " + e);
      }
    }
    writeAddresses();
  }

  /** {"pods": {"ns/name": {"port": hostPort}}, "services": {"ns/name": {"port": hostPort}}}. */
  synchronized void writeAddresses() {
    Map<String, Object> podsOut = new TreeMap<>();
    for (PodProcess p : pods.values()) {
      Map<Integer, ServerSocket> ports = podPorts.get(p.pod().getMetadata().getUid());
      if (ports != null) {
        Map<String, Integer> m = new TreeMap<>();
        ports.forEach((k, v) -> m.put(String.valueOf(k), v.getLocalPort()));
        podsOut.put(
            p.pod().getMetadata().getNamespace() + "/" + p.pod().getMetadata().getName(), m);
      }
    }
    Map<String, Object> svcOut = new TreeMap<>();
    router
        .routes()
        .forEach(
            (k, r) -> {
              Map<String, Integer> m = new TreeMap<>();
              r.tcp().forEach((port, s) -> m.put(String.valueOf(port), s.getLocalPort()));
              svcOut.put(k, m);
            });
    try {
      Path tmp = state.resolve("addresses.json.tmp");
      Files.writeString(
          tmp,
          JSON.writerWithDefaultPrettyPrinter()
              .writeValueAsString(Map.of("pods", podsOut, "services", svcOut)));
      Files.move(
          tmp,
          state.resolve("addresses.json"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      System.err.println("[pod-runner] addresses: " + e);
    }
  }

  // ---- the node ----

  private void registerNode(boolean taint) {
    NodeBuilder nb =
        new NodeBuilder()
            .withNewMetadata()
            .withName(nodeName)
            .addToLabels("kubernetes.io/hostname", nodeName)
            .addToLabels("kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", "amd64")
            .addToLabels(NODE_LABEL, "true")
            .addToLabels("type", "process")
            .endMetadata()
            .withNewSpec()
            .endSpec();
    if (taint) {
      nb.editSpec()
          .addNewTaint()
          .withKey(NODE_LABEL)
          .withValue("true")
          .withEffect("NoSchedule")
          .endTaint()
          .endSpec();
    }
    Node node = nb.build();
    client.nodes().resource(node).fieldManager("pod-runner").forceConflicts().serverSideApply();
    heartbeat();
  }

  private void heartbeat() {
    try {
      String now = ZonedDateTime.now().format(DateTimeFormatter.ISO_INSTANT);
      Map<String, Object> cap = Map.of("cpu", "16", "memory", "64Gi", "pods", "110");
      List<Map<String, Object>> conditions = new ArrayList<>();
      for (String[] c :
          new String[][] {
            {"Ready", "True", "KubeletReady", "pod runner is posting ready status"},
            {"MemoryPressure", "False", "KubeletHasSufficientMemory", ""},
            {"DiskPressure", "False", "KubeletHasNoDiskPressure", ""},
            {"PIDPressure", "False", "KubeletHasSufficientPID", ""}
          }) {
        conditions.add(
            Map.of(
                "type",
                c[0],
                "status",
                c[1],
                "reason",
                c[2],
                "message",
                c[3],
                "lastHeartbeatTime",
                now,
                "lastTransitionTime",
                now));
      }
      Map<String, Object> status =
          Map.of(
              "capacity",
              cap,
              "allocatable",
              cap,
              "conditions",
              conditions,
              "addresses",
              List.of(Map.of("type", "InternalIP", "address", KUBELET_ADDRESS)),
              "nodeInfo",
              Map.of(
                  "kubeletVersion",
                  "v1.34.4-pod-runner",
                  "containerRuntimeVersion",
                  "bubblewrap://local",
                  "operatingSystem",
                  "linux",
                  "architecture",
                  "amd64",
                  "osImage",
                  "process-backed pods",
                  "kernelVersion",
                  "",
                  "kubeProxyVersion",
                  "",
                  "machineID",
                  "",
                  "systemUUID",
                  "",
                  "bootID",
                  ""));
      client
          .nodes()
          .withName(nodeName)
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              JSON.writeValueAsString(Map.of("status", status)));
    } catch (Exception e) {
      System.err.println("[pod-runner] node status: " + e.getMessage());
    }
  }

  private void renewLease() {
    try {
      String now =
          ZonedDateTime.now()
              .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"));
      Lease lease =
          new LeaseBuilder()
              .withNewMetadata()
              .withName(nodeName)
              .withNamespace("kube-node-lease")
              .endMetadata()
              .withNewSpec()
              .withHolderIdentity(nodeName)
              .withLeaseDurationSeconds(40)
              .withRenewTime(ZonedDateTime.now())
              .endSpec()
              .build();
      client
          .leases()
          .inNamespace("kube-node-lease")
          .resource(lease)
          .fieldManager("pod-runner")
          .forceConflicts()
          .serverSideApply();
    } catch (Exception e) {
      System.err.println("[pod-runner] lease: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    timers.shutdownNow();
    for (AutoCloseable i : informers) {
      try {
        i.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    List<Thread> stops = new ArrayList<>();
    for (PodProcess p : pods.values()) {
      Thread t = new Thread(() -> p.stop(5));
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(sockets)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // best effort: a directory under /tmp
    }
  }
}
