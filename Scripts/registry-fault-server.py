#!/usr/bin/env python3
"""A registry that misbehaves on purpose, for the CustodyRegistry client tests.

Listens on 127.0.0.1 on a free port, which it prints (alone, on one line) to standard output
once it listens. Exits when its standard input reaches end of file (so it never outlives the
test process that started it) or on SIGTERM. Only the Python standard library is used.

The fault is chosen by the repository name, the first path segment after /v2/
(NAME below is any further text, so that parallel tests keep separate state):

  GET /v2/                                 200 {} (the ping)
  /v2/redirect-loop/manifests/REF          302 to REF-again, which redirects back to REF (a cycle)
  /v2/redirect-chain/manifests/REF         302 to REF-x: an endless chain of distinct URLs
  /v2/oversized/manifests/REF              200, a 5 MiB body with its Content-Length
  /v2/oversized-stream/manifests/REF       200, a 5 MiB body without Content-Length (until close)
  /v2/wrong-digest/manifests/REF           200, the sample manifest whatever digest REF asks for
  /v2/header-mismatch/manifests/REF        200, the sample manifest with a wrong Docker-Content-Digest
  /v2/put-mismatch/manifests/REF (PUT)     201 with a wrong Docker-Content-Digest
  /v2/wrong-blob/blobs/DIGEST              200, the bytes b"not the blob you asked for!" (27 bytes)
  /v2/long-blob/blobs/DIGEST               200, 1000 bytes with their Content-Length
  /v2/flaky-NAME/manifests/REF             429 with Retry-After: 1 on the first request for the
                                           path, then 200 with the sample manifest
  /v2/unavailable/manifests/REF            503 forever, with an OCI error body
  /v2/denied/manifests/REF                 403 with an OCI error body
  /v2/auth-redirect/blobs/DIGEST           401 with a Basic challenge until a request carries
                                           Authorization, then 307 to http://localhost:PORT/storage/DIGEST
  /storage/DIGEST                          400 AUTHORIZATION_LEAKED when the request carries
                                           Authorization, else 200 with b"the blob that was asked for"
  /v2/auth-required/manifests/REF          401 with a Basic challenge, whatever the request carries
  /v2/paged/tags/list                      the tags alpha bravo charlie delta echo, honouring ?n= and
                                           ?last= with Link: <...>; rel="next" pagination
  /v2/link-loop/tags/list                  one tag and a Link back to the same page, forever
  /v2/referrers-api/referrers/DIGEST       the referrers API: two referrers (artifact types
                                           application/vnd.test.a and .b) on two pages; ignores
                                           ?artifactType= (the client filters)
  /v2/referrers-filtered/referrers/DIGEST  one page; applies ?artifactType= and says so in
                                           OCI-Filters-Applied
  /stats?path=PATH                         how many requests PATH got (a decimal number)

Anything else is 404 with an OCI error body (NAME_UNKNOWN).
"""

import hashlib
import http.server
import json
import sys
import threading
import urllib.parse

SAMPLE_MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "size": 2,
        },
        "layers": [],
    },
    separators=(",", ":"),
).encode()
SAMPLE_DIGEST = "sha256:" + hashlib.sha256(SAMPLE_MANIFEST).hexdigest()
WRONG_DIGEST = "sha256:" + "0" * 64
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OVERSIZED = 5 * 1024 * 1024


TAGS = ["alpha", "bravo", "charlie", "delta", "echo"]
REFERRERS = [
    {
        "mediaType": OCI_MANIFEST,
        "digest": "sha256:" + hashlib.sha256(name.encode()).hexdigest(),
        "size": 100 + index,
        "artifactType": "application/vnd.test." + name,
    }
    for index, name in enumerate(["a", "b"])
]
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def referrers_index(manifests):
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).encode()


def error_body(code, message):
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


