package io.chatchat.e2e.runner;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/** Byte pipes between TCP on 127.0.0.1 and Unix sockets: the runner's side of the pod network. */
final class Pipes {
  private Pipes() {}

  /** Connects to a Unix socket. */
  static SocketChannel unix(Path socket) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    return ch;
  }

  /** Listens on 127.0.0.1 (a free port) and pipes each connection to the socket {@code target}. */
  static ServerSocket tcpToUnix(String name, Supplier<Path> target) throws IOException {
    ServerSocket server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    daemon(
        name,
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              Path t = target.get();
              if (t == null) {
                s.close();
                continue;
              }
              SocketChannel ch = unix(t);
              pump(Channels.newChannel(s.getInputStream()), ch, s, ch);
              pump(ch, Channels.newChannel(s.getOutputStream()), s, ch);
            } catch (IOException e) {
              // a refused connection or a closed server: next one
            }
          }
        });
    return server;
  }

  /** Listens on a Unix socket and pipes each connection to the socket {@code target} chooses. */
  static ServerSocketChannel unixToUnix(String name, Path socket, Supplier<Path> target)
      throws IOException {
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    daemon(
        name,
        () -> {
          while (server.isOpen()) {
            try {
              SocketChannel in = server.accept();
              Path t = target.get();
              if (t == null) {
                in.close();
                continue;
              }
              try {
                SocketChannel out = unix(t);
                pump(in, out, in, out);
                pump(out, in, in, out);
              } catch (IOException e) {
                in.close();
              }
            } catch (IOException e) {
              // closed
            }
          }
        });
    return server;
  }

  /**
   * Copies until end of stream. Channel reads and writes, not Channels.newInputStream/OutputStream:
   * those hold the channel's blocking lock while they block, so a read would stall the other
   * direction's write.
   */
  private static void pump(
      ReadableByteChannel in, WritableByteChannel out, AutoCloseable a, AutoCloseable b) {
    daemon(
        "pipe",
        () -> {
          ByteBuffer buf = ByteBuffer.allocate(65536);
          try {
            while (in.read(buf) >= 0) {
              buf.flip();
              while (buf.hasRemaining()) {
                out.write(buf);
              }
              buf.clear();
            }
          } catch (IOException ignored) {
            // peer closed
          } finally {
            close(a);
            close(b);
          }
        });
  }

  private static void close(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already closed
    }
  }

  static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }
}
