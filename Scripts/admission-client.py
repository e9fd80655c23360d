#!/usr/bin/env python3
"""POSTs one Kubernetes AdmissionReview to a webhook over HTTPS, as the API server would, for
the webhook tests. Only the Python standard library is used.

  admission-client.py --url https://127.0.0.1:PORT/validate?timeout=10s --ca CA.pem --review FILE

The server certificate is verified against CA.pem (and the host name or IP address of the URL
against its subjectAltName), never against the system's roots. FILE's bytes are sent as they
are (so a test can send a malformed review), with Content-Type: application/json.

Prints the HTTP status code on the first line of standard output and the response body on the
second (as received, with any newlines in it replaced by spaces, so that the body is always
exactly one line), then exits 0. Any failure to get an answer (TLS, connection, timeout) is
reported on standard error and exits 2; a command-line error exits 64.
"""

import argparse
import http.client
import ssl
import sys
import urllib.parse


def main():
    parser = argparse.ArgumentParser(description="POST an AdmissionReview to a webhook over HTTPS.")
    parser.add_argument("--url", required=True, help="https://HOST:PORT/PATH[?QUERY]")
    parser.add_argument("--ca", required=True, help="the CA certificate (PEM) the server certificate must chain to")
    parser.add_argument("--review", required=True, help="the file whose bytes are the request body")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the answer (default 60)")
    try:
        arguments = parser.parse_args()
    except SystemExit as exit:
        sys.exit(0 if exit.code == 0 else 64)

    url = urllib.parse.urlsplit(arguments.url)
    if url.scheme != "https" or not url.hostname:
        print(f"admission-client: --url must be an https:// URL, not {arguments.url!r}", file=sys.stderr)
        sys.exit(64)
    path = url.path or "/"
    if url.query:
        path += "?" + url.query

    try:
        with open(arguments.review, "rb") as file:
            body = file.read()
        context = ssl.create_default_context(cafile=arguments.ca)
        connection = http.client.HTTPSConnection(url.hostname, url.port or 443, context=context, timeout=arguments.timeout)
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "application/json", "Accept": "application/json"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
    except (OSError, ssl.SSLError, http.client.HTTPException) as error:
        print(f"admission-client: POST {arguments.url}: {error!r}", file=sys.stderr)
        sys.exit(2)

    text = answer.decode("utf-8", errors="replace").replace("\r", " ").replace("\n", " ")
    sys.stdout.write(f"{response.status}\n{text}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
