#!/usr/bin/env python3
"""cosign-attachment.py — an independent reader and writer of cosign's legacy signature
attachments (the `sha256-<hex>.sig` tag), for Custody's interop tests.

Written from the format descriptions only (Shared reference: sigstore.md §1.1–1.2,
containers-image.md §4.1–4.2), with the Python standard library (urllib, json, hashlib, base64)
and PyPI `cryptography`. Talks plain HTTP to a registry without authentication (the tests' own
Distribution registry on 127.0.0.1).

Subcommands (every one prints one JSON object on stdout and exits 0 on success; on failure it
prints `cosign-attachment.py: error: ...` on stderr and exits 1):

  keygen --type ecdsa-p256|rsa3072 --out PREFIX
      Writes PREFIX.key (unencrypted PKCS#8 PEM) and PREFIX.pub (PEM SubjectPublicKeyInfo).

  verify --registry HOST --repo R --digest D --key PUB.pem [--identity REF]
      GETs /v2/R/manifests/sha256-<hex>.sig (Accept: OCI image manifest), requires an OCI image
      manifest whose config is an OCI image config, fetches the config and every layer blob and
      checks each against its descriptor (size and sha256), requires layer media type
      application/vnd.dev.cosign.simplesigning.v1+json, base64-decodes the
      dev.cosignproject.cosign/signature annotation and verifies it over the EXACT blob bytes with
      the key (ECDSA: SHA-256 ASN.1 DER; RSA: PKCS#1 v1.5 SHA-256; Ed25519: pure), then parses the
      payload: critical.type must be "cosign container image signature" and
      critical.image.docker-manifest-digest must be D (and critical.identity.docker-reference must
      be REF when --identity is given). EVERY layer must pass.
      Output: {"manifest_digest", "manifest_media_type", "config_digest",
               "layers": [{"digest", "size", "media_type", "docker_reference", "optional",
                           "raw_descriptor"}]}
      where raw_descriptor is the descriptor's exact text in the manifest bytes.

  attach --registry HOST --repo R --digest D --key PRIVATE.pem [--identity REF]
         [--garbage-annotation] [--docker-media-type]
      Builds a cosign-shaped attachment itself and pushes it: payload exactly as cosign writes it,
      {"critical":{"identity":{"docker-reference":"HOST/R"},"image":{"docker-manifest-digest":"D"},
      "type":"cosign container image signature"},"optional":null}, signed with the key (ECDSA
      P-256 SHA-256 DER, or RSA PKCS#1 v1.5 SHA-256); config blob like go-containerregistry's
      empty image config; blobs uploaded with POST + PUT ?digest=; manifest PUT to the .sig tag.
      --garbage-annotation writes a signature annotation that is not base64;
      --docker-media-type pushes the manifest as Docker schema 2 (config media type
      application/vnd.docker.container.image.v1+json), as cosign does with
      COSIGN_DOCKER_MEDIA_TYPES=1.
      Output: {"tag", "manifest_digest", "payload_digest", "payload"}
"""

import argparse
import base64
import binascii
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
COSIGN_TYPE = "cosign container image signature"
ZERO_TIME = "0001-01-01T00:00:00Z"
MAX_BLOB = 4 * 1024 * 1024


