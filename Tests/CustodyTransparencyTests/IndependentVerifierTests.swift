import CustodyTestSupport
import Foundation
import Testing
import CustodyTransparency

/// An independent check: a short RFC 9162 implementation in Python (standard library only)
/// recomputes the roots, proofs and tiles Custody produced and verifies the proofs.
@Suite struct IndependentVerifierTests {
    /// Written from RFC 6962 §2.1 (MTH, PATH, PROOF), RFC 9162 §2.1.3.2 and §2.1.4.2
    /// (verification) and C2SP tlog-tiles (tile contents, paths, entry bundles).
    static let script = #"""
    import hashlib, json, sys
    from functools import lru_cache

    def sha(b): return hashlib.sha256(b).digest()
    def leaf_hash(d): return sha(b"\x00" + d)
    def node_hash(l, r): return sha(b"\x01" + l + r)

    def split_point(n):
        k = 1
        while k * 2 < n: k *= 2
        return k

    def make_tree(leaves):
        hashes = [leaf_hash(x) for x in leaves]
        @lru_cache(maxsize=None)
        def mth(lo, hi):
            n = hi - lo
            if n == 0: return sha(b"")
            if n == 1: return hashes[lo]
            k = split_point(n)
            return node_hash(mth(lo, lo + k), mth(lo + k, hi))
        return hashes, mth

    def path(mth, m, lo, hi):
        n = hi - lo
        if n == 1: return []
        k = split_point(n)
        if m - lo < k: return path(mth, m, lo, lo + k) + [mth(lo + k, hi)]
        return path(mth, m, lo + k, hi) + [mth(lo, lo + k)]

    def subproof(mth, m, lo, hi, b):
        n = hi - lo
        if m - lo == n: return [] if b else [mth(lo, hi)]
        k = split_point(n)
        if m - lo <= k: return subproof(mth, m, lo, lo + k, b) + [mth(lo + k, hi)]
        return subproof(mth, m, lo + k, hi, False) + [mth(lo, lo + k)]

    def verify_inclusion(index, size, leaf, proof, root):
        if index >= size: return False
        fn, sn, r = index, size - 1, leaf
        for p in proof:
            if sn == 0: return False
            if fn & 1 or fn == sn:
                r = node_hash(p, r)
                if not fn & 1:
                    while not fn & 1 and fn != 0:
                        fn >>= 1; sn >>= 1
            else:
                r = node_hash(r, p)
            fn >>= 1; sn >>= 1
        return sn == 0 and r == root

    def verify_consistency(first, second, first_root, second_root, proof):
        if first == second: return not proof and first_root == second_root
        if first == 0 or first > second or not proof: return False
        if first & (first - 1) == 0: proof = [first_root] + proof
        fn, sn = first - 1, second - 1
        while fn & 1:
            fn >>= 1; sn >>= 1
        fr = sr = proof[0]
        for c in proof[1:]:
            if sn == 0: return False
            if fn & 1 or fn == sn:
                fr = node_hash(c, fr); sr = node_hash(c, sr)
                if not fn & 1:
                    while not fn & 1 and fn != 0:
                        fn >>= 1; sn >>= 1
            else:
                sr = node_hash(sr, c)
            fn >>= 1; sn >>= 1
        return sn == 0 and fr == first_root and sr == second_root

