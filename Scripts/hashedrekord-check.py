#!/usr/bin/env python3
"""Independent check of a hashedrekord v0.0.2 log entry (stdlib + cryptography, no Custody code).

Usage: hashedrekord-check.py ENTRY_JSON ARTIFACT [--identity NAME]... [--issuer URL] [--log-key VKEY]

ENTRY_JSON is a Sigstore TransparencyLogEntry in protobuf JSON (what `custody log append -o`
saves). The script decodes its canonicalizedBody and checks, written from the Rekor v2 and
X.509 specifications alone:
  - the body is {"kind":"hashedrekord","apiVersion":"0.0.2","spec":{"hashedRekordV002":...}}
    with exactly one of verifier.publicKey and verifier.x509Certificate;
  - data.digest is the ARTIFACT's digest by the stated algorithm (SHA2_256, SHA2_384, SHA2_512),
    and that algorithm is the one keyDetails implies;
  - the x509Certificate (DER) loads with `cryptography` (or the publicKey, a DER SPKI), its key is
    the kind keyDetails names, and signature.content verifies over the artifact with that key
    (ECDSA with the keyDetails' hash, or RSA PKCS#1 v1.5 with SHA-256);
  - each --identity is among the certificate's subject alternative names (rfc822Name or URI,
    exactly); --issuer is its Sigstore OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, a DER
    UTF8String, or the older 1.3.6.1.4.1.57264.1.1, the raw string);
  - with --log-key (a C2SP Ed25519 verifier key), the inclusion proof leads from the body's leaf
    hash to the root of the checkpoint, signed by that key (RFC 9162, via tlog_check.py).
Prints OK and exits 0 when everything holds; prints FAIL: and exits 1 otherwise.
"""
import base64
import hashlib
import json
import os
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ObjectIdentifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlog_check import fail, leaf_hash, parse_vkey, root_from_inclusion, verify_checkpoint  # noqa: E402

# keyDetails -> (key check, signature hash, digest algorithm name)
KEY_DETAILS = {
    "PKIX_ECDSA_P256_SHA_256": (("ec", "secp256r1"), hashes.SHA256, "SHA2_256"),
    "PKIX_ECDSA_P384_SHA_384": (("ec", "secp384r1"), hashes.SHA384, "SHA2_384"),
    "PKIX_ECDSA_P521_SHA_512": (("ec", "secp521r1"), hashes.SHA512, "SHA2_512"),
    "PKIX_RSA_PKCS1V15_2048_SHA256": (("rsa", 2048), hashes.SHA256, "SHA2_256"),
    "PKIX_RSA_PKCS1V15_3072_SHA256": (("rsa", 3072), hashes.SHA256, "SHA2_256"),
    "PKIX_RSA_PKCS1V15_4096_SHA256": (("rsa", 4096), hashes.SHA256, "SHA2_256"),
}
DIGESTS = {"SHA2_256": hashlib.sha256, "SHA2_384": hashlib.sha384, "SHA2_512": hashlib.sha512}
ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")


def strict_b64(text, what):
    if not isinstance(text, str) or not text:
        fail("%s is not a non-empty base64 string" % what)
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        fail("%s is not standard base64" % what)
    if base64.b64encode(data).decode() != text:
        fail("%s is not canonical padded base64" % what)
    return data


def members(value, what, allowed, required=None):
    if not isinstance(value, dict):
        fail("%s is not an object" % what)
    unknown = set(value) - set(allowed)
    if unknown:
        fail("%s has unknown members %s" % (what, sorted(unknown)))
    missing = set(allowed if required is None else required) - set(value)
    if missing:
        fail("%s lacks %s" % (what, sorted(missing)))
    return value


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        fail("duplicate member in JSON object")
    return dict(pairs)


def issuer_of(certificate):
    for extension in certificate.extensions:
        if extension.oid == ISSUER_V2:
            raw = extension.value.value
            # DER UTF8String: tag 0x0C, then a definite length (short or long form).
            if len(raw) < 2 or raw[0] != 0x0C:
                fail("issuer extension 1.8 is not a UTF8String")
            length, offset = raw[1], 2
            if length & 0x80:
                count = length & 0x7F
                length, offset = int.from_bytes(raw[2:2 + count], "big"), 2 + count
            if offset + length != len(raw):
                fail("issuer extension 1.8 has a wrong length")
            return raw[offset:].decode("utf-8")
    for extension in certificate.extensions:
        if extension.oid == ISSUER_V1:
            return extension.value.value.decode("utf-8")
    return None


