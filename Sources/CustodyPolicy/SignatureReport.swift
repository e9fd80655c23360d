/// The verdict of one requirement on one signature.
public struct SignatureReport: Sendable, Hashable, Codable {
    /// The signature's format.
    public enum Format: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// A simple-signing signature (OpenPGP signed message).
        case simple
        /// A cosign signature (payload, media type and annotations).
        case cosign
        /// The blob could not be read or decoded, so its format is unknown.
        case unknown

        public var description: String { rawValue }
    }

    /// What the requirement made of the signature.
    public enum Outcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The signature passed every check of the requirement.
        case accepted
        /// The signature was read and failed a check (or is of a kind the requirement does not use).
        case rejected
        /// The signature exists but could not be read (an I/O error in its store).
        case unreadable

        public var description: String { rawValue }
    }

    /// Where the signature was found: a file path, a URL, or `<image> signature-<n>`.
    public var location: String
    /// The format.
    public var format: Format
    /// Whether the signature was made for the index and counted for this platform manifest
    /// (`custody.indexSignaturesCoverInstances`).
    public var fromIndex: Bool
    /// The key that made the signature, when verified: the OpenPGP primary key fingerprint or the
    /// cosign key ID.
    public var signer: String?
    /// The identity the signature claims (`docker-reference`), once its signature verified; nil
    /// before (nothing of an unverified payload is reported as a claim).
    public var identity: String?
    /// The verdict.
    public var outcome: Outcome
    /// One line saying why (`made by key 4A1F…, not in [A, B]`,
    /// `Signature for identity docker.io/library/busybox:latest is not accepted`).
    public var reason: String

    /// Makes a signature report.
    public init(location: String, format: Format, fromIndex: Bool, signer: String?, identity: String?, outcome: Outcome, reason: String) {
        self.location = location
        self.format = format
        self.fromIndex = fromIndex
        self.signer = signer
        self.identity = identity
        self.outcome = outcome
        self.reason = reason
    }

    /// `location: reason`, for people.
    public var line: String { "\(location): \(reason)" }

    private enum CodingKeys: String, CodingKey {
        case location, format, fromIndex, signer, identity, outcome, reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(location, forKey: .location)
        try container.encode(format, forKey: .format)
        try container.encode(fromIndex, forKey: .fromIndex)
        try container.encode(signer, forKey: .signer)
        try container.encode(identity, forKey: .identity)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reason, forKey: .reason)
    }
}
