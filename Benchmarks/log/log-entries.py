#!/usr/bin/env python3
"""Writes COUNT distinct signed Rekor v2 hashedRekordRequestV002 bodies, one JSON per line.

Usage: log-entries.py COUNT OUT

Each body signs a different random 32-byte digest with one ECDSA P-256 key (prehashed SHA-256),
so every line is a new entry for the log (the server verifies every signature). Generated once,
before the load, so the load generator only sends bytes.
"""
import base64
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

count, out = int(sys.argv[1]), sys.argv[2]
key = ec.generate_private_key(ec.SECP256R1())
spki = base64.b64encode(key.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
with open(out, "w") as handle:
    for _ in range(count):
        digest = os.urandom(32)
        signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        handle.write('{"hashedRekordRequestV002":{"digest":"%s","signature":{"content":"%s","verifier":'
                     '{"publicKey":{"rawBytes":"%s"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}\n'
                     % (base64.b64encode(digest).decode(), base64.b64encode(signature).decode(), spki))
