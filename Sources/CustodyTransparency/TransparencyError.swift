/// An error from Merkle math, tiles, signed notes, checkpoints or entry verification.
///
/// Equality compares ``code`` only, so tests can write
/// `#expect(throws: TransparencyError(code: .rootMismatch))`. ``description`` is one line that
/// says what failed.
public struct TransparencyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // MARK: Merkle trees and proofs

        /// A hash is not 32 bytes, or its hex or base64 text is malformed.
        public static let invalidHash = Code(rawValue: "invalidHash")
        /// An index, tree size, node or tile lies outside the tree it refers to (an index not below
        /// the size, an old size above the new one, a consistency proof from the empty tree, a node
        /// that is not complete in the tree).
        public static let outOfRange = Code(rawValue: "outOfRange")
        /// A proof has more or fewer hashes than its index and sizes require (truncated or padded).
        public static let invalidProofLength = Code(rawValue: "invalidProofLength")
        /// A proof does not lead to the expected root hash.
        public static let rootMismatch = Code(rawValue: "rootMismatch")
        /// A hash needed to build a proof or a root is not available (a tile was not supplied).
        public static let missingHash = Code(rawValue: "missingHash")

        // MARK: Tiles and entry bundles

        /// A tile or entry-bundle path is not in the exact C2SP tlog-tiles form.
        public static let invalidTilePath = Code(rawValue: "invalidTilePath")
        /// Tile data does not have the length its width requires, or does not match what was expected.
        public static let invalidTile = Code(rawValue: "invalidTile")
        /// An entry bundle ends inside a length prefix or inside an entry.
        public static let truncated = Code(rawValue: "truncated")
        /// Bytes follow the last entry of an entry bundle (or the expected number of entries).
        public static let trailingData = Code(rawValue: "trailingData")
        /// Input is larger than a named limit: a note, an entry, a proof, a tile.
        public static let tooLarge = Code(rawValue: "tooLarge")

        // MARK: Signed notes

        /// Note bytes are not UTF-8, or contain an ASCII control character other than newline.
        public static let invalidEncoding = Code(rawValue: "invalidEncoding")
        /// The note does not end with a newline.
        public static let missingFinalNewline = Code(rawValue: "missingFinalNewline")
        /// The note has no blank line separating the text from the signatures, or no signature line.
        public static let missingSignatures = Code(rawValue: "missingSignatures")
        /// More than one blank line separates the text from the signatures.
        public static let duplicateBlankLine = Code(rawValue: "duplicateBlankLine")
        /// The note text is empty or otherwise malformed.
        public static let malformedNote = Code(rawValue: "malformedNote")
        /// A signature line is not `— <name> <base64>`.
        public static let invalidSignatureLine = Code(rawValue: "invalidSignatureLine")
        /// Base64 text is not canonical standard base64 with padding.
        public static let invalidBase64 = Code(rawValue: "invalidBase64")
        /// A key name is empty or contains a space or `+`.
        public static let invalidKeyName = Code(rawValue: "invalidKeyName")
        /// The note carries more signatures than ``SignedNote/maxSignatures``.
        public static let tooManySignatures = Code(rawValue: "tooManySignatures")
        /// A verifier-key string (`name+hex8+base64`) or private-key string is malformed.
        public static let invalidVerifierKey = Code(rawValue: "invalidVerifierKey")
        /// A verifier key's stated key ID is not the one its name, type and key produce.
        public static let keyIDMismatch = Code(rawValue: "keyIDMismatch")
        /// The key type or algorithm cannot sign or verify notes here (for example ECDSA P-384, PSS).
        public static let unsupportedKey = Code(rawValue: "unsupportedKey")
        /// Two different configured keys share a name and key ID.
        public static let ambiguousKey = Code(rawValue: "ambiguousKey")
        /// A signature from a known key does not verify.
        public static let invalidSignature = Code(rawValue: "invalidSignature")
        /// No signature from any known key is on the note.
        public static let unverified = Code(rawValue: "unverified")
        /// A key that must have signed did not.
        public static let missingRequiredSignature = Code(rawValue: "missingRequiredSignature")
        /// Fewer witnesses cosigned than the threshold requires.
        public static let witnessQuorumNotMet = Code(rawValue: "witnessQuorumNotMet")
        /// A cosignature timestamp is malformed (above 2^63 - 1).
        public static let invalidTimestamp = Code(rawValue: "invalidTimestamp")
        /// Signing failed in the signer.
        public static let signingFailed = Code(rawValue: "signingFailed")

        // MARK: Checkpoints and entries

        /// The note text is not a checkpoint: missing or empty lines, a bad size or root hash.
        public static let invalidCheckpoint = Code(rawValue: "invalidCheckpoint")
        /// The checkpoint's origin is not the expected one.
        public static let originMismatch = Code(rawValue: "originMismatch")
        /// The tree size stated next to a proof differs from the checkpoint's.
        public static let treeSizeMismatch = Code(rawValue: "treeSizeMismatch")
    }

    /// The kind of failure.
    public var code: Code
    /// What failed, in one line.
    public var reason: String

    /// Makes an error.
    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: TransparencyError, rhs: TransparencyError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
