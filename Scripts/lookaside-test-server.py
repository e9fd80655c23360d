#!/usr/bin/env python3
"""A small HTTP server for the CustodyStores lookaside tests.

Serves the files under --root on 127.0.0.1, on a free port that it prints (alone, on one line)
to standard output once it listens. It exits when its standard input reaches end of file (so it
never outlives the test process that started it) or on SIGTERM.

Options, each repeatable, match request paths by prefix (the first matching rule wins):
  --status PREFIX=CODE     answer CODE with an empty body (e.g. /forbidden/=403; PREFIX
                           may itself contain "=", the last one separates the CODE)
  --redirect PREFIX=TARGET answer 302 with Location TARGET + the rest of the path
  --redirect-loop PREFIX   answer 302 to the same path (a redirect cycle)
  --redirect-chain PREFIX  answer 302 to the path + "/again" (an endless chain of distinct URLs)
  --no-length PREFIX       serve the file at the path without PREFIX, with no Content-Length
                           (the body ends when the connection closes), to exercise limits
                           checked while streaming
Everything else is served from --root as files; a missing file is 404.
"""

import argparse
import http.server
import os
import shutil
import sys
import threading


def parse_pairs(values, what, split_at_last=False):
    pairs = []
    for value in values:
        prefix, sep, rest = value.rpartition("=") if split_at_last else value.partition("=")
        if not sep or not prefix.startswith("/"):
            sys.exit(f"bad {what} {value!r}: expected /PREFIX=VALUE")
        pairs.append((prefix, rest))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", required=True)
    parser.add_argument("--status", action="append", default=[])
    parser.add_argument("--redirect", action="append", default=[])
    parser.add_argument("--redirect-loop", action="append", default=[])
    parser.add_argument("--redirect-chain", action="append", default=[])
    parser.add_argument("--no-length", action="append", default=[])
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    root = os.path.realpath(args.root)
    statuses = [(prefix, int(code)) for prefix, code in parse_pairs(args.status, "--status", split_at_last=True)]
    redirects = parse_pairs(args.redirect, "--redirect")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *handler_args, **kwargs):
            super().__init__(*handler_args, directory=root, **kwargs)

        def log_message(self, format, *log_args):
            if args.verbose:
                super().log_message(format, *log_args)

        def answer(self, code, headers=()):
            self.send_response(code)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            for prefix, code in statuses:
                if path.startswith(prefix):
                    return self.answer(code)
            for prefix, target in redirects:
                if path.startswith(prefix):
                    return self.answer(302, [("Location", target + path[len(prefix):])])
            for prefix in args.redirect_loop:
                if path.startswith(prefix):
                    return self.answer(302, [("Location", path)])
            for prefix in args.redirect_chain:
                if path.startswith(prefix):
                    return self.answer(302, [("Location", path + "/again")])
            for prefix in args.no_length:
                if path.startswith(prefix):
                    return self.stream_without_length("/" + path[len(prefix):].lstrip("/"))
            return super().do_GET()

        def stream_without_length(self, path):
            file_path = self.translate_path(path)
            if not os.path.isfile(file_path):
                return self.answer(404)
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            with open(file_path, "rb") as source:
                shutil.copyfileobj(source, self.wfile, 64 * 1024)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True

    def stop_at_end_of_input():
        sys.stdin.buffer.read()
        server.shutdown()

    threading.Thread(target=stop_at_end_of_input, daemon=True).start()
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
