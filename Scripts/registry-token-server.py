#!/usr/bin/env python3
"""A token service for Distribution's `token` auth, for Custody's registry-auth tests.

Usage:
    registry-token-server.py --config CONFIG.json --certificate OUT.pem [--port 0]
                             [--log FILE] [--expires-in SECONDS]

CONFIG.json:
    {"issuer": "custody-test-issuer", "service": "custody-test-registry",
     "users": {"alice": "password"},                # basic credentials the service accepts
     "refresh_tokens": {"identity-token": "alice"}} # OAuth2 refresh tokens (identity tokens)

At start the server makes a fresh ECDSA P-256 key and a self-signed certificate for it, and
writes the certificate (PEM) to --certificate: that file is the registry's `rootcertbundle`.
It then listens on 127.0.0.1 (--port 0 picks a free port) and prints the port it listens on as
the first line of standard output.

Endpoints (any path; the realm is http://127.0.0.1:PORT/token):
  GET  ?service=S&scope=A&scope=B   optional `Authorization: Basic`; answers
                                    {"token", "access_token", "expires_in", "issued_at"}
  POST grant_type=password|refresh_token (form-encoded, as in OAuth2), with service, scope,
       client_id, and username/password or refresh_token; answers
       {"access_token", "expires_in", "issued_at", "scope"}

Wrong credentials are answered 401 with a JSON error; no credentials get a token that grants
nothing (as public token services do for private repositories). Authenticated users get every
action they asked for. The JWT is ES256 with the certificate in its `x5c` header, which is how
Distribution 2.8 finds and trusts the signing key (registry/auth/token/token.go).

With --log FILE, one line per issued token is appended: `METHOD user=NAME scopes=A|B`
(never a password or token), so tests can count token requests.
"""

import argparse
import base64
import datetime
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

MAX_BODY = 64 * 1024


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_key_and_certificate():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "custody test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def parse_scope(scope: str):
    """`type:name:actions` -> access entry; the name may itself hold colons (a host:port)."""
    first = scope.find(":")
    last = scope.rfind(":")
    if first <= 0 or last == first or last == len(scope) - 1:
        return None
    actions = [a for a in scope[last + 1:].split(",") if a]
    return {"type": scope[:first], "name": scope[first + 1:last], "actions": actions}


class TokenIssuer:
    def __init__(self, config, key, certificate, expires_in, log_path):
        self.issuer = config["issuer"]
        self.service = config["service"]
        self.users = dict(config.get("users", {}))
        self.refresh_tokens = dict(config.get("refresh_tokens", {}))
        self.key = key
        self.x5c = [base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")]
        self.expires_in = expires_in
        self.log_path = log_path
        self.log_lock = threading.Lock()

    def issue(self, method, user, scopes):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "x5c": self.x5c}
        access = []
        if user is not None:
            for scope in scopes:
                entry = parse_scope(scope)
                if entry is not None:
                    access.append(entry)
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        der = self.key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if self.log_path:
            with self.log_lock, open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"{method} user={user or '-'} scopes={'|'.join(scopes)}\n")
        issued_at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return signing_input + "." + b64url(signature), issued_at


def make_handler(issuer: TokenIssuer):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: tests read --log instead
            pass

        def answer(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="custody-test-token-service"')
            self.end_headers()
            self.wfile.write(body)

        def basic_user(self):
            """None: no credentials; False: wrong ones; else the user name."""
            header = self.headers.get("Authorization")
            if header is None:
                return None
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "basic":
                return False
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except ValueError:
                return False
            if user in issuer.users and secrets.compare_digest(issuer.users[user], password):
                return user
            return False

        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
            if query.get("service", [""])[0] != issuer.service:
                self.answer(400, {"errors": [{"code": "BAD_REQUEST", "message": "unknown service"}]})
                return
            user = self.basic_user()
            if user is False:
                self.answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user name or password"}]})
                return
            scopes = query.get("scope", [])
            token, issued_at = issuer.issue("GET", user, scopes)
            self.answer(200, {"token": token, "access_token": token, "expires_in": issuer.expires_in, "issued_at": issued_at})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.answer(413, {"error": "request too large"})
                return
            form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
            field = lambda name: form.get(name, [""])[0]
            if field("service") != issuer.service or not field("client_id"):
                self.answer(400, {"error": "invalid_request"})
                return
            grant = field("grant_type")
            if grant == "refresh_token":
                user = issuer.refresh_tokens.get(field("refresh_token"))
            elif grant == "password":
                name = field("username")
                user = name if name in issuer.users and secrets.compare_digest(issuer.users[name], field("password")) else None
            else:
                self.answer(400, {"error": "unsupported_grant_type"})
                return
            if user is None:
                self.answer(401, {"error": "invalid_grant"})
                return
            scopes = form.get("scope", [])
            token, issued_at = issuer.issue("POST", user, scopes)
            self.answer(200, {"access_token": token, "expires_in": issuer.expires_in, "issued_at": issued_at, "scope": " ".join(scopes)})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--certificate", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--expires-in", type=int, default=300)
    arguments = parser.parse_args()

    with open(arguments.config, encoding="utf-8") as file:
        config = json.load(file)
    key, certificate = make_key_and_certificate()
    temporary = arguments.certificate + ".tmp"
    with open(temporary, "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    os.replace(temporary, arguments.certificate)

    issuer = TokenIssuer(config, key, certificate, arguments.expires_in, arguments.log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), make_handler(issuer))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
