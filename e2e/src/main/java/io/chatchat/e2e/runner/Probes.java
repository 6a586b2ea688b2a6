package io.chatchat.e2e.runner;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a container's probes against its process as the kubelet would: httpGet and tcpSocket through
 * the pod's inbound Unix sockets (the pod's network namespace is its own), exec inside the pod's
 * mount and network namespaces with the container's environment.
 */
final class Probes {
  private Probes() {}

  static int port(Container c, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
      if (port.getStrVal().equals(p.getName())) {
        return p.getContainerPort();
      }
    }
    throw new IllegalArgumentException("no container port named " + port.getStrVal());
  }

  /** True when the probe passes. */
  static boolean run(Probe probe, Container c, Path netDir, long initPid, Map<String, String> env) {
    int timeout = probe.getTimeoutSeconds() == null ? 1 : probe.getTimeoutSeconds();
    try {
      if (probe.getHttpGet() != null) {
        return http(
            netDir.resolve("in-" + port(c, probe.getHttpGet().getPort()) + ".sock"),
            probe.getHttpGet().getPath() == null ? "/" : probe.getHttpGet().getPath(),
            timeout);
      }
      if (probe.getTcpSocket() != null) {
        return tcp(netDir.resolve("in-" + port(c, probe.getTcpSocket().getPort()) + ".sock"));
      }
      if (probe.getExec() != null) {
        return exec(initPid, env, probe.getExec().getCommand(), timeout) == 0;
      }
    } catch (IOException e) {
      return false;
    }
    return true;
  }

  static boolean http(Path socket, String path, int timeoutSeconds) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(
          ByteBuffer.wrap(
              ("GET "
                      + path
                      + " HTTP/1.0\r\nHost: localhost\r\n"
                      + "User-Agent: kube-probe/1.34\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      String status = readLine(ch, timeoutSeconds * 1000L);
      if (status == null || !status.startsWith("HTTP/")) {
        return false;
      }
      int code = Integer.parseInt(status.split(" ")[1]);
      return code >= 200 && code < 400;
    }
  }

  /** The bridge accepts at once and closes when nothing listens behind it: wait for either. */
  static boolean tcp(Path socket) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      long until = System.currentTimeMillis() + 400;
      ch.configureBlocking(false);
      ByteBuffer b = ByteBuffer.allocate(64);
      while (System.currentTimeMillis() < until) {
        int n = ch.read(b);
        if (n < 0) {
          return false;
        }
        if (n > 0) {
          return true;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  private static String readLine(SocketChannel ch, long timeoutMillis) throws IOException {
    ch.configureBlocking(false);
    long until = System.currentTimeMillis() + timeoutMillis;
    ByteBuffer b = ByteBuffer.allocate(1024);
    while (System.currentTimeMillis() < until) {
      int n = ch.read(b);
      if (n < 0) {
        break;
      }
      String s = new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1);
      int nl = s.indexOf("\r\n");
      if (nl >= 0) {
        return s.substring(0, nl);
      }
      if (n == 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    }
    return null;
  }

  /** Runs a command inside the pod (nsenter into the mount and network namespaces). */
  static int exec(long initPid, Map<String, String> env, List<String> command, int timeoutSeconds)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "nsenter",
                "-t",
                String.valueOf(initPid),
                "-m",
                "-n",
                "-u",
                "-i",
                "-r",
                "-w",
                "--",
                "/usr/bin/env",
                "-i"));
    for (Map.Entry<String, String> e : env.entrySet()) {
      cmd.add(e.getKey() + "=" + e.getValue());
    }
    cmd.addAll(command);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      if (!p.waitFor(Math.max(1, timeoutSeconds), TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return -1;
    }
  }
}
