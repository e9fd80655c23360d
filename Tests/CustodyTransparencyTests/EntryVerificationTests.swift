import Crypto
import CustodyKeys
import Foundation
import Testing
import CustodyTransparency

/// Offline entry verification from what a signature carries: real Sigstore staging entries
/// (Vectors/sigstore), then each way it can fail.
@Suite struct EntryVerificationTests {
    private func evidence(_ bundle: String) throws -> EntryInclusionEvidence {
        let entry = try StagingLogs.entry(bundle)
        let proof = try need(entry["inclusionProof"] as? [String: Any], "inclusionProof")
        let body = try need(base64Bytes(try need(entry["canonicalizedBody"] as? String, "canonicalizedBody")), "body base64")
        let index = try need(UInt64(try need(proof["logIndex"] as? String, "logIndex")), "logIndex number")
        let size = try need(UInt64(try need(proof["treeSize"] as? String, "treeSize")), "treeSize number")
        let hashes = try (try need(proof["hashes"] as? [String], "hashes")).map { try MerkleHash(base64: $0) }
        return EntryInclusionEvidence(
            entry: body,
            proof: try UntrustedInclusionProof(index: index, treeSize: size, hashes: hashes),
            checkpoint: Array(try StagingLogs.checkpoint(bundle).utf8),
            statedRootHash: try MerkleHash(base64: try need(proof["rootHash"] as? String, "rootHash")))
    }

    private func rekorV2() throws -> TrustedLog {
        let host = "log2025-alpha1.rekor.sigstage.dev"
        return TrustedLog(key: try NoteVerifierKey(name: host, publicKey: try StagingLogs.publicKey(host: host).key), origin: host)
    }

    @Test func rekorV2StagingEntryVerifies() throws {
        let evidence = try evidence("staging-rekor-v2.txt.sigstore.json")
        let verified = try evidence.verify(in: try rekorV2())
        #expect(verified.index == 645)
        #expect(verified.checkpoint.checkpoint.size == 646)
        #expect(verified.leafHash == MerkleHash.leaf(evidence.entry))
        #expect(String(decoding: evidence.entry, as: UTF8.self).hasPrefix("{\"apiVersion\":\"0.0.2\",\"kind\":\"hashedrekord\""))
        guard case .success = evidence.verdict(in: try rekorV2()) else {
            Issue.record("verdict is not success")
            return
        }
    }

    @Test func rekorV1StagingEntryVerifies() throws {
        let evidence = try evidence("bundle_v3.txt.sigstore")
        let key = try NoteVerifierKey(name: "rekor.sigstage.dev", publicKey: try StagingLogs.publicKey(host: "rekor.sigstage.dev").key)
        let verified = try evidence.verify(in: TrustedLog(key: key))
        #expect(verified.index == 25_901_137)
        #expect(verified.checkpoint.checkpoint.origin == "rekor.sigstage.dev - 8050909264565447525")
    }

    @Test func eachFailureHasItsReason() throws {
        let good = try evidence("staging-rekor-v2.txt.sigstore.json")
        let log = try rekorV2()
        func reason(_ evidence: EntryInclusionEvidence, in log: TrustedLog? = nil) throws -> TransparencyError.Code? {
            switch evidence.verdict(in: try log ?? rekorV2()) {
            case .success: nil
            case .failure(let error): error.code
            }
        }
        func with(entry: [UInt8]? = nil, index: UInt64? = nil, size: UInt64? = nil, hashes: [MerkleHash]? = nil,
                  checkpoint: [UInt8]? = nil, root: MerkleHash?? = nil) throws -> EntryInclusionEvidence {
            EntryInclusionEvidence(
                entry: entry ?? good.entry,
                proof: try UntrustedInclusionProof(
                    index: index ?? good.proof.index, treeSize: size ?? good.proof.treeSize, hashes: hashes ?? good.proof.hashes),
                checkpoint: checkpoint ?? good.checkpoint,
                statedRootHash: root ?? good.statedRootHash)
        }
        #expect(try reason(good) == nil)
        #expect(try reason(with(root: .some(nil))) == nil)
        #expect(try reason(with(entry: good.entry + [0x20])) == .rootMismatch)
        #expect(try reason(with(index: 644)) == .rootMismatch)
        #expect(try reason(with(index: 646)) == .outOfRange)
        #expect(try reason(with(hashes: Array(good.proof.hashes.dropLast()))) == .invalidProofLength)
        #expect(try reason(with(hashes: good.proof.hashes + [good.proof.hashes[0]])) == .invalidProofLength)
        #expect(try reason(with(hashes: [good.proof.hashes[0].flipping(bit: 3)] + good.proof.hashes.dropFirst())) == .rootMismatch)
        #expect(try reason(with(size: 647)) == .treeSizeMismatch)
        #expect(try reason(with(root: .some(MerkleHash.emptyTree))) == .rootMismatch)
        let text = String(decoding: good.checkpoint, as: UTF8.self)
        #expect(try reason(with(checkpoint: Array(text.replacingOccurrences(of: "\n646\n", with: "\n645\n").utf8))) == .invalidSignature)
        #expect(try reason(with(checkpoint: Array(text.dropLast().utf8))) == .missingFinalNewline)
        #expect(try reason(with(checkpoint: Array(text.replacingOccurrences(of: "\n\n", with: "\n\n\n").utf8))) == .duplicateBlankLine)
        #expect(try reason(with(checkpoint: Array((text + "extra\n").utf8))) == .trailingData)
        // Another key under the log's name, another origin, a witness quorum that cannot be met.
        let impostor = TrustedLog(key: try NoteVerifierKey(name: log.key.name, publicKey: .ed25519(Curve25519.Signing.PrivateKey().publicKey)))
        #expect(try reason(good, in: impostor) == .unverified)
        #expect(try reason(good, in: TrustedLog(key: log.key, origin: "log2025-alpha2.rekor.sigstage.dev")) == .originMismatch)
        let witness = try NoteVerifierKey(name: "witness.example", publicKey: .ed25519(Curve25519.Signing.PrivateKey().publicKey), type: .ed25519Cosignature)
        #expect(try reason(good, in: TrustedLog(key: log.key, witnesses: [witness], witnessThreshold: 1)) == .witnessQuorumNotMet)
    }

    /// A Custody-made log end to end: sign a checkpoint, prove entries from tiles, verify offline.
    @Test func ownLogEndToEnd() async throws {
        let signer = try NoteSigner(name: "custody.example/log", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())))
        let entries = (0..<700).map { Array("entry \($0)".utf8) }
        var appender = TileAppender()
        for entry in entries { appender.append(entry: entry) }
        let tiles = appender.takeChangedTiles()
        let checkpoint = try Checkpoint(origin: "custody.example/log", size: appender.treeSize, rootHash: appender.rootHash)
        let signed = try await checkpoint.sign(with: [signer])
        let reader = try TiledTreeReader(treeSize: appender.treeSize, tiles: tiles)
        let log = TrustedLog(key: try NoteVerifierKey(parsing: signer.verifierKey.vkey), origin: "custody.example/log")
        for index in [0, 255, 256, 511, 699] as [UInt64] {
            let evidence = EntryInclusionEvidence(
                entry: entries[Int(index)],
                proof: try UntrustedInclusionProof(index: index, treeSize: appender.treeSize, hashes: try reader.inclusionProof(index: index)),
                checkpoint: Array(signed.serialized.utf8))
            #expect(try evidence.verify(in: log).index == index)
        }
    }
}
