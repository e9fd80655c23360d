/// A transparency log checkpoint (C2SP tlog-checkpoint): the note text naming the log, its tree
/// size and its root hash.
///
/// ```
/// <origin>
/// <tree size, decimal, no leading zeros>
/// <root hash, base64>
/// [<extension line>]…
/// ```
public struct Checkpoint: Sendable, Hashable {
    /// The most extension lines accepted.
    public static let maxExtensionLines = 64

    /// The log's identity, usually its URL prefix without scheme (for example `example.com/log42`).
    public let origin: String
    /// The number of leaves.
    public let size: UInt64
    /// The RFC 6962 root hash of the first ``size`` leaves.
    public let rootHash: MerkleHash
    /// Opaque extra lines after the root hash (rarely used).
    public let extensionLines: [String]

    /// A checkpoint from its parts.
    ///
    /// - Throws: ``TransparencyError/Code/invalidCheckpoint`` for an empty origin or extension
    ///   line, a newline or control character inside one, or too many extension lines.
    public init(origin: String, size: UInt64, rootHash: MerkleHash, extensionLines: [String] = []) throws {
        for line in [origin] + extensionLines {
            guard !line.isEmpty, !line.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw TransparencyError(code: .invalidCheckpoint, reason: "checkpoint lines are non-empty and contain no control characters")
            }
        }
        guard extensionLines.count <= Self.maxExtensionLines else {
            throw TransparencyError(
                code: .invalidCheckpoint, reason: "\(extensionLines.count) extension lines; the limit is \(Self.maxExtensionLines)")
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensionLines = extensionLines
    }

    /// Parses checkpoint note text strictly: at least three lines, none empty, a canonical
    /// decimal size, canonical base64 of a 32-byte root, at most ``maxExtensionLines`` extensions.
    ///
    /// - Throws: ``TransparencyError/Code/invalidCheckpoint``, ``TransparencyError/Code/invalidBase64``
    ///   or ``TransparencyError/Code/invalidHash``.
    public init(text: String) throws {
        guard text.hasSuffix("\n") else {
            throw TransparencyError(code: .invalidCheckpoint, reason: "checkpoint text ends with a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw TransparencyError(code: .invalidCheckpoint, reason: "a checkpoint has an origin, a size and a root hash line")
        }
        guard let size = StrictDecimal.parse(lines[1]) else {
            throw TransparencyError(code: .invalidCheckpoint, reason: "the tree size line is not a decimal number without leading zeros")
        }
        let rootHash = try MerkleHash(base64: lines[2])
        try self.init(origin: lines[0], size: size, rootHash: rootHash, extensionLines: Array(lines.dropFirst(3)))
    }

    /// The note text, ending with a newline.
    public var text: String {
        ([origin, String(size), rootHash.base64] + extensionLines).map { $0 + "\n" }.joined()
    }

    /// Signs the checkpoint with each signer (the log's key first, by convention).
    public func sign(with signers: [NoteSigner], timestamp: UInt64? = nil) async throws -> SignedNote {
        try await SignedNote.sign(text: text, with: signers, timestamp: timestamp)
    }
}

/// A checkpoint read from outside: a strictly parsed signed note whose text parses as a
/// checkpoint, with no signature checked yet.
public struct UntrustedCheckpoint: Sendable, Hashable {
    /// The parsed note.
    public let note: UntrustedNote
    /// The checkpoint the text states; not to be relied on before ``verify(logKey:witnesses:witnessThreshold:expectedOrigin:)``.
    public let untrustedCheckpoint: Checkpoint

    /// Parses a signed checkpoint.
    ///
    /// - Throws: what ``UntrustedNote/init(parsing:)-(Collection<UInt8>)`` and ``Checkpoint/init(text:)`` throw.
    public init(parsing bytes: some Collection<UInt8>) throws {
        note = try UntrustedNote(parsing: bytes)
        untrustedCheckpoint = try Checkpoint(text: note.untrustedText)
    }

    /// Parses a signed checkpoint.
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Verifies the log's signature and any witness cosignatures.
    ///
    /// - Parameters:
    ///   - logKey: the log's key; its signature must be present and valid.
    ///   - witnesses: witness keys; a witness signature that is present must verify.
    ///   - witnessThreshold: how many distinct witnesses must have cosigned.
    ///   - expectedOrigin: when given, the origin line must equal it.
    /// - Throws: the codes of ``UntrustedNote/verify(required:optional:)``,
    ///   ``TransparencyError/Code/witnessQuorumNotMet`` or ``TransparencyError/Code/originMismatch``.
    public func verify(
        logKey: NoteVerifierKey, witnesses: [NoteVerifierKey] = [], witnessThreshold: Int = 0, expectedOrigin: String? = nil
    ) throws -> VerifiedCheckpoint {
        let verified = try note.verify(required: [logKey], optional: witnesses)
        let witnessKeys = Set(witnesses).subtracting([logKey])
        let cosignatures = verified.verifiedKeys.filter(witnessKeys.contains).map { key in
            VerifiedCosignature(key: key, timestamp: verified.cosignatureTimestamps[key])
        }
        guard cosignatures.count >= witnessThreshold else {
            throw TransparencyError(
                code: .witnessQuorumNotMet, reason: "\(cosignatures.count) of the required \(witnessThreshold) witnesses cosigned")
        }
        if let expectedOrigin, untrustedCheckpoint.origin != expectedOrigin {
            throw TransparencyError(
                code: .originMismatch, reason: "checkpoint origin is '\(untrustedCheckpoint.origin)', expected '\(expectedOrigin)'")
        }
        return VerifiedCheckpoint(checkpoint: untrustedCheckpoint, note: verified, cosignatures: cosignatures)
    }
}

/// A checkpoint whose log signature (and witness cosignatures, as required) verified.
public struct VerifiedCheckpoint: Sendable, Hashable {
    /// The checkpoint.
    public let checkpoint: Checkpoint
    /// The verified note it was read from.
    public let note: VerifiedNote
    /// The witness cosignatures that verified.
    public let cosignatures: [VerifiedCosignature]
}

/// A witness signature that verified on a checkpoint.
public struct VerifiedCosignature: Sendable, Hashable {
    /// The witness key.
    public let key: NoteVerifierKey
    /// The time the witness states, in POSIX seconds, for timestamped cosignatures (type `0x04`); nil for plain signatures.
    public let timestamp: UInt64?
}
