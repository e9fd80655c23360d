import CustodyOCI

/// The decision for one platform manifest: an instance of an index, or a single image's manifest.
///
/// containers/image evaluates a policy per single image, never on an index; so does Custody. A
/// platform manifest is judged with the signatures made for its own digest, plus the index's
/// signatures only when the policy says so (`custody.indexSignaturesCoverInstances`).
public struct PlatformDecision: Sendable, Hashable, Codable {
    /// The manifest digest (the instance digest inside an index).
    public var digest: Digest
    /// The platform the index names for this manifest; nil for a single image.
    public var platform: Platform?
    /// The manifest's media type.
    public var mediaType: MediaType
    /// Allowed only when every requirement is satisfied (see ``PolicyDecision/Outcome/combining(_:)``).
    public var outcome: PolicyDecision.Outcome
    /// Whether the index's own signatures were counted for this manifest.
    public var indexSignaturesCounted: Bool
    /// One report per requirement of the scope, in policy order. Every requirement is evaluated,
    /// also after one has failed.
    public var requirements: [RequirementReport]

    /// Makes a platform decision.
    public init(
        digest: Digest, platform: Platform?, mediaType: MediaType, outcome: PolicyDecision.Outcome, indexSignaturesCounted: Bool,
        requirements: [RequirementReport]
    ) {
        self.digest = digest
        self.platform = platform
        self.mediaType = mediaType
        self.outcome = outcome
        self.indexSignaturesCounted = indexSignaturesCounted
        self.requirements = requirements
    }

    /// The manifest for people: `linux/arm64 (sha256:…)`, or the digest alone.
    public var name: String { platform.map { "\($0) (\(digest))" } ?? digest.description }

    private enum CodingKeys: String, CodingKey {
        case digest, platform, mediaType, outcome, indexSignaturesCounted, requirements
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(digest, forKey: .digest)
        try container.encode(platform, forKey: .platform)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(indexSignaturesCounted, forKey: .indexSignaturesCounted)
        try container.encode(requirements, forKey: .requirements)
    }
}
