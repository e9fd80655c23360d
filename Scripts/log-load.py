#!/usr/bin/env python3
"""Load generator and independent checker for `custody log serve` (stdlib + `cryptography`).

Used by Tests/CustodyCLITests/LogCrashTests.swift; no Custody code is involved.

  log-load.py load BASE_URL SIGNER_KEY.pem ACKS_FILE [THREADS]
      Posts unique hashedRekordRequestV002 entries (fresh random digests signed with the ECDSA
      P-256 PEM key) from THREADS threads (default 4) until SIGTERM or SIGINT. For every 201
      answer whose canonicalizedBody is exactly the entry expected for the request, appends
      "LOGINDEX BASE64_ENTRY" to ACKS_FILE and flushes it at once. Failed requests (the server
      killed or shutting down, back-pressure) are counted, not recorded, and retried with new
      entries. Exits 0 after the threads stop; prints a summary on stderr.

  log-load.py verify BASE_URL VERIFIER_KEY ACKS_FILE OLD_CHECKPOINT_FILE
      Checks the log as it is now against what was acknowledged before:
      - the current checkpoint and the old one carry valid Ed25519 signatures by the log key
        (C2SP signed note) and the same origin;
      - the current tree holds every acknowledged entry, byte for byte, at its acknowledged index
        (so its size is at least every acknowledged index + 1);
      - the entry bundles agree with the level-0 hash tiles, and the tree hash of all entries is
        the current checkpoint's root;
      - the current checkpoint is consistent with the old one: an RFC 9162 consistency proof
        (section 2.1.4.1) is built from the tiles' leaf hashes and verified (section 2.1.4.2)
        from the old root to the new root.
      Prints "OK ..." and exits 0 when everything holds, "FAIL: ..." and exits 1 otherwise.
"""
import base64
import hashlib
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tlog_check import b64, fail, leaf_hash, node_hash, parse_vkey, verify_checkpoint  # noqa: E402

TILE_WIDTH = 256