def check_key(key, expected, key_details):
    kind, size = expected
    if kind == "ec":
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != size:
            fail("keyDetails %s does not fit the key %r" % (key_details, key))
    elif not isinstance(key, rsa.RSAPublicKey) or key.key_size != size:
        fail("keyDetails %s does not fit the key %r" % (key_details, key))


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    entry_path, artifact_path = sys.argv[1], sys.argv[2]
    identities, issuer, log_key = [], None, None
    options = sys.argv[3:]
    while options:
        option = options.pop(0)
        if option not in ("--identity", "--issuer", "--log-key") or not options:
            print("unknown or incomplete option %s" % option)
            sys.exit(2)
        value = options.pop(0)
        if option == "--identity":
            identities.append(value)
        elif option == "--issuer":
            issuer = value
        else:
            log_key = value

    with open(entry_path, "rb") as handle:
        entry = json.loads(handle.read(), object_pairs_hook=no_duplicates)
    with open(artifact_path, "rb") as handle:
        artifact = handle.read()

    kind_version = entry.get("kindVersion")
    if kind_version != {"kind": "hashedrekord", "version": "0.0.2"}:
        fail("kindVersion is %r" % kind_version)
    body_bytes = strict_b64(entry.get("canonicalizedBody"), "canonicalizedBody")
    body = json.loads(body_bytes, object_pairs_hook=no_duplicates)
    # The body is the RFC 8785 form; for this all-string tree, sorted keys and no whitespace.
    if json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() != body_bytes:
        fail("canonicalizedBody is not in canonical JSON form")
    members(body, "body", ["kind", "apiVersion", "spec"])
    if body["kind"] != "hashedrekord" or body["apiVersion"] != "0.0.2":
        fail("the body is %r %r" % (body["kind"], body["apiVersion"]))
    spec = members(members(body["spec"], "spec", ["hashedRekordV002"])["hashedRekordV002"], "spec.hashedRekordV002", ["data", "signature"])
    data = members(spec["data"], "data", ["digest", "algorithm"])
    signature = members(spec["signature"], "signature", ["content", "verifier"])
    verifier = members(signature["verifier"], "verifier", ["publicKey", "x509Certificate", "keyDetails"], ["keyDetails"])

    key_details = verifier["keyDetails"]
    if key_details not in KEY_DETAILS:
        fail("unknown keyDetails %r" % key_details)
    expected_key, signature_hash, digest_name = KEY_DETAILS[key_details]
    if data["algorithm"] != digest_name:
        fail("the digest algorithm %r is not the one %s uses (%s)" % (data["algorithm"], key_details, digest_name))
    if data["algorithm"] not in DIGESTS:
        fail("unknown digest algorithm %r" % data["algorithm"])
    if strict_b64(data["digest"], "data.digest") != DIGESTS[data["algorithm"]](artifact).digest():
        fail("the entry's digest is not the artifact's %s digest" % data["algorithm"])

    certificate = None
    if ("publicKey" in verifier) == ("x509Certificate" in verifier):
        fail("the verifier must have exactly one of publicKey and x509Certificate")
    if "x509Certificate" in verifier:
        raw = members(verifier["x509Certificate"], "x509Certificate", ["rawBytes"])["rawBytes"]
        certificate = x509.load_der_x509_certificate(strict_b64(raw, "x509Certificate.rawBytes"))
        key = certificate.public_key()
    else:
        raw = members(verifier["publicKey"], "publicKey", ["rawBytes"])["rawBytes"]
        key = serialization.load_der_public_key(strict_b64(raw, "publicKey.rawBytes"))
    check_key(key, expected_key, key_details)
    content = strict_b64(signature["content"], "signature.content")
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(content, artifact, ec.ECDSA(signature_hash()))
        else:
            key.verify(content, artifact, padding.PKCS1v15(), signature_hash())
    except InvalidSignature:
        fail("the signature does not verify over the artifact with the entry's key")

    names = []
    if certificate is not None:
        try:
            san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = san.get_values_for_type(x509.RFC822Name) + san.get_values_for_type(x509.UniformResourceIdentifier)
        except x509.ExtensionNotFound:
            names = []
    for identity in identities:
        if certificate is None:
            fail("--identity %s given, but the entry names its signer by a bare key" % identity)
        if identity not in names:
            fail("the certificate does not name %s (it names %s)" % (identity, ", ".join(names) or "nobody"))
    if issuer is not None:
        stated = issuer_of(certificate) if certificate is not None else None
        if stated != issuer:
            fail("the certificate's OIDC issuer is %r, not %r" % (stated, issuer))

    if log_key is not None:
        name, key_id, material = parse_vkey(log_key)
        if base64.b64decode(entry["logId"]["keyId"]) != hashlib.sha256(name.encode() + b"\n" + material).digest():
            fail("logId.keyId is not the C2SP key hash of the log key")
        proof = entry["inclusionProof"]
        index, size = int(proof["logIndex"]), int(proof["treeSize"])
        if index != int(entry["logIndex"]):
            fail("the proof is for another index")
        origin, cp_size, cp_root = verify_checkpoint(proof["checkpoint"]["envelope"], name, key_id, material)
        if origin != name or cp_size != size or cp_root != base64.b64decode(proof["rootHash"]):
            fail("the checkpoint does not match the proof")
        if root_from_inclusion(index, size, leaf_hash(body_bytes), [base64.b64decode(h) for h in proof["hashes"]]) != cp_root:
            fail("the inclusion proof does not reach the checkpoint root")

    print("OK index=%s keyDetails=%s verifier=%s identities=%s" % (
        entry.get("logIndex"), key_details, "x509Certificate" if certificate is not None else "publicKey", ",".join(names)))


if __name__ == "__main__":
    main()
