import CustodyJSON
import CustodyTransparency

/// A Sigstore `TransparencyLogEntry` in protobuf JSON, as a Rekor v2 log answers a write and as
/// bundles carry it, parsed strictly and not yet verified.
///
/// Members: `logIndex`, `logId.keyId`, `kindVersion`, `inclusionProof` (`logIndex`, `rootHash`,
/// `treeSize`, `hashes`, `checkpoint.envelope`) and `canonicalizedBody`; `integratedTime` and
/// `inclusionPromise` (Rekor v1) are accepted and ignored. Anything else is refused.
public struct UntrustedLogEntry: Sendable, Hashable {
    /// The stated index of the entry.
    public let logIndex: UInt64
    /// The stated log ID: the hash of the log's note key.
    public let logKeyID: [UInt8]
    /// The stated kind, such as `hashedrekord`.
    public let kind: String
    /// The stated kind version, such as `0.0.2`.
    public let version: String
    /// The inclusion proof.
    public let proof: UntrustedInclusionProof
    /// The root hash stated next to the proof.
    public let rootHash: MerkleHash
    /// The signed checkpoint the proof is for, as served.
    public let checkpoint: [UInt8]
    /// The entry's bytes: the log leaf.
    public let canonicalizedBody: [UInt8]
    /// The document the entry was parsed from.
    public let json: [UInt8]

    /// The largest entry document accepted.
    public static let maxBytes = 1 << 20
    /// The deepest nesting of an entry document.
    static let maxDepth = 8

