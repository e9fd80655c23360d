#!/usr/bin/env python3
"""Independent Rekor v2 client for the Custody log server tests (stdlib + cryptography).

Usage: rekor-v2-client.py BASE_URL LOG_VERIFIER_KEY

Signs a fresh artifact digest with a new ECDSA P-256 key, posts a hashedRekordRequestV002,
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

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlog_check import b64, fail, leaf_hash, node_hash, parse_vkey, root_from_inclusion, verify_checkpoint  # noqa: E402


def main():
    base, vkey = sys.argv[1], sys.argv[2]
    name, key_id, material = parse_vkey(vkey)

    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashlib.sha256(os.urandom(64)).digest()
    signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    verifier = {"publicKey": {"rawBytes": b64(spki)}, "keyDetails": "PKIX_ECDSA_P256_SHA_256"}
    request = {"hashedRekordRequestV002": {"digest": b64(digest), "signature": {"content": b64(signature), "verifier": verifier}}}

    post = urllib.request.Request(base + "/api/v2/log/entries", data=json.dumps(request).encode(),
                                  headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(post, timeout=20) as response:
        if response.status != 201:
            fail("status %d" % response.status)
        entry = json.loads(response.read())

    # RFC 8785 for this all-string tree: sorted keys, no whitespace.
    expected = {"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
        "data": {"algorithm": "SHA2_256", "digest": b64(digest)},
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
