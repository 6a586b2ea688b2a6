#!/usr/bin/env python3
"""First process of a process-backed pod, inside the pod's own network and mount namespaces.

The pod runner (e2e/src/main/java/io/chatchat/e2e/runner) starts every pod in a bubblewrap sandbox
with a private network namespace: the pod sees only its own loopback interface, so its servers may
bind 0.0.0.0 as in a container and are still reachable from nowhere else. This script is the
bridge, over Unix sockets in the pod's directory (sockets are files, not network endpoints):

  inbound   /pod/net/in-<port>.sock          ->  127.0.0.1:<port> in the pod
  outbound  <ip>:<port> in the pod (a Service) ->  /cluster/svc/<ns>/<svc>/<port>.sock

/etc/hosts in the sandbox maps each Service name to its <ip> (127.10.x.y). The runner's side of the
service sockets picks a Ready pod behind the Service. net.json is re-read every second, so Services
created after the pod started are reachable too.

Then it runs the container's command as a child, passes SIGTERM/SIGINT on, and exits with the
child's exit status (a signal n gives 128+n, as a container runtime reports it).
"""
import asyncio
import json
import os
import signal
import socket
import sys

NET = os.environ.get("POD_NET_CONFIG", "/pod/net/net.json")
listeners = {}


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def bridge(connect):
    async def handle(reader, writer):
        try:
            r2, w2 = await connect()
        except (ConnectionError, OSError):
            writer.close()
            return
        await asyncio.gather(pipe(reader, w2), pipe(r2, writer))

    return handle


async def ensure(key, start):
    if key in listeners:
        return
    try:
        listeners[key] = await start()
    except OSError as e:
        print("pod-init: cannot listen on %s: %s" % (key, e), file=sys.stderr, flush=True)
        listeners[key] = None


async def refresh():
    try:
        with open(NET) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return
    for port in cfg.get("inbound", []):
        path = "/pod/net/in-%d.sock" % port
        if ("in", port) not in listeners and os.path.exists(path):
            os.unlink(path)
        await ensure(("in", port), lambda p=port, s=path: asyncio.start_unix_server(
            bridge(lambda: asyncio.open_connection("127.0.0.1", p)), path=s))
    for out in cfg.get("outbound", []):
        ip, port, sock = out["ip"], out["port"], out["socket"]
        await ensure(("out", ip, port), lambda i=ip, p=port, s=sock: asyncio.start_server(
            bridge(lambda: asyncio.open_unix_connection(s)), host=i, port=p,
            family=socket.AF_INET, reuse_address=True))


async def main(argv):
    await refresh()
    child = await asyncio.create_subprocess_exec(*argv)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda s=sig: child.returncode is None and child.send_signal(s))
    wait = asyncio.ensure_future(child.wait())
    while not wait.done():
        await asyncio.wait([wait], timeout=1)
        await refresh()
    code = wait.result()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        sys.exit("usage: pod_init.py -- COMMAND [ARG...]")
    sys.exit(asyncio.run(main(args)))
