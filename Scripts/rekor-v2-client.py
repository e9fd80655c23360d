#!/usr/bin/env python3
"""Independent Rekor v2 client for the Custody log server tests (stdlib + cryptography).

Usage: rekor-v2-client.py BASE_URL LOG_VERIFIER_KEY [--certificate] [--curve p256|p384|p521|ed25519ph]

Signs a fresh artifact digest with a new ECDSA key (P-256 unless --curve), posts a
hashedRekordRequestV002 (with --certificate the verifier is a self-signed X.509 certificate
made here, naming an email address, a URI and a Sigstore OIDC issuer, instead of the key;
--curve ed25519ph signs an artifact with Ed25519ph through PyNaCl's libsodium bindings instead),
and checks the answer without any Custody code: the canonicalized body (RFC 8785 form built
here by hand), the inclusion proof (RFC 9162 section 2.1.3.2), the checkpoint's Ed25519
signed-note signature and key ID (C2SP), and that logId.keyId is the C2SP key hash.
Prints OK and exits 0 when everything holds.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.request

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID, ObjectIdentifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlog_check import b64, fail, leaf_hash, node_hash, parse_vkey, root_from_inclusion, verify_checkpoint  # noqa: E402


CURVES = {
    "p256": (ec.SECP256R1(), hashes.SHA256(), "PKIX_ECDSA_P256_SHA_256", "SHA2_256"),
    "p384": (ec.SECP384R1(), hashes.SHA384(), "PKIX_ECDSA_P384_SHA_384", "SHA2_384"),
    "p521": (ec.SECP521R1(), hashes.SHA512(), "PKIX_ECDSA_P521_SHA_512", "SHA2_512"),
}
SIGSTORE_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")


def certificate_for(key, hash_algorithm):
    """A self-signed certificate for key, shaped like a Sigstore keyless one."""
    issuer = b"https://accounts.example.com"
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "custody-interop")])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(minutes=10))
               .add_extension(x509.SubjectAlternativeName([
                   x509.RFC822Name("ci@example.com"),
                   x509.UniformResourceIdentifier("https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1")]),
                   critical=True)
               .add_extension(x509.UnrecognizedExtension(SIGSTORE_ISSUER_V2, bytes([0x0C, len(issuer)]) + issuer), critical=False))
    return builder.sign(key, hash_algorithm).public_bytes(serialization.Encoding.DER)


def main():
    base, vkey = sys.argv[1], sys.argv[2]
    options = sys.argv[3:]
    with_certificate = "--certificate" in options
    curve = options[options.index("--curve") + 1] if "--curve" in options else "p256"
    name, key_id, material = parse_vkey(vkey)

    if curve == "ed25519ph":
        from nacl import bindings
        public, secret = bindings.crypto_sign_seed_keypair(os.urandom(32))
        artifact = os.urandom(64)
        state = bindings.crypto_sign_ed25519ph_state()
        bindings.crypto_sign_ed25519ph_update(state, artifact)
        signature = bindings.crypto_sign_ed25519ph_final_create(state, secret)
        digest, key_details, digest_name = hashlib.sha512(artifact).digest(), "PKIX_ED25519_PH", "SHA2_512"
        spki = bytes.fromhex("302a300506032b6570032100") + public
        verifier = {"publicKey": {"rawBytes": b64(spki)}, "keyDetails": key_details}
    else:
        ec_curve, hash_algorithm, key_details, digest_name = CURVES[curve]
        key = ec.generate_private_key(ec_curve)
        hasher = hashes.Hash(hash_algorithm)
        hasher.update(os.urandom(64))
        digest = hasher.finalize()
        signature = key.sign(digest, ec.ECDSA(Prehashed(hash_algorithm)))
        if with_certificate:
            verifier = {"x509Certificate": {"rawBytes": b64(certificate_for(key, hash_algorithm))}, "keyDetails": key_details}
        else:
            spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            verifier = {"publicKey": {"rawBytes": b64(spki)}, "keyDetails": key_details}
    request = {"hashedRekordRequestV002": {"digest": b64(digest), "signature": {"content": b64(signature), "verifier": verifier}}}

    post = urllib.request.Request(base + "/api/v2/log/entries", data=json.dumps(request).encode(),
                                  headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(post, timeout=20) as response:
        if response.status != 201:
            fail("status %d" % response.status)
        entry = json.loads(response.read())

    # RFC 8785 for this all-string tree: sorted keys, no whitespace.
    expected = {"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
        "data": {"algorithm": digest_name, "digest": b64(digest)},
        "signature": {"content": b64(signature), "verifier": verifier}}}}
    expected_body = json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
    body = base64.b64decode(entry["canonicalizedBody"])
    if body != expected_body:
        fail("canonicalizedBody differs:\n%s\n%s" % (body, expected_body))
    if entry["kindVersion"] != {"kind": "hashedrekord", "version": "0.0.2"}:
        fail("kindVersion")
    if base64.b64decode(entry["logId"]["keyId"]) != hashlib.sha256(name.encode() + b"\n" + material).digest():
        fail("logId.keyId is not the C2SP key hash")
    if not isinstance(entry["logIndex"], str):
        fail("logIndex must be a string")

    proof = entry["inclusionProof"]
    index, size = int(proof["logIndex"]), int(proof["treeSize"])
    if index != int(entry["logIndex"]):
        fail("proof index")
    origin, cp_size, cp_root = verify_checkpoint(proof["checkpoint"]["envelope"], name, key_id, material)
    if origin != name or cp_size != size or cp_root != base64.b64decode(proof["rootHash"]):
        fail("checkpoint does not match the proof")
    root = root_from_inclusion(index, size, leaf_hash(body), [base64.b64decode(h) for h in proof["hashes"]])
    if root != cp_root:
        fail("inclusion proof does not reach the checkpoint root")

    with urllib.request.urlopen(base + "/checkpoint", timeout=20) as response:
        verify_checkpoint(response.read().decode(), name, key_id, material)
    print("OK index=%d size=%d" % (index, size))


if __name__ == "__main__":
    main()
