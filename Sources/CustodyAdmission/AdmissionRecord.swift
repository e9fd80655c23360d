import CustodyOCI
import CustodyPolicy
import Foundation

/// The audit record of one admission decision: `custody.admission/v1`, one JSON object per line
/// of the audit file (`Docs/webhook.md`, "Audit records").
///
/// It says who asked for what (the request), which images the object names and the digest each
/// resolved to, the full decision record of each image (`custody.decision/v1`: requirements,
/// signatures, keys), the evidence it was decided on (so that `custody audit replay` can decide
/// again offline), the policy and trust material in force (path, SHA-256, generation), the
/// outcome, any patch, and how long it took.
///
/// Versioning follows the decision record: members may be added within `v1`; nothing is removed
/// or changes meaning; every member is always written (`null` when it does not apply).
public struct AdmissionRecord: Sendable, Codable, Hashable {
    public static let schemaVersion = "custody.admission/v1"

    /// The request, as far as the decision depends on it.
    public struct Request: Sendable, Codable, Hashable {
        public var uid: String
        public var kind: UntrustedAdmissionReview.GroupVersionKind
        public var namespace: String?
        public var name: String?
        public var operation: String
        public var user: String?
        public var groups: [String]
        public var dryRun: Bool
    }

    /// One distinct image of the object.
    public struct Image: Sendable, Codable, Hashable {
        /// The image as written in the object.
        public var image: String
        /// Where the object names it (JSON Pointers).
        public var pointers: [String]
        /// The normalised reference the policy decided about, nil when the image is not a valid reference.
        public var reference: String?
        /// The manifest digest the image resolved to, nil when it could not be resolved.
        public var digest: Digest?
        /// `allowed`, `denied` or `couldNotEvaluate`.
        public var outcome: PolicyDecision.Outcome
        public var reasons: [String]
        /// Whether the decision came from the cache (made earlier, under the same generations).
        public var cached: Bool
        /// The full decision record, nil when no decision was made (invalid reference, deadline).
        public var decision: PolicyDecision?
        /// What the decision was made on: written in the record of the request that made (or
        /// waited for) the verification; nil in records answered from the cache, when there was
        /// no evidence, or when it was over the size limit.
        public var evidence: RecordedEvidence?
        /// The id of that evidence: the same in every record decided by one verification, so a
        /// record answered from the cache finds its evidence in the record that holds it.
        public var evidenceID: String?
    }

    /// The policy or trust material in force.
    public struct Generation: Sendable, Codable, Hashable {
        /// The file (for trust material: nil, it is every key file the policy names).
        public var path: String?
        /// SHA-256 of the bytes (for trust material: of the key files' paths and bytes, in order).
        public var sha256: Digest
        /// Counts reloads since the webhook started (1 is the first).
        public var generation: Int
    }

    public var schemaVersion: String = Self.schemaVersion
    /// A unique id (UUID) for this record.
    public var id: String
    /// When the request arrived.
    public var time: String
    /// `validate` or `mutate`.
    public var endpoint: String
    /// `enforce` or `warn`.
    public var mode: String
    public var request: Request
    /// `allowed`, `denied`, or `warned` (allowed in warn mode with reasons returned as warnings).
    public var outcome: String
    public var reasons: [String]
    public var images: [Image]
    public var policy: Generation
    public var trust: Generation
    /// The JSON Patch returned (empty when none).
    public var patch: [AdmissionResponse.PatchOperation]
    /// Milliseconds from the request's arrival to its answer.
    public var latencyMilliseconds: Double
    /// The deadline the answer had to meet, in milliseconds after arrival.
    public var budgetMilliseconds: Double

    /// Parses one line of an audit file.
    /// - Throws: when the line is not a `custody.admission/v1` record.
    public init(line: some Collection<UInt8>) throws {
        let decoder = JSONDecoder()
        self = try decoder.decode(AdmissionRecord.self, from: Data(line))
        guard schemaVersion == Self.schemaVersion else {
            throw AdmissionError(.malformedReview, "unsupported audit record schema \(schemaVersion.prefix(64).debugDescription), expected \(Self.schemaVersion)")
        }
        guard DecisionTime.parse(time) != nil else { throw AdmissionError(.malformedReview, "time is not an RFC 3339 time: \(time.prefix(64))") }
    }

    init(
        id: String, time: String, endpoint: String, mode: String, request: Request, outcome: String, reasons: [String], images: [Image],
        policy: Generation, trust: Generation, patch: [AdmissionResponse.PatchOperation], latencyMilliseconds: Double, budgetMilliseconds: Double
    ) {
        self.id = id
        self.time = time
        self.endpoint = endpoint
        self.mode = mode
        self.request = request
        self.outcome = outcome
        self.reasons = reasons
        self.images = images
        self.policy = policy
        self.trust = trust
        self.patch = patch
        self.latencyMilliseconds = latencyMilliseconds
        self.budgetMilliseconds = budgetMilliseconds
    }

    /// The record as one line of JSON (no newline), members in a fixed order.
    public func jsonLine() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    // Every member is written, null included (synthesised Codable would omit nil optionals).
    private enum CodingKeys: String, CodingKey {
        case schemaVersion, id, time, endpoint, mode, request, outcome, reasons, images, policy, trust, patch, latencyMilliseconds, budgetMilliseconds
    }
}

extension AdmissionRecord.Request {
    private enum CodingKeys: String, CodingKey { case uid, kind, namespace, name, operation, user, groups, dryRun }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(uid, forKey: .uid)
        try container.encode(kind, forKey: .kind)
        try container.encode(namespace, forKey: .namespace)
        try container.encode(name, forKey: .name)
        try container.encode(operation, forKey: .operation)
        try container.encode(user, forKey: .user)
        try container.encode(groups, forKey: .groups)
        try container.encode(dryRun, forKey: .dryRun)
    }
}

extension AdmissionRecord.Image {
    private enum CodingKeys: String, CodingKey { case image, pointers, reference, digest, outcome, reasons, cached, decision, evidence, evidenceID }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(image, forKey: .image)
        try container.encode(pointers, forKey: .pointers)
        try container.encode(reference, forKey: .reference)
        try container.encode(digest, forKey: .digest)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reasons, forKey: .reasons)
        try container.encode(cached, forKey: .cached)
        try container.encode(decision, forKey: .decision)
        try container.encode(evidence, forKey: .evidence)
        try container.encode(evidenceID, forKey: .evidenceID)
    }
}

extension AdmissionRecord.Generation {
    private enum CodingKeys: String, CodingKey { case path, sha256, generation }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(generation, forKey: .generation)
    }
}
