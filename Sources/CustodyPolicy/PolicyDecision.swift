import CustodyOCI
import Foundation

/// What a trust policy decided about one image, with the evidence behind it: the audit record
/// that `custody verify --output json` prints and that enforcement builds on.
///
/// ## Outcomes
///
/// Three outcomes, never conflated:
/// - ``Outcome/allowed``: every platform manifest satisfied every requirement of the scope.
/// - ``Outcome/denied``: the evidence was read and does not satisfy the policy.
/// - ``Outcome/couldNotEvaluate``: something needed to decide could not be read or checked (the
///   policy, a key file, the image, a signature store) or a requirement cannot be evaluated by this
///   version (keyless `sigstoreSigned`).
///
/// Combination is a three-valued AND, failing closed at every level:
/// requirement → platform → image. A platform is ``Outcome/denied`` when any requirement is not
/// satisfied, else ``Outcome/couldNotEvaluate`` when any requirement could not be evaluated, else
/// ``Outcome/allowed``. The image is combined from its platforms the same way; an image is
/// ``Outcome/allowed`` only when it has at least one platform decision and every one is allowed.
/// A denial therefore wins over "could not evaluate" (the evidence already rules the image out,
/// whatever the unreadable part says), and nothing that could not be evaluated is ever allowed.
///
/// ## Encoding
///
/// `Codable` as the versioned record `custody.decision/v1`, described field by field in
/// `Docs/decision-record.md`. Every member is always present (`null` when absent) so that
/// consumers can rely on the shape; new members may be added within `v1`, and any change of
/// meaning gets a new ``schemaVersion``. Decoding refuses another schema version.
public struct PolicyDecision: Sendable, Hashable, Codable {
    /// The schema of the JSON record.
    public static let schemaVersion = "custody.decision/v1"

    /// The result of a decision, a platform decision, or a requirement.
    public enum Outcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The policy allows it.
        case allowed
        /// The evidence was read and does not satisfy the policy.
        case denied
        /// Something needed to decide could not be read or checked.
        case couldNotEvaluate

        public var description: String { rawValue }