def load(base, key_path, acks_path, threads):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    with open(key_path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        fail("the signer key must be ECDSA P-256")
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    verifier = {"publicKey": {"rawBytes": b64(spki)}, "keyDetails": "PKIX_ECDSA_P256_SHA_256"}

    stop = threading.Event()
    # The handler only sets a flag: calling stop.set() in it could deadlock on the lock that
    # the interrupted main thread holds inside stop.wait().
    signalled = []
    signal.signal(signal.SIGTERM, lambda *_: signalled.append(True))
    signal.signal(signal.SIGINT, lambda *_: signalled.append(True))
    lock = threading.Lock()
    counts = {"acknowledged": 0, "failed": 0, "refused": 0}
    acks = open(acks_path, "a", encoding="ascii")

    def one_request():
        digest = hashlib.sha256(os.urandom(32)).digest()
        signature = key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        request = {"hashedRekordRequestV002": {"digest": b64(digest), "signature": {"content": b64(signature), "verifier": verifier}}}
        expected = {"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": b64(digest)},
            "signature": {"content": b64(signature), "verifier": verifier}}}}
        expected_body = json.dumps(expected, sort_keys=True, separators=(",", ":")).encode()
        post = urllib.request.Request(base + "/api/v2/log/entries", data=json.dumps(request).encode(),
                                      headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(post, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            with lock:
                counts["refused"] += 1
            error.close()
            return False
        except Exception:
            with lock:
                counts["failed"] += 1
            return False
        if status != 201:
            with lock:
                counts["refused"] += 1
            return False
        entry = json.loads(payload)
        if base64.b64decode(entry["canonicalizedBody"]) != expected_body:
            raise BadAnswer("canonicalizedBody is not the entry posted")
        index = int(entry["logIndex"])
        if int(entry["inclusionProof"]["logIndex"]) != index or index >= int(entry["inclusionProof"]["treeSize"]):
            raise BadAnswer("the answer's proof does not cover its index")
        with lock:
            acks.write("%d %s\n" % (index, b64(expected_body)))
            acks.flush()
            counts["acknowledged"] += 1
        return True

    errors = []

    def worker():
        while not stop.is_set():
            try:
                if not one_request():
                    stop.wait(0.05)
            except BadAnswer as error:
                errors.append(str(error))
                stop.set()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    while not stop.is_set() and not signalled:
        time.sleep(0.1)
    stop.set()
    for thread in workers:
        thread.join(timeout=40)
    with lock:
        acks.close()
        sys.stderr.write("log-load: %(acknowledged)d acknowledged, %(failed)d failed, %(refused)d refused\n" % counts)
    if errors:
        fail(errors[0])
    return 0


# MARK: verify

def largest_power_of_two_below(n):
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def tree_hash(hashes):
    """RFC 9162 MTH over leaf hashes."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = largest_power_of_two_below(len(hashes))
    return node_hash(tree_hash(hashes[:k]), tree_hash(hashes[k:]))


def consistency_proof(m, hashes):
    """RFC 9162 2.1.4.1 PROOF(m, D[n])."""
    def subproof(m, leaves, complete):
        n = len(leaves)
        if m == n:
            return [] if complete else [tree_hash(leaves)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return subproof(m, leaves[:k], complete) + [tree_hash(leaves[k:])]
        return subproof(m - k, leaves[k:], False) + [tree_hash(leaves[:k])]
    return subproof(m, hashes, True)


def verify_consistency(m, n, first, second, proof):
    """RFC 9162 2.1.4.2."""
    if m > n:
        return False
    if m == n:
        return not proof and first == second
    if m == 0:
        return not proof
    if not proof:
        return False
    if m & (m - 1) == 0:
        proof = [first] + proof
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first and sr == second


def tile_index_path(n):
    """C2SP tlog-tiles: N in 3-digit groups, all but the last prefixed with x."""
    groups = ["%03d" % (n % 1000)]
    n //= 1000
    while n > 0:
        groups.insert(0, "x%03d" % (n % 1000))
        n //= 1000
    return "/".join(groups)


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        if response.status != 200:
            fail("%s: status %d" % (url, response.status))
        return response.read()


def tile_url(base, kind, index, width):
    path = "%s/tile/%s%s" % (base, kind, tile_index_path(index))
    return path if width == TILE_WIDTH else path + ".p/%d" % width


def verify(base, vkey, acks_path, old_checkpoint_path):
    name, key_id, material = parse_vkey(vkey)
    with open(old_checkpoint_path, encoding="utf-8") as handle:
        old_origin, old_size, old_root = verify_checkpoint(handle.read(), name, key_id, material)
    origin, size, root = verify_checkpoint(fetch(base + "/checkpoint").decode(), name, key_id, material)
    if origin != name or old_origin != name:
        fail("checkpoint origin %r / %r is not %r" % (origin, old_origin, name))
    if size < old_size:
        fail("the tree shrank from %d to %d" % (old_size, size))

    acknowledged = {}
    with open(acks_path, encoding="ascii") as handle:
        for line in handle:
            index_text, body_b64 = line.split()
            index, body = int(index_text), base64.b64decode(body_b64)
            if acknowledged.get(index, body) != body:
                fail("two different entries were acknowledged at index %d" % index)
            acknowledged[index] = body
    if not acknowledged:
        fail("nothing was acknowledged")
    if size < max(acknowledged) + 1:
        fail("the tree of %d entries lacks acknowledged index %d" % (size, max(acknowledged)))

    entries, hashes = [], []
    for tile in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        width = min(TILE_WIDTH, size - tile * TILE_WIDTH)
        bundle = fetch(tile_url(base, "entries/", tile, width))
        position, found = 0, []
        while position < len(bundle):
            length = int.from_bytes(bundle[position:position + 2], "big")
            found.append(bundle[position + 2:position + 2 + length])
            position += 2 + length
        if len(found) != width or position != len(bundle):
            fail("entry bundle %d holds %d entries, not %d" % (tile, len(found), width))
        level0 = fetch(tile_url(base, "0/", tile, width))
        if len(level0) != 32 * width:
            fail("hash tile 0/%d is %d bytes, not %d" % (tile, len(level0), 32 * width))
        for offset, entry in enumerate(found):
            if leaf_hash(entry) != level0[32 * offset:32 * offset + 32]:
                fail("entry %d does not match its hash in tile 0/%d" % (tile * TILE_WIDTH + offset, tile))
        entries.extend(found)
        hashes.extend(level0[32 * i:32 * i + 32] for i in range(width))

    for index, body in sorted(acknowledged.items()):
        if entries[index] != body:
            fail("acknowledged entry %d is not stored at its index" % index)
    if len(set(entries)) != len(entries):
        fail("the log holds the same entry twice")
    if tree_hash(hashes) != root:
        fail("the entries do not hash to the checkpoint's root")
    if tree_hash(hashes[:old_size]) != old_root:
        fail("the first %d entries do not hash to the old checkpoint's root" % old_size)
    proof = consistency_proof(old_size, hashes) if 0 < old_size < size else []
    if not verify_consistency(old_size, size, old_root, root, proof):
        fail("the consistency proof from %d to %d does not verify" % (old_size, size))
    print("OK size=%d old=%d acknowledged=%d proof=%d" % (size, old_size, len(acknowledged), len(proof)))
    return 0


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "load":
        return load(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 4)
    if len(sys.argv) == 6 and sys.argv[1] == "verify":
        return verify(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
