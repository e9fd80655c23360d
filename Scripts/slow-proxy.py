#!/usr/bin/env python3
"""A TCP proxy that answers slowly on purpose, for tests of deadlines and timeouts.

Listens on 127.0.0.1 on a free port, which it prints (alone, on one line) to standard output
once it listens. Exits when its standard input reaches end of file (so it never outlives the
test process that started it) or on SIGTERM. Only the Python standard library is used.

  slow-proxy.py --upstream HOST:PORT --delay SECONDS

Every connection accepted is forwarded to HOST:PORT (a new upstream connection per client
connection, one thread per direction). Bytes from the client go upstream at once. Bytes from
upstream are held back: when upstream starts answering, the proxy waits SECONDS (a float, 0
for none) before it forwards the first byte, then streams everything that upstream sent and
sends, without further delay, until the client speaks again. The delay is armed again by every
piece of data the client sends, so each response on a kept-alive HTTP/1.1 connection is
delayed, not only the first one of the connection. Data that upstream sends unprompted (before
the client has said anything) is delayed too.

End of stream is passed on in both directions (a half-close becomes a half-close); a refused
upstream connection closes the client connection without a byte. Nothing is logged on standard
output after the port; errors go to standard error.
"""

import argparse
import signal
import socket
import sys
import threading
import time

CHUNK = 64 * 1024


def parse_upstream(text):
    """HOST:PORT (HOST may be [IPv6]) -> (host, port)."""
    host, separator, port = text.rpartition(":")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"--upstream must be HOST:PORT, not {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host, int(port)


def parse_delay(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--delay must be a number of seconds, not {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--delay must be a finite number of seconds >= 0, not {text!r}")
    return value


class Connection:
    """One client connection and its upstream connection."""

    def __init__(self, client, upstream, delay):
        self.client = client
        self.upstream = upstream
        self.delay = delay
        self.lock = threading.Lock()
        # Whether the next bytes from upstream start a response (and so wait for the delay).
        self.armed = True
        self.open_directions = 2

    def start(self):
        threading.Thread(target=self.client_to_upstream, daemon=True).start()
        threading.Thread(target=self.upstream_to_client, daemon=True).start()

    def client_to_upstream(self):
        try:
            while True:
                data = self.client.recv(CHUNK)
                if not data:
                    break
                with self.lock:
                    self.armed = True
                self.upstream.sendall(data)
        except OSError:
            pass
        finally:
            shutdown(self.upstream, socket.SHUT_WR)
            self.finished()

    def upstream_to_client(self):
        try:
            while True:
                data = self.upstream.recv(CHUNK)
                if not data:
                    break
                with self.lock:
                    wait = self.armed
                    self.armed = False
                if wait and self.delay > 0:
                    time.sleep(self.delay)
                self.client.sendall(data)
        except OSError:
            pass
        finally:
            shutdown(self.client, socket.SHUT_WR)
            self.finished()

    def finished(self):
        with self.lock:
            self.open_directions -= 1
            last = self.open_directions == 0
        if last:
            for connection in (self.client, self.upstream):
                try:
                    connection.close()
                except OSError:
                    pass


def shutdown(connection, how):
    try:
        connection.shutdown(how)
    except OSError:
        pass


def serve(listener, upstream, delay):
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return  # the listener was closed: shutting down
        try:
            server = socket.create_connection(upstream, timeout=10)
            server.settimeout(None)
        except OSError as error:
            print(f"slow-proxy: cannot connect to {upstream[0]}:{upstream[1]}: {error}", file=sys.stderr, flush=True)
            client.close()
            continue
        for connection in (client, server):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        Connection(client, server, delay).start()


def main():
    parser = argparse.ArgumentParser(description="A TCP proxy that delays each response from upstream.")
    parser.add_argument("--upstream", required=True, type=parse_upstream, help="HOST:PORT to forward to")
    parser.add_argument("--delay", required=True, type=parse_delay, help="seconds to hold each response back")
    arguments = parser.parse_args()

    def terminate(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    threading.Thread(target=serve, args=(listener, arguments.upstream, arguments.delay), daemon=True).start()
    print(listener.getsockname()[1], flush=True)
    try:
        # Until the test process closes our standard input (or dies); SIGTERM interrupts this.
        while sys.stdin.buffer.read(CHUNK):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()


if __name__ == "__main__":
    main()