    def tile_index_path(n):
        groups = []
        while True:
            groups.append("%03d" % (n % 1000)); n //= 1000
            if n == 0: break
        groups.reverse()
        return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])

    def fail(message):
        print("FAIL: " + message); sys.exit(1)

    data = json.load(open(sys.argv[1]))
    h = bytes.fromhex
    leaves = [h(x) for x in data["leaves"]]
    hashes, mth = make_tree(leaves)
    for size, root in data["roots"].items():
        if mth(0, int(size)) != h(root): fail("root of size " + size)
    for index, size, proof in data["inclusion"]:
        proof = [h(p) for p in proof]
        if proof != path(mth, index, 0, size): fail("inclusion proof %d/%d differs from RFC PATH" % (index, size))
        if not verify_inclusion(index, size, hashes[index], proof, mth(0, size)): fail("inclusion %d/%d" % (index, size))
        if proof and verify_inclusion(index, size, hashes[index], proof[:-1], mth(0, size)): fail("truncated inclusion accepted")
    for old, new, proof in data["consistency"]:
        proof = [h(p) for p in proof]
        expected = [] if old == new else subproof(mth, old, 0, new, True)
        if proof != expected: fail("consistency proof %d->%d differs from RFC PROOF" % (old, new))
        if not verify_consistency(old, new, mth(0, old), mth(0, new), proof): fail("consistency %d->%d" % (old, new))

    tiles = data["tiles"]
    size = tiles["treeSize"]
    entries = [("entry %d" % i).encode() for i in range(size)]
    ehashes, emth = make_tree(entries)
    if emth(0, size) != h(tiles["root"]): fail("tiled tree root")
    expected_tiles = {}
    level = 0
    while (size >> (8 * level)) > 0:
        count = size >> (8 * level)
        span = 256 ** level
        for n in range((count + 255) // 256):
            width = min(256, count - 256 * n)
            body = b"".join(emth((n * 256 + i) * span, (n * 256 + i + 1) * span) for i in range(width))
            p = "tile/%d/%s" % (level, tile_index_path(n)) + ("" if width == 256 else ".p/%d" % width)
            expected_tiles[p] = body
        level += 1
    got = {p: h(v) for p, v in tiles["tiles"].items()}
    if set(got) != set(expected_tiles): fail("tile paths differ: %s" % sorted(set(got) ^ set(expected_tiles))[:5])
    for p in expected_tiles:
        if got[p] != expected_tiles[p]: fail("tile " + p)
    bundles = 0
    for p, v in tiles["bundles"].items():
        raw = h(v)
        first = int("".join(g.lstrip("x") for g in p[len("tile/entries/"):].split(".p/")[0].split("/"))) * 256
        width = int(p.split(".p/")[1]) if ".p/" in p else 256
        pos, got_entries = 0, []
        while pos < len(raw):
            length = int.from_bytes(raw[pos:pos + 2], "big"); pos += 2
            got_entries.append(raw[pos:pos + length]); pos += length
        if pos != len(raw) or got_entries != entries[first:first + width]: fail("bundle " + p)
        bundles += 1
    if bundles != (size + 255) // 256: fail("bundle count")
    print("OK roots=%d inclusion=%d consistency=%d tiles=%d bundles=%d" % (
        len(data["roots"]), len(data["inclusion"]), len(data["consistency"]), len(got), bundles))
    """#

    @Test(.enabled(if: PeerTool.availableOrCI("python3")))
    func pythonRFC9162VerifierAcceptsCustodyOutput() throws {
        // Proofs and roots over 1000 leaves, at sizes around powers of two and random ones.
        let leaves = (0..<1000).map { Array("leaf \($0) \(String(repeating: "x", count: $0 % 7))".utf8) }
        let tree = MerkleTree(leaves: leaves)
        var generator = SeededGenerator(seed: 2024)
        var sizes: Set<UInt64> = [1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 999, 1000]
        for _ in 0..<5 { sizes.insert(UInt64.random(in: 1...1000, using: &generator)) }
        var roots: [String: String] = [:]
        for size in UInt64(0)...1000 { roots[String(size)] = try tree.rootHash(atSize: size).hex }
        var inclusion: [[Any]] = []
        var consistency: [[Any]] = []
        for size in sizes.sorted() {
            for index in 0..<size {
                inclusion.append([index, size, try tree.inclusionProof(index: index, treeSize: size).map(\.hex)])
            }
            for old in 1...size {
                consistency.append([old, size, try tree.consistencyProof(oldSize: old, newSize: size).map(\.hex)])
            }
        }
        // Tiles and entry bundles of a 70,000-entry log (the tlog-tiles example size).
        let size = 70_000
        var appender = TileAppender()
        var bundles: [String: String] = [:]
        var pending: [[UInt8]] = []
        for index in 0..<size {
            let entry = Array("entry \(index)".utf8)
            appender.append(entry: entry)
            pending.append(entry)
            if pending.count == 256 || index == size - 1 {
                let id = try EntryBundleID(index: UInt64(index / 256), width: UInt16(pending.count))
                bundles[id.path] = HexText.string(try EntryBundle(entries: pending).data)
                pending = []
            }
        }
        var tiles: [String: String] = [:]
        for tile in appender.takeChangedTiles() { tiles[tile.id.path] = HexText.string(tile.data) }

        let document: [String: Any] = [
            "leaves": leaves.map(HexText.string),
            "roots": roots,
            "inclusion": inclusion,
            "consistency": consistency,
            "tiles": ["treeSize": size, "root": appender.rootHash.hex, "tiles": tiles, "bundles": bundles],
        ]
        let directory = try TemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        let dataPath = try directory.write(Array(try JSONSerialization.data(withJSONObject: document)), to: "data.json")
        let scriptPath = try directory.write(Self.script, to: "rfc9162.py")
        let result = try runProcess("python3", [scriptPath, dataPath])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdoutText.hasPrefix("OK "), "\(result)")
        #expect(result.stdoutText.contains("tiles=277 bundles=274"), "\(result)")

        // The checker is not vacuous: one changed proof hash, or one changed tile byte, fails it.
        var badProof = document
        var changedInclusion = inclusion
        var hashes = changedInclusion[40][2] as! [String]
        hashes[0] = MerkleHash.emptyTree.hex
        changedInclusion[40][2] = hashes
        badProof["inclusion"] = changedInclusion
        try directory.write(Array(try JSONSerialization.data(withJSONObject: badProof)), to: "bad-proof.json")
        let proofResult = try runProcess("python3", [scriptPath, directory.file("bad-proof.json")])
        #expect(proofResult.status == 1 && proofResult.stdoutText.hasPrefix("FAIL: inclusion proof"), "\(proofResult)")

        var badTile = document
        var changedTiles = tiles
        let victim = try TileID(level: 1, index: 0).path
        let original = changedTiles[victim]!
        changedTiles[victim] = (original.hasPrefix("00") ? "01" : "00") + String(original.dropFirst(2))
        badTile["tiles"] = ["treeSize": size, "root": appender.rootHash.hex, "tiles": changedTiles, "bundles": bundles]
        try directory.write(Array(try JSONSerialization.data(withJSONObject: badTile)), to: "bad-tile.json")
        let tileResult = try runProcess("python3", [scriptPath, directory.file("bad-tile.json")])
        #expect(tileResult.status == 1 && tileResult.stdoutText.hasPrefix("FAIL: tile tile/1/000"), "\(tileResult)")
    }
}

enum HexText {
    static func string(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