class Failure(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# HTTP


def request(method, url, body=None, headers=None, limit=MAX_BLOB):
    """One HTTP exchange; returns (status, headers, body bytes). HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            data = response.read(limit + 1)
            return response.status, response.headers, data
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read(64 * 1024)
    except urllib.error.URLError as error:
        raise Failure("%s %s: %s" % (method, url, error.reason))


def base_url(registry):
    return "http://%s/v2/" % registry


def sig_tag(digest):
    algorithm, _, encoded = digest.partition(":")
    if algorithm != "sha256" or len(encoded) != 64:
        raise Failure("not a sha256 digest: %r" % digest)
    return "sha256-%s.sig" % encoded


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def fetch_blob(registry, repo, descriptor):
    digest, size = descriptor["digest"], descriptor["size"]
    if size > MAX_BLOB:
        raise Failure("blob %s is %d bytes, over %d" % (digest, size, MAX_BLOB))
    status, _, data = request("GET", base_url(registry) + "%s/blobs/%s" % (repo, digest))
    if status != 200:
        raise Failure("GET blob %s: HTTP %d %s" % (digest, status, data[:300]))
    if len(data) != size:
        raise Failure("blob %s: %d bytes, descriptor says %d" % (digest, len(data), size))
    if sha256_digest(data) != digest:
        raise Failure("blob %s: content hashes to %s" % (digest, sha256_digest(data)))
    return data


def upload_blob(registry, repo, data):
    digest = sha256_digest(data)
    status, headers, body = request("POST", base_url(registry) + "%s/blobs/uploads/" % repo, body=b"")
    if status != 202 or not headers.get("Location"):
        raise Failure("POST upload: HTTP %d %s" % (status, body[:300]))
    location = urllib.parse.urljoin(base_url(registry), headers["Location"])
    separator = "&" if "?" in location else "?"
    url = location + separator + "digest=" + urllib.parse.quote(digest, safe="")
    status, _, body = request(
        "PUT", url, body=data,
        headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
    if status != 201:
        raise Failure("PUT upload %s: HTTP %d %s" % (digest, status, body[:300]))
    return digest


# ------------------------------------------------------------------------------------------------
# Raw JSON spans: the exact text of each top-level member and of each element of "layers".


def _skip_ws(text, index):
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def layer_spans(text):
    """The exact source text of each element of the top-level "layers" array."""
    decoder = json.JSONDecoder()
    index = _skip_ws(text, 0)
    if text[index] != "{":
        raise Failure("manifest is not a JSON object")
    index += 1
    while True:
        index = _skip_ws(text, index)
        if text[index] == "}":
            raise Failure("manifest has no layers member")
        key, index = decoder.raw_decode(text, index)
        index = _skip_ws(text, index)
        if text[index] != ":":
            raise Failure("malformed manifest JSON")
        index = _skip_ws(text, index + 1)
        if key == "layers":
            if text[index] != "[":
                raise Failure("layers is not an array")
            spans = []
            index = _skip_ws(text, index + 1)
            if text[index] == "]":
                return spans
            while True:
                start = index
                _, index = decoder.raw_decode(text, index)
                spans.append(text[start:index])
                index = _skip_ws(text, index)
                if text[index] == "]":
                    return spans
                if text[index] != ",":
                    raise Failure("malformed layers array")
                index = _skip_ws(text, index + 1)
        _, index = decoder.raw_decode(text, index)
        index = _skip_ws(text, index)
        if text[index] == ",":
            index += 1


# ------------------------------------------------------------------------------------------------
# Keys and signatures


def load_public_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_public_key(f.read())


def load_private_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def verify_signature(key, signature, payload):
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, payload)
        else:
            raise Failure("unsupported public key type %s" % type(key).__name__)
    except InvalidSignature:
        return False
    return True


def sign(key, payload):
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(payload, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(payload)
    raise Failure("unsupported private key type %s" % type(key).__name__)


# ------------------------------------------------------------------------------------------------
# Subcommands


def command_keygen(args):
    if args.type == "ecdsa-p256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with open(args.out + ".key", "wb") as f:
        f.write(private)
    with open(args.out + ".pub", "wb") as f:
        f.write(public)
    return {"private": args.out + ".key", "public": args.out + ".pub"}


def command_verify(args):
    key = load_public_key(args.key)
    tag = sig_tag(args.digest)
    status, headers, raw = request(
        "GET", base_url(args.registry) + "%s/manifests/%s" % (args.repo, tag),
        headers={"Accept": OCI_MANIFEST})
    if status != 200:
        raise Failure("GET manifest %s: HTTP %d %s" % (tag, status, raw[:300]))
    content_type = headers.get("Content-Type", "")
    if content_type != OCI_MANIFEST:
        raise Failure("manifest %s served as %r, expected %s" % (tag, content_type, OCI_MANIFEST))
    manifest = json.loads(raw)
    if manifest.get("schemaVersion") != 2:
        raise Failure("schemaVersion is %r" % manifest.get("schemaVersion"))
    if manifest.get("mediaType") != OCI_MANIFEST:
        raise Failure("manifest mediaType is %r, expected %s" % (manifest.get("mediaType"), OCI_MANIFEST))
    config = manifest.get("config") or {}
    if config.get("mediaType") != OCI_CONFIG:
        raise Failure("config mediaType is %r, expected %s" % (config.get("mediaType"), OCI_CONFIG))
    config_blob = json.loads(fetch_blob(args.registry, args.repo, config))
    layers = manifest.get("layers")
    if not isinstance(layers, list) or not layers:
        raise Failure("the attachment has no layers")
    diff_ids = (config_blob.get("rootfs") or {}).get("diff_ids")
    if diff_ids != [layer["digest"] for layer in layers]:
        raise Failure("config rootfs.diff_ids %r do not list the layers" % (diff_ids,))
    spans = layer_spans(raw.decode("utf-8"))
    if len(spans) != len(layers):
        raise Failure("found %d layer spans for %d layers" % (len(spans), len(layers)))

    results = []
    for position, (layer, span) in enumerate(zip(layers, spans), start=1):
        name = "layer %d (%s)" % (position, layer.get("digest"))
        if json.loads(span) != layer:
            raise Failure("%s: raw span does not parse to the descriptor" % name)
        if layer.get("mediaType") != SIMPLE_SIGNING:
            raise Failure("%s: media type %r, expected %s" % (name, layer.get("mediaType"), SIMPLE_SIGNING))
        payload = fetch_blob(args.registry, args.repo, layer)
        encoded = (layer.get("annotations") or {}).get(SIGNATURE_ANNOTATION)
        if encoded is None:
            raise Failure("%s: no %s annotation" % (name, SIGNATURE_ANNOTATION))
        try:
            signature = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise Failure("%s: %s is not base64" % (name, SIGNATURE_ANNOTATION))
        if not verify_signature(key, signature, payload):
            raise Failure("%s: the signature does not verify with %s" % (name, args.key))
        claim = json.loads(payload)
        critical = claim.get("critical") or {}
        if critical.get("type") != COSIGN_TYPE:
            raise Failure("%s: critical.type is %r" % (name, critical.get("type")))
        signed_digest = (critical.get("image") or {}).get("docker-manifest-digest")
        if signed_digest != args.digest:
            raise Failure("%s: signs %r, not %s" % (name, signed_digest, args.digest))
        reference = (critical.get("identity") or {}).get("docker-reference")
        if args.identity is not None and reference != args.identity:
            raise Failure("%s: identity %r, expected %r" % (name, reference, args.identity))
        results.append({
            "digest": layer["digest"],
            "size": layer["size"],
            "media_type": layer["mediaType"],
            "docker_reference": reference,
            "optional": claim.get("optional"),
            "raw_descriptor": span,
        })
    return {
        "manifest_digest": sha256_digest(raw),
        "manifest_media_type": manifest["mediaType"],
        "config_digest": config["digest"],
        "layers": results,
    }


def command_attach(args):
    key = load_private_key(args.key)
    identity = args.identity if args.identity is not None else "%s/%s" % (args.registry, args.repo)
    # cosign's payload: Go's json.Marshal of its struct, so this exact member order and spacing.
    payload = (
        '{"critical":{"identity":{"docker-reference":%s},"image":{"docker-manifest-digest":%s},'
        '"type":"cosign container image signature"},"optional":null}'
        % (json.dumps(identity), json.dumps(args.digest))
    ).encode("utf-8")
    signature = sign(key, payload)
    annotation = "%%% not base64 %%%" if args.garbage_annotation else base64.b64encode(signature).decode("ascii")
    payload_digest = upload_blob(args.registry, args.repo, payload)

    config = {
        "architecture": "",
        "created": ZERO_TIME,
        "history": [{"created": ZERO_TIME}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [payload_digest]},
        "config": {},
    }
    config_bytes = json.dumps(config, separators=(",", ":")).encode("utf-8")
    config_digest = upload_blob(args.registry, args.repo, config_bytes)

    manifest_type = DOCKER_MANIFEST if args.docker_media_type else OCI_MANIFEST
    manifest = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": {
            "mediaType": DOCKER_CONFIG if args.docker_media_type else OCI_CONFIG,
            "size": len(config_bytes),
            "digest": config_digest,
        },
        "layers": [{
            "mediaType": SIMPLE_SIGNING,
            "size": len(payload),
            "digest": payload_digest,
            "annotations": {SIGNATURE_ANNOTATION: annotation},
        }],
    }
    manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode("utf-8")
    tag = sig_tag(args.digest)
    status, _, body = request(
        "PUT", base_url(args.registry) + "%s/manifests/%s" % (args.repo, tag), body=manifest_bytes,
        headers={"Content-Type": manifest_type})
    if status != 201:
        raise Failure("PUT manifest %s: HTTP %d %s" % (tag, status, body[:300]))
    return {
        "tag": tag,
        "manifest_digest": sha256_digest(manifest_bytes),
        "payload_digest": payload_digest,
        "payload": payload.decode("utf-8"),
    }


def main():
    parser = argparse.ArgumentParser(description="Independent cosign .sig attachment reader/writer.")
    sub = parser.add_subparsers(dest="command", required=True)

    keygen = sub.add_parser("keygen")
    keygen.add_argument("--type", choices=["ecdsa-p256", "rsa3072"], default="ecdsa-p256")
    keygen.add_argument("--out", required=True)

    for name in ("verify", "attach"):
        p = sub.add_parser(name)
        p.add_argument("--registry", required=True, help="HOST:PORT (plain HTTP)")
        p.add_argument("--repo", required=True)
        p.add_argument("--digest", required=True)
        p.add_argument("--key", required=True)
        p.add_argument("--identity")
        if name == "attach":
            p.add_argument("--garbage-annotation", action="store_true")
            p.add_argument("--docker-media-type", action="store_true")

    args = parser.parse_args()
    handlers = {"keygen": command_keygen, "verify": command_verify, "attach": command_attach}
    try:
        result = handlers[args.command](args)
    except Failure as failure:
        print("cosign-attachment.py: error: %s" % failure, file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