        /// The three-valued AND of several outcomes: denied if any is denied, else could not
        /// evaluate if any could not be evaluated, else allowed. An empty list is
        /// ``couldNotEvaluate``: nothing was decided, so nothing is allowed.
        public static func combining(_ outcomes: some Sequence<Outcome>) -> Outcome {
            var sawAny = false
            var sawUnknown = false
            for outcome in outcomes {
                sawAny = true
                switch outcome {
                case .denied: return .denied
                case .couldNotEvaluate: sawUnknown = true
                case .allowed: continue
                }
            }
            return sawAny && !sawUnknown ? .allowed : .couldNotEvaluate
        }
    }

    /// The image the decision is about.
    public struct Image: Sendable, Hashable, Codable {
        /// The image name as evaluated, `TRANSPORT:DETAILS` (`docker://docker.io/library/busybox:latest`, `dir:/srv/img`).
        public var name: String
        /// The transport (`docker`, `oci`, `dir`).
        public var transport: String
        /// The image's own Docker reference, which identity rules compare signatures with; nil for
        /// `oci:` and `dir:` images, which have none.
        public var reference: String?
        /// The digest of the manifest the name resolved to (an index for a multi-platform image);
        /// nil when the image could not be read.
        public var digest: Digest?

        /// Makes an image description.
        public init(name: String, transport: String, reference: String?, digest: Digest?) {
            self.name = name
            self.transport = transport
            self.reference = reference
            self.digest = digest
        }

        /// Describes `name`, with the digest of its root manifest when known.
        public init(_ name: ImageName, digest: Digest? = nil) {
            let transport: String
            var reference: String?
            switch name {
            case .docker(let dockerReference):
                transport = "docker"
                reference = dockerReference.description
            case .ociLayout: transport = "oci"
            case .directory: transport = "dir"
            }
            self.init(name: name.description, transport: transport, reference: reference, digest: digest)
        }

        private enum CodingKeys: String, CodingKey { case name, transport, reference, digest }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(transport, forKey: .transport)
            try container.encode(reference, forKey: .reference)
            try container.encode(digest, forKey: .digest)
        }
    }

    /// The policy file the decision was made under.
    public struct PolicyFile: Sendable, Hashable, Codable {
        /// The path the policy was read from; nil for a policy built in memory.
        public var path: String?
        /// The SHA-256 digest of the exact policy bytes; nil when they were not read.
        public var sha256: Digest?

        /// Makes a policy file description.
        public init(path: String?, sha256: Digest?) {
            self.path = path
            self.sha256 = sha256
        }

        private enum CodingKeys: String, CodingKey { case path, sha256 }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(sha256, forKey: .sha256)
        }
    }

    /// Which requirements of the policy applied (containers-policy.json(5) scope resolution).
    public struct Scope: Sendable, Hashable, Codable {
        /// The transport section used, or nil when the image fell to `default`.
        public var transport: String?
        /// The scope within the transport (`""` for the transport's own default), or nil for `default`.
        public var scope: String?
        /// The JSON path of the requirement list (`$.default`, `$.transports.docker["quay.io"]`).
        public var path: String

        /// Makes a scope description.
        public init(transport: String?, scope: String?, path: String) {
            self.transport = transport
            self.scope = scope
            self.path = path
        }

        private enum CodingKeys: String, CodingKey { case transport, scope, path }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(transport, forKey: .transport)
            try container.encode(scope, forKey: .scope)
            try container.encode(path, forKey: .path)
        }
    }

    /// The image.
    public var image: Image
    /// The policy.
    public var policy: PolicyFile
    /// The scope whose requirements applied; nil when none was selected (the policy or the image
    /// could not be read).
    public var scope: Scope?
    /// The decision.
    public var outcome: Outcome
    /// Why the image is not allowed, one line each (empty when allowed): image-level failures,
    /// then, per platform manifest not allowed, each requirement that failed.
    public var reasons: [String]
    /// One decision per platform manifest (instance digest) of an index, or one for a single
    /// image's manifest.
    public var platforms: [PlatformDecision]
    /// When the decision was made (also the time key and signature expiry were checked at).
    public var evaluatedAt: Date

    /// Makes a decision record.
    public init(
        image: Image, policy: PolicyFile, scope: Scope?, outcome: Outcome, reasons: [String], platforms: [PlatformDecision], evaluatedAt: Date
    ) {
        self.image = image
        self.policy = policy
        self.scope = scope
        self.outcome = outcome
        self.reasons = reasons
        self.platforms = platforms
        self.evaluatedAt = evaluatedAt
    }

    /// The decision for an image that could not be evaluated at all: the policy could not be read
    /// or parsed, or the image could not be opened. Never allowed.
    public static func couldNotEvaluate(
        image: Image, policy: PolicyFile, scope: Scope? = nil, reason: String, evaluatedAt: Date
    ) -> PolicyDecision {
        PolicyDecision(image: image, policy: policy, scope: scope, outcome: .couldNotEvaluate, reasons: [reason], platforms: [], evaluatedAt: evaluatedAt)
    }

    /// Whether the image may be used.
    public var isAllowed: Bool { outcome == .allowed }

    // MARK: Codable

    private enum CodingKeys: String, CodingKey {
        case schemaVersion, image, policy, scope, outcome, reasons, platforms, evaluatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
        try container.encode(image, forKey: .image)
        try container.encode(policy, forKey: .policy)
        try container.encode(scope, forKey: .scope)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(platforms, forKey: .platforms)
        try container.encode(DecisionTime.format(evaluatedAt), forKey: .evaluatedAt)
    }

    /// Reads a `custody.decision/v1` record.
    /// - Throws: `DecodingError` when the schema version is another one or a member is missing or malformed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(String.self, forKey: .schemaVersion)
        guard version == Self.schemaVersion else {
            throw DecodingError.dataCorruptedError(
                forKey: .schemaVersion, in: container, debugDescription: "unsupported decision schema \"\(version.prefix(64))\", expected \(Self.schemaVersion)")
        }
        image = try container.decode(Image.self, forKey: .image)
        policy = try container.decode(PolicyFile.self, forKey: .policy)
        scope = try container.decode(Scope?.self, forKey: .scope)
        outcome = try container.decode(Outcome.self, forKey: .outcome)
        reasons = try container.decode([String].self, forKey: .reasons)
        platforms = try container.decode([PlatformDecision].self, forKey: .platforms)
        let time = try container.decode(String.self, forKey: .evaluatedAt)
        guard let date = DecisionTime.parse(time) else {
            throw DecodingError.dataCorruptedError(forKey: .evaluatedAt, in: container, debugDescription: "evaluatedAt is not an RFC 3339 UTC time: \(time.prefix(64))")
        }
        evaluatedAt = date
    }
}

/// RFC 3339 times in UTC with milliseconds, as the decision record writes them (`2026-03-01T12:00:00.000Z`).
public enum DecisionTime {
    /// `date` as `2026-03-01T12:00:00.000Z`.
    public static func format(_ date: Date) -> String {
        // Whole milliseconds first, then the text: a Date holds binary fractions, so "….009" may
        // be stored as "….00899…", and a formatter that truncates would write ".008". Written
        // from the integer, a time parsed back from this text formats to the same text.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        if fraction < 0 {
            seconds -= 1
            fraction += 1000
        }
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// An RFC 3339 time, with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
