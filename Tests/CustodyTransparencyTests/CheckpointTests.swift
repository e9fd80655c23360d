import Crypto
import CustodyKeys
import Foundation
import Testing
import CustodyTransparency

/// Sigstore staging logs (Vectors/sigstore): their published keys and log IDs.
enum StagingLogs {
    /// `tlogs[]` of the staging trusted root, by base URL host.
    static func publicKey(host: String) throws -> (key: PublicKey, logID: [UInt8]) {
        let root = try Vectors.json("staging-trusted_root.json", in: "sigstore")
        let logs = try need(root["tlogs"] as? [[String: Any]], "tlogs")
        let log = try need(logs.first { ($0["baseUrl"] as? String) == "https://\(host)" }, "tlog \(host)")
        let publicKey = try need(log["publicKey"] as? [String: Any], "publicKey")
        let der = try need(base64Bytes(try need(publicKey["rawBytes"] as? String, "rawBytes")), "rawBytes base64")
        let logID = try need(base64Bytes(try need((log["logId"] as? [String: Any])?["keyId"] as? String, "logId")), "logId base64")
        return (try PublicKey(derEncoded: der), logID)
    }

    /// The first tlog entry of a bundle.
    static func entry(_ bundle: String) throws -> [String: Any] {
        let json = try Vectors.json(bundle, in: "sigstore")
        let material = try need(json["verificationMaterial"] as? [String: Any], "verificationMaterial")
        return try need((material["tlogEntries"] as? [[String: Any]])?.first, "tlogEntries")
    }

    static func checkpoint(_ bundle: String) throws -> String {
        let proof = try need(try entry(bundle)["inclusionProof"] as? [String: Any], "inclusionProof")
        return try need((proof["checkpoint"] as? [String: Any])?["envelope"] as? String, "checkpoint envelope")
    }
}

/// C2SP tlog-checkpoint and tlog-cosignature: the spec's examples, real Sigstore staging
/// checkpoints, and witnessed checkpoints.
@Suite struct CheckpointTests {
    @Test func c2spCheckpointExample() throws {
        let checkpoint = try UntrustedCheckpoint(parsing: try Vectors.bytes("tlog-checkpoint-example.note", in: "c2sp"))
        #expect(checkpoint.untrustedCheckpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.untrustedCheckpoint.size == 20_852_163)
        #expect(checkpoint.untrustedCheckpoint.rootHash.base64 == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(checkpoint.untrustedCheckpoint.extensionLines == [])
        #expect(checkpoint.untrustedCheckpoint.text == checkpoint.note.untrustedText)
        #expect(checkpoint.note.signatures.map(\.keyName) == ["example.com/behind-the-sofa"])
        #expect(checkpoint.note.signatures[0].signature.count == 64)
        // No key is published for the example log: a key of the same name is not it.
        let other = try NoteVerifierKey(name: "example.com/behind-the-sofa", publicKey: .ed25519(Curve25519.Signing.PrivateKey().publicKey))
        #expect(throws: TransparencyError(code: .unverified)) { try checkpoint.verify(logKey: other) }
    }

    @Test func c2spCosignatureExample() throws {
        let cosigned = try UntrustedCheckpoint(parsing: try Vectors.bytes("tlog-cosignature-example.note", in: "c2sp"))
        let plain = try UntrustedCheckpoint(parsing: try Vectors.bytes("tlog-checkpoint-example.note", in: "c2sp"))
        #expect(cosigned.untrustedCheckpoint == plain.untrustedCheckpoint)
        #expect(cosigned.note.signatures.first == plain.note.signatures.first)
        let witness = cosigned.note.signatures[1]
        #expect(witness.keyName == "witness.example.com/w1")
        #expect(witness.keyID == 0x8d66_cf3f)
        #expect(witness.signature.count == 8 + 64)
        // The timestamp is the one of the spec's signed-message example, "time 1679315147".
        #expect(witness.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_679_315_147)
    }