    /// Parses an entry document strictly (no duplicate keys, no trailing data, limits on size
    /// and depth, canonical base64 and decimal numbers).
    ///
    /// - Throws: ``LogClientError/Code/invalidEntry`` naming the first problem.
    public init(json bytes: some Collection<UInt8>) throws(LogClientError) {
        guard bytes.count <= Self.maxBytes else {
            throw LogClientError(.invalidEntry, "the entry is over \(Self.maxBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: Self.maxBytes, maxDepth: Self.maxDepth)).parse(bytes)
        } catch {
            throw LogClientError(.invalidEntry, "the entry is not valid JSON: \(error)")
        }
        let root = try StrictFields(
            value, at: "entry",
            allowed: ["logIndex", "logId", "kindVersion", "inclusionProof", "canonicalizedBody", "integratedTime", "inclusionPromise"],
            code: .invalidEntry)
        logIndex = try root.uint64("logIndex")
        logKeyID = try root.fields("logId", allowed: ["keyId"]).bytes("keyId")
        let kindVersion = try root.fields("kindVersion", allowed: ["kind", "version"])
        kind = try kindVersion.string("kind")
        version = try kindVersion.string("version")
        let proofFields = try root.fields("inclusionProof", allowed: ["logIndex", "rootHash", "treeSize", "hashes", "checkpoint"])
        let proofIndex = try proofFields.uint64("logIndex")
        let treeSize = try proofFields.uint64("treeSize")
        do {
            rootHash = try MerkleHash(bytes: try proofFields.bytes("rootHash"))
        } catch {
            throw LogClientError(.invalidEntry, "inclusionProof.rootHash is not a 32-byte hash")
        }
        guard case .array(let hashValues) = try proofFields.require("hashes") else {
            throw LogClientError(.invalidEntry, "entry.inclusionProof.hashes must be an array")
        }
        guard hashValues.count <= MerkleProof.maxProofHashes else {
            throw LogClientError(.invalidEntry, "inclusionProof.hashes has \(hashValues.count) hashes; the limit is \(MerkleProof.maxProofHashes)")
        }
        var hashes: [MerkleHash] = []
        for (offset, hashValue) in hashValues.enumerated() {
            guard case .string(let text) = hashValue, let hashBytes = StrictBase64.decode(text), let hash = try? MerkleHash(bytes: hashBytes) else {
                throw LogClientError(.invalidEntry, "inclusionProof.hashes[\(offset)] is not the base64 of a 32-byte hash")
            }
            hashes.append(hash)
        }
        guard proofIndex == logIndex else {
            throw LogClientError(.invalidEntry, "inclusionProof.logIndex \(proofIndex) is not the entry's logIndex \(logIndex)")
        }
        do {
            proof = try UntrustedInclusionProof(index: proofIndex, treeSize: treeSize, hashes: hashes)
        } catch {
            throw LogClientError(.invalidEntry, "inclusionProof: \(error)")
        }
        let envelope = try proofFields.fields("checkpoint", allowed: ["envelope"]).string("envelope")
        guard !envelope.isEmpty else { throw LogClientError(.invalidEntry, "inclusionProof.checkpoint.envelope is empty") }
        checkpoint = Array(envelope.utf8)
        canonicalizedBody = try root.bytes("canonicalizedBody")
        if let time = root.object["integratedTime"] {
            guard case .string = time else { throw LogClientError(.invalidEntry, "entry.integratedTime must be a string") }
        }
        json = Array(bytes)
    }

    /// Verifies the entry offline: the checkpoint is signed by `logKey` (and, when given, has the
    /// origin `origin`); the proof is for the checkpoint's tree size and the stated root is the
    /// checkpoint's; the inclusion proof leads from the leaf hash of ``canonicalizedBody`` to that
    /// root; `logId.keyId` is the hash of the log's note key; and a hashedrekord body is
    /// well-formed and of the stated kind and version.
    ///
    /// - Throws: ``LogClientError/Code/notVerified`` with the reason; ``LogClientError/Code/invalidLogKey``
    ///   when the key cannot verify notes.
    public func verify(logKey: LogKey, origin: String? = nil) throws(LogClientError) -> VerifiedTransparencyLogEntry {
        let untrustedCheckpoint: UntrustedCheckpoint
        do {
            untrustedCheckpoint = try UntrustedCheckpoint(parsing: checkpoint)
        } catch {
            throw .notVerified("the entry's checkpoint is malformed: \(error)")
        }
        let noteKey = try logKey.noteKey(origin: untrustedCheckpoint.untrustedCheckpoint.origin)
        let evidence = EntryInclusionEvidence(entry: canonicalizedBody, proof: proof, checkpoint: checkpoint, statedRootHash: rootHash)
        let verified: VerifiedLogEntry
        switch evidence.verdict(in: TrustedLog(key: noteKey, origin: origin)) {
        case .success(let entry): verified = entry
        case .failure(let error): throw .notVerified("\(error)")
        }
        guard logKeyID == noteKey.keyHash else {
            throw .notVerified(
                "the entry's logId.keyId \(StrictBase64.encode(logKeyID)) is not the log key's \(StrictBase64.encode(noteKey.keyHash))")
        }
        if kind == "hashedrekord" {
            guard version == "0.0.2" else {
                throw .notVerified("hashedrekord version \(version.prefix(16)) is not supported; expected 0.0.2")
            }
            do {
                _ = try UntrustedHashedRekord(body: canonicalizedBody)
            } catch {
                throw .notVerified("the entry's body: \(error.reason)")
            }
        }
        return VerifiedTransparencyLogEntry(entry: self, verified: verified, logKey: noteKey)
    }

    /// The body parsed as a hashedrekord v0.0.2 entry.
    ///
    /// - Throws: ``LogClientError/Code/invalidEntry`` when the entry is of another kind or malformed.
    public func hashedRekord() throws(LogClientError) -> UntrustedHashedRekord {
        guard kind == "hashedrekord", version == "0.0.2" else {
            throw LogClientError(.invalidEntry, "the entry is \(kind.prefix(32)) \(version.prefix(16)), not hashedrekord 0.0.2")
        }
        return try UntrustedHashedRekord(body: canonicalizedBody)
    }
}

/// A `TransparencyLogEntry` whose inclusion in a log was verified offline.
public struct VerifiedTransparencyLogEntry: Sendable, Hashable {
    /// The entry as parsed.
    public let entry: UntrustedLogEntry
    /// The index, leaf hash and verified checkpoint.
    public let verified: VerifiedLogEntry
    /// The log's note key that signed the checkpoint.
    public let logKey: NoteVerifierKey

    /// The entry's index.
    public var index: UInt64 { verified.index }
    /// The leaf hash of the entry's body.
    public var leafHash: MerkleHash { verified.leafHash }
    /// The verified checkpoint.
    public var checkpoint: Checkpoint { verified.checkpoint.checkpoint }
}