def main():
    counts = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def answer(self, code, body=b"", headers=()):
            self.send_response(code)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def manifest(self, digest_header=SAMPLE_DIGEST):
            self.answer(200, SAMPLE_MANIFEST, [("Content-Type", OCI_MANIFEST), ("Docker-Content-Digest", digest_header)])

        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)

        def handle_any(self):
            self.read_body()
            parsed = urllib.parse.urlsplit(self.path)
            path = parsed.path
            with lock:
                counts[path] = counts.get(path, 0) + 1
                count = counts[path]
            if path == "/stats":
                wanted = urllib.parse.parse_qs(parsed.query).get("path", [""])[0]
                with lock:
                    number = counts.get(wanted, 0)
                return self.answer(200, str(number).encode(), [("Content-Type", "text/plain")])
            if path == "/v2/":
                return self.answer(200, b"{}", [("Content-Type", "application/json")])
            if path.startswith("/storage/"):
                if self.headers.get("Authorization"):
                    return self.answer(400, error_body("AUTHORIZATION_LEAKED", "the registry's credentials reached the storage host"))
                return self.answer(200, b"the blob that was asked for", [("Content-Type", "application/octet-stream")])
            parts = path.split("/")
            # ['', 'v2', NAME, KIND, REF]
            if len(parts) != 5 or parts[1] != "v2":
                return self.answer(404, error_body("NAME_UNKNOWN", "no such repository"))
            name, kind, ref = parts[2], parts[3], parts[4]
            if kind == "manifests":
                if name == "redirect-loop":
                    target = ref[: -len("-again")] if ref.endswith("-again") else ref + "-again"
                    return self.answer(302, headers=[("Location", f"/v2/{name}/manifests/{target}")])
                if name == "redirect-chain":
                    return self.answer(302, headers=[("Location", f"/v2/{name}/manifests/{ref}-x")])
                if name == "oversized":
                    return self.answer(200, b" " * OVERSIZED, [("Content-Type", OCI_MANIFEST)])
                if name == "oversized-stream":
                    self.close_connection = True
                    self.send_response(200)
                    self.send_header("Content-Type", OCI_MANIFEST)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b" " * 65536
                    try:
                        for _ in range(OVERSIZED // len(chunk)):
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if name == "wrong-digest":
                    return self.manifest()
                if name == "header-mismatch":
                    return self.manifest(WRONG_DIGEST)
                if name == "put-mismatch" and self.command == "PUT":
                    return self.answer(201, headers=[("Docker-Content-Digest", WRONG_DIGEST), ("Location", self.path)])
                if name.startswith("flaky-"):
                    if count == 1:
                        return self.answer(429, error_body("TOOMANYREQUESTS", "slow down"), [("Retry-After", "1")])
                    return self.manifest()
                if name == "unavailable":
                    return self.answer(503, error_body("UNAVAILABLE", "down for maintenance"), [("Content-Type", "application/json")])
                if name == "auth-required":
                    return self.answer(401, error_body("UNAUTHORIZED", "authentication required"), [("WWW-Authenticate", 'Basic realm="fault"')])
                if name == "denied":
                    return self.answer(403, error_body("DENIED", "requested access to the resource is denied"), [("Content-Type", "application/json")])
            query = urllib.parse.parse_qs(parsed.query)
            if kind == "tags" and ref == "list":
                if name == "paged":
                    after = query.get("last", [None])[0]
                    start = TAGS.index(after) + 1 if after in TAGS else 0
                    size = int(query.get("n", [len(TAGS)])[0])
                    page = TAGS[start : start + size]
                    headers = [("Content-Type", "application/json")]
                    if start + size < len(TAGS):
                        headers.append(("Link", f'</v2/paged/tags/list?n={size}&last={page[-1]}>; rel="next"'))
                    return self.answer(200, json.dumps({"name": name, "tags": page}).encode(), headers)
                if name == "link-loop":
                    link = '</v2/link-loop/tags/list?n=1>; rel="next"'
                    return self.answer(200, json.dumps({"name": name, "tags": ["again"]}).encode(), [("Link", link)])
            if kind == "referrers":
                if name == "referrers-api":
                    if query.get("page") == ["2"]:
                        return self.answer(200, referrers_index(REFERRERS[1:]), [("Content-Type", OCI_INDEX)])
                    link = f'</v2/{name}/referrers/{ref}?page=2>; rel="next"'
                    return self.answer(200, referrers_index(REFERRERS[:1]), [("Content-Type", OCI_INDEX), ("Link", link)])
                if name == "referrers-filtered":
                    wanted = query.get("artifactType", [None])[0]
                    manifests = [m for m in REFERRERS if wanted is None or m["artifactType"] == wanted]
                    headers = [("Content-Type", OCI_INDEX)]
                    if wanted is not None:
                        headers.append(("OCI-Filters-Applied", "artifactType"))
                    return self.answer(200, referrers_index(manifests), headers)
            if kind == "blobs":
                if name == "auth-redirect":
                    if not self.headers.get("Authorization"):
                        return self.answer(401, error_body("UNAUTHORIZED", "authentication required"), [("WWW-Authenticate", 'Basic realm="fault"')])
                    port = self.server.server_address[1]
                    return self.answer(307, headers=[("Location", f"http://localhost:{port}/storage/{ref}?signature=1")])
                if name == "wrong-blob":
                    return self.answer(200, b"not the blob you asked for!", [("Content-Type", "application/octet-stream")])
                if name == "long-blob":
                    return self.answer(200, b"x" * 1000, [("Content-Type", "application/octet-stream")])
            return self.answer(404, error_body("NAME_UNKNOWN", f"repository {name} is not known"), [("Content-Type", "application/json")])

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = handle_any

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
