"""RFC 9162 and C2SP checks shared by the log test scripts (stdlib + cryptography).

Written from the specifications, independently of Custody's Swift code, so that the scripts
that use it (rekor-v2-client.py, log-load.py) are an independent verifier of the log server:
leaf and node hashes (RFC 9162 section 2.1.1), the inclusion-proof root (section 2.1.3.2), and
C2SP signed-note checkpoints with Ed25519 verifier keys.
"""
import base64
import hashlib
import sys


def fail(message):
    print("FAIL: " + message)
    sys.stdout.flush()
    sys.exit(1)


def b64(data):
    return base64.b64encode(data).decode()


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, proof):
    # RFC 9162 2.1.3.2
    if index >= size:
        fail("index beyond size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            fail("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("proof too short")
    return r


def parse_vkey(text):
    name, key_id_hex, key_b64 = text.strip().split("+", 2)
    material = base64.b64decode(key_b64)
    if material[0] != 1:
        fail("not an Ed25519 verifier key")
    if hashlib.sha256(name.encode() + b"\n" + material).digest()[:4].hex() != key_id_hex:
        fail("verifier key ID does not match")
    return name, bytes.fromhex(key_id_hex), material


def verify_checkpoint(envelope, name, key_id, material):
    from cryptography.hazmat.primitives.asymmetric import ed25519

    text, sep, signatures = envelope.rpartition("\n\n")
    if not sep:
        fail("no blank line in checkpoint")
    text += "\n"
    for line in signatures.splitlines():
        dash, signer, sig = line.split(" ")
        if dash != "\u2014" or signer != name:
            continue
        raw = base64.b64decode(sig)
        if raw[:4] != key_id:
            continue
        ed25519.Ed25519PublicKey.from_public_bytes(material[1:]).verify(raw[4:], text.encode())
        lines = text.split("\n")
        return lines[0], int(lines[1]), base64.b64decode(lines[2])
    fail("no signature by the log key")