    /// Rekor v2 staging (sigstore.md §3.3): an Ed25519 C2SP checkpoint whose key ID and log ID
    /// both derive from SHA-256(host || "\n" || 0x01 || key).
    @Test func rekorV2StagingCheckpoint() throws {
        let host = "log2025-alpha1.rekor.sigstage.dev"
        let (publicKey, logID) = try StagingLogs.publicKey(host: host)
        let key = try NoteVerifierKey(name: host, publicKey: publicKey)
        #expect(key.type == .ed25519)
        #expect(key.keyHash == logID)
        #expect(key.keyID == 0xf30d_5a99)
        #expect(try NoteVerifierKey(parsing: key.vkey) == key)

        let envelope = try StagingLogs.checkpoint("staging-rekor-v2.txt.sigstore.json")
        let verified = try UntrustedCheckpoint(parsing: envelope).verify(logKey: key, expectedOrigin: host)
        #expect(verified.checkpoint.size == 646)
        #expect(verified.checkpoint.rootHash.base64 == "kNum4JmdViJPfZLMRB3xPi6flATj2JzJSiF+1pQDzNQ=")
        #expect(verified.note.verifiedKeys == [key])
        #expect(verified.cosignatures.isEmpty)
        #expect(throws: TransparencyError(code: .originMismatch)) {
            try UntrustedCheckpoint(parsing: envelope).verify(logKey: key, expectedOrigin: "log2025-alpha2.rekor.sigstage.dev")
        }
        // Another shard's key has another name and ID: nothing verifies.
        let (otherKey, _) = try StagingLogs.publicKey(host: "log2025-alpha2.rekor.sigstage.dev")
        #expect(throws: TransparencyError(code: .unverified)) {
            try UntrustedCheckpoint(parsing: envelope).verify(logKey: try NoteVerifierKey(name: "log2025-alpha2.rekor.sigstage.dev", publicKey: otherKey))
        }
        // Changing the signed size breaks the signature.
        let tampered = envelope.replacingOccurrences(of: "\n646\n", with: "\n647\n")
        #expect(throws: TransparencyError(code: .invalidSignature)) { try UntrustedCheckpoint(parsing: tampered).verify(logKey: key) }
    }

    /// Rekor v1 staging (sigstore.md §3.2): an ECDSA P-256 signature over the text, with the key ID
    /// taken from SHA-256 of the SPKI DER (the log ID), and an origin that contains spaces.
    @Test func rekorV1StagingCheckpoint() throws {
        let (publicKey, logID) = try StagingLogs.publicKey(host: "rekor.sigstage.dev")
        let key = try NoteVerifierKey(name: "rekor.sigstage.dev", publicKey: publicKey)
        #expect(key.type == .ecdsa)
        #expect(key.keyHash == logID)
        #expect(key.keyID == 0xd32f_30a3)
        let envelope = try StagingLogs.checkpoint("bundle_v3.txt.sigstore")
        let verified = try UntrustedCheckpoint(parsing: envelope).verify(logKey: key, expectedOrigin: "rekor.sigstage.dev - 8050909264565447525")
        #expect(verified.checkpoint.size == 25_901_138)
        #expect(verified.checkpoint.rootHash.base64 == "iGAoHccJIyFemFxmEftti2YC8hvPqixBi5y1EyvfF4c=")

        // Corrupt one signature byte after the key ID: the known key's signature fails.
        let note = try UntrustedNote(parsing: envelope)
        var signature = note.signatures[0].signature
        signature[signature.count - 3] ^= 0x01
        let broken = try SignedNote(
            text: note.untrustedText,
            signatures: [try NoteSignature(keyName: "rekor.sigstage.dev", keyID: note.signatures[0].keyID, signature: signature)])
        #expect(throws: TransparencyError(code: .invalidSignature)) { try UntrustedCheckpoint(parsing: broken.serialized).verify(logKey: key) }
    }

    @Test func witnessedCheckpoints() async throws {
        let log = try NoteSigner(name: "log.example/one", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())))
        let witnesses = try (0..<3).map { index in
            try NoteSigner(
                name: "witness.example/\(index)", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())), type: .ed25519Cosignature)
        }
        let plainWitness = try NoteSigner(name: "witness.example/plain", signer: FileSigner(.ecdsaP256(P256.Signing.PrivateKey())))
        let checkpoint = try Checkpoint(origin: "log.example/one", size: 1234, rootHash: MerkleHash.leaf([7]), extensionLines: ["ext one"])
        #expect(checkpoint.text == "log.example/one\n1234\n\(MerkleHash.leaf([7]).base64)\next one\n")

        // The log signs; two witnesses and a plain-signature witness cosign; an unknown witness too.
        var note = try await checkpoint.sign(with: [log])
        for (offset, witness) in witnesses.prefix(2).enumerated() {
            note = try note.adding([try await witness.sign(note.text, timestamp: 1_700_000_000 + UInt64(offset))])
        }
        note = try note.adding([try await plainWitness.sign(note.text)])
        let stranger = try NoteSigner(
            name: "witness.example/stranger", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())), type: .ed25519Cosignature)
        note = try note.adding([try await stranger.sign(note.text)])

        let parsed = try UntrustedCheckpoint(parsing: note.serialized)
        #expect(parsed.untrustedCheckpoint == checkpoint)
        let keys = witnesses.map(\.verifierKey) + [plainWitness.verifierKey]
        let verified = try parsed.verify(logKey: log.verifierKey, witnesses: keys, witnessThreshold: 3, expectedOrigin: "log.example/one")
        #expect(verified.checkpoint == checkpoint)
        #expect(verified.cosignatures.map(\.key) == [witnesses[0].verifierKey, witnesses[1].verifierKey, plainWitness.verifierKey])
        #expect(verified.cosignatures.map(\.timestamp) == [1_700_000_000, 1_700_000_001, nil])
        #expect(throws: TransparencyError(code: .witnessQuorumNotMet)) {
            try parsed.verify(logKey: log.verifierKey, witnesses: keys, witnessThreshold: 4)
        }
        // Without the log's signature, witnesses are not enough.
        let witnessOnly = try SignedNote(text: note.text, signatures: Array(note.signatures.dropFirst()))
        #expect(throws: TransparencyError(code: .unverified)) {
            try UntrustedCheckpoint(parsing: witnessOnly.serialized).verify(logKey: log.verifierKey)
        }
        #expect(throws: TransparencyError(code: .missingRequiredSignature)) {
            try UntrustedCheckpoint(parsing: witnessOnly.serialized).verify(logKey: log.verifierKey, witnesses: keys)
        }
        // A witness signature moved to another time no longer verifies.
        var moved = note.signatures[1].signature
        moved[7] ^= 0x01
        let movedNote = try SignedNote(
            text: note.text,
            signatures: [note.signatures[0], try NoteSignature(keyName: note.signatures[1].keyName, keyID: note.signatures[1].keyID, signature: moved)])
        #expect(throws: TransparencyError(code: .invalidSignature)) {
            try UntrustedCheckpoint(parsing: movedNote.serialized).verify(logKey: log.verifierKey, witnesses: keys)
        }
        // The same witness key as a plain Ed25519 key has another ID, so its cosignature is not taken for one.
        let sameKeyPlain = try NoteVerifierKey(name: "witness.example/0", publicKey: witnesses[0].verifierKey.publicKey, type: .ed25519)
        #expect(sameKeyPlain.keyID != witnesses[0].verifierKey.keyID)
        #expect(try parsed.verify(logKey: log.verifierKey, witnesses: [sameKeyPlain]).cosignatures.isEmpty)
    }

    @Test func checkpointBadInput() throws {
        let root = MerkleHash.leaf([1]).base64
        func code(_ text: String) -> TransparencyError.Code? {
            do {
                _ = try Checkpoint(text: text)
                return nil
            } catch let error as TransparencyError {
                return error.code
            } catch {
                return nil
            }
        }
        #expect(code("o\n0\n\(root)\n") == nil)
        #expect(code("o\n18446744073709551615\n\(root)\n") == nil)
        #expect(code("o\n18446744073709551616\n\(root)\n") == .invalidCheckpoint)
        #expect(code("o\n012\n\(root)\n") == .invalidCheckpoint)
        #expect(code("o\n+12\n\(root)\n") == .invalidCheckpoint)
        #expect(code("o\n 12\n\(root)\n") == .invalidCheckpoint)
        #expect(code("o\n12\n") == .invalidCheckpoint)
        #expect(code("\n12\n\(root)\n") == .invalidCheckpoint)
        #expect(code("o\n12\n\(root)\n\next\n") == .invalidCheckpoint)
        #expect(code("o\n12\n\(root)") == .invalidCheckpoint)
        #expect(code("o\n12\n\(root.dropLast())\n") == .invalidBase64)
        #expect(code("o\n12\nZG9uJ3QgY2FyZSAy\n") == .invalidHash)
        #expect(code("o\n12\n\(root)\n" + String(repeating: "e\n", count: Checkpoint.maxExtensionLines + 1)) == .invalidCheckpoint)
        #expect(throws: TransparencyError(code: .invalidCheckpoint)) { try Checkpoint(origin: "a\nb", size: 1, rootHash: .emptyTree) }
        #expect(throws: TransparencyError(code: .invalidCheckpoint)) { try Checkpoint(origin: "", size: 1, rootHash: .emptyTree) }
        #expect(throws: TransparencyError(code: .invalidCheckpoint)) { try Checkpoint(origin: "o", size: 1, rootHash: .emptyTree, extensionLines: [""]) }
        // A signed note whose text is not a checkpoint.
        #expect(throws: TransparencyError(code: .invalidCheckpoint)) {
            try UntrustedCheckpoint(parsing: try Vectors.bytes("signed-note-example.note", in: "c2sp"))
        }
    }
}
