/// What a verifier trusts about one transparency log: its checkpoint key and, optionally, its
/// origin and the witnesses that must have cosigned.
public struct TrustedLog: Sendable, Hashable {
    /// The key the log signs checkpoints with.
    public var key: NoteVerifierKey
    /// The origin line checkpoints must carry; nil accepts any.
    public var origin: String?
    /// Witness keys whose cosignatures are checked when present.
    public var witnesses: [NoteVerifierKey]
    /// How many distinct witnesses must have cosigned.
    public var witnessThreshold: Int

    /// A trusted log.
    public init(key: NoteVerifierKey, origin: String? = nil, witnesses: [NoteVerifierKey] = [], witnessThreshold: Int = 0) {
        self.key = key
        self.origin = origin
        self.witnesses = witnesses
        self.witnessThreshold = witnessThreshold
    }
}

/// Everything needed to check offline that an entry is in a log, as a signature can carry it:
/// the entry's bytes, its inclusion proof, and a signed checkpoint of the tree the proof is for.
///
/// This is what Sigstore bundles embed for Rekor v2 (`canonicalizedBody`, `inclusionProof`,
/// `inclusionProof.checkpoint.envelope`).
public struct EntryInclusionEvidence: Sendable, Hashable {
    /// The leaf contents (hashed with ``MerkleHash/leaf(_:)``).
    public let entry: [UInt8]
    /// The inclusion proof (leaf index, tree size, hashes).
    public let proof: UntrustedInclusionProof
    /// The signed checkpoint, as serialised.
    public let checkpoint: [UInt8]
    /// A root hash stated next to the proof (as Sigstore bundles do), which must then be the
    /// checkpoint's; nil when the evidence has none.
    public let statedRootHash: MerkleHash?

    /// Evidence from its parts.
    public init(entry: [UInt8], proof: UntrustedInclusionProof, checkpoint: [UInt8], statedRootHash: MerkleHash? = nil) {
        self.entry = entry
        self.proof = proof
        self.checkpoint = checkpoint
        self.statedRootHash = statedRootHash
    }

    /// Decides whether the entry is in the log.
    ///
    /// Steps: parse the checkpoint strictly; verify it with the log's key (and witnesses as
    /// configured); require the proof's tree size (and any stated root) to be the checkpoint's;
    /// check the inclusion proof of the entry's leaf hash against the checkpoint's root.
    ///
    /// - Throws: ``TransparencyError``: a parsing code for a malformed checkpoint, a note
    ///   verification code (``TransparencyError/Code/unverified``,
    ///   ``TransparencyError/Code/invalidSignature``, …), ``TransparencyError/Code/originMismatch``,
    ///   ``TransparencyError/Code/treeSizeMismatch``, ``TransparencyError/Code/outOfRange``,
    ///   ``TransparencyError/Code/invalidProofLength`` or ``TransparencyError/Code/rootMismatch``.
    public func verify(in log: TrustedLog) throws -> VerifiedLogEntry {
        let checkpoint = try UntrustedCheckpoint(parsing: self.checkpoint).verify(
            logKey: log.key, witnesses: log.witnesses, witnessThreshold: log.witnessThreshold, expectedOrigin: log.origin)
        guard proof.treeSize == checkpoint.checkpoint.size else {
            throw TransparencyError(
                code: .treeSizeMismatch,
                reason: "the proof is for tree size \(proof.treeSize) but the checkpoint is for \(checkpoint.checkpoint.size)")
        }
        if let statedRootHash, statedRootHash != checkpoint.checkpoint.rootHash {
            throw TransparencyError(
                code: .rootMismatch,
                reason: "the stated root \(statedRootHash.hex) is not the checkpoint's \(checkpoint.checkpoint.rootHash.hex)")
        }
        let leafHash = MerkleHash.leaf(entry)
        try proof.verify(leafHash: leafHash, rootHash: checkpoint.checkpoint.rootHash)
        return VerifiedLogEntry(index: proof.index, leafHash: leafHash, checkpoint: checkpoint)
    }

    /// ``verify(in:)`` as a value: the verified entry, or the reason it is not verified.
    public func verdict(in log: TrustedLog) -> Result<VerifiedLogEntry, TransparencyError> {
        do {
            return .success(try verify(in: log))
        } catch let error as TransparencyError {
            return .failure(error)
        } catch {
            return .failure(TransparencyError(code: .unverified, reason: "\(error)"))
        }
    }
}

/// An entry proven to be in a log at a verified checkpoint.
public struct VerifiedLogEntry: Sendable, Hashable {
    /// The entry's index in the log.
    public let index: UInt64
    /// The entry's leaf hash.
    public let leafHash: MerkleHash
    /// The checkpoint that includes it.
    public let checkpoint: VerifiedCheckpoint
}
