/// How one requirement of the scope fared for one platform manifest.
///
/// Every requirement reports each signature it looked at and why it was accepted or rejected, so
/// that a denial explains itself ("signature-2: made by key 4A1F…, not in [A, B]").
public struct RequirementReport: Sendable, Hashable, Codable {
    /// The result of one requirement.
    public enum Outcome: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The evidence satisfies the requirement.
        case satisfied
        /// The evidence was read and does not satisfy the requirement.
        case notSatisfied
        /// The requirement could not be evaluated: a key file or signature could not be read, or
        /// the requirement needs something this version cannot check.
        case couldNotEvaluate

        public var description: String { rawValue }

        /// The matching decision outcome.
        public var decisionOutcome: PolicyDecision.Outcome {
            switch self {
            case .satisfied: .allowed
            case .notSatisfied: .denied
            case .couldNotEvaluate: .couldNotEvaluate
            }
        }
    }

    /// The requirement type as written in the policy (`signedBy`, `sigstoreSigned`, `threshold`…).
    public var type: String
    /// The requirement's `description`, quoted from the policy.
    public var description: String?
    /// Where the requirement sits in the policy file, as a JSON path (`$.default[0]`).
    public var path: String
    /// The result.
    public var outcome: Outcome
    /// One line saying why, with containers/image's wording where it has one
    /// (`A signature was required, but no signature exists`).
    public var reason: String
    /// The keys the requirement trusts, as loaded for this evaluation: OpenPGP primary key
    /// fingerprints (40 uppercase hex digits) and cosign key IDs (64 lowercase hex digits, SHA-256
    /// of the SubjectPublicKeyInfo). Empty for requirements without keys.
    public var trustedKeys: [String]
    /// `threshold`: how many distinct keys are required; nil for other types.
    public var threshold: Int?
    /// `threshold`: the distinct keys that counted, each with at least one accepted signature;
    /// nil for other types.
    public var countedKeys: [String]?
    /// `roles`: one report per role, in policy order; nil for other types.
    public var roles: [RoleReport]?
    /// Each signature the requirement looked at, with its verdict. For `roles`, the signatures are
    /// reported per role and this list is empty.
    public var signatures: [SignatureReport]

    /// Makes a requirement report.
    public init(
        type: String, description: String?, path: String, outcome: Outcome, reason: String, trustedKeys: [String] = [],
        threshold: Int? = nil, countedKeys: [String]? = nil, roles: [RoleReport]? = nil, signatures: [SignatureReport] = []
    ) {
        self.type = type
        self.description = description
        self.path = path
        self.outcome = outcome
        self.reason = reason
        self.trustedKeys = trustedKeys
        self.threshold = threshold
        self.countedKeys = countedKeys
        self.roles = roles
        self.signatures = signatures
    }

    /// Whether the requirement is satisfied.
    public var isSatisfied: Bool { outcome == .satisfied }

    private enum CodingKeys: String, CodingKey {
        case type, description, path, outcome, reason, trustedKeys, threshold, countedKeys, roles, signatures
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(description, forKey: .description)
        try container.encode(path, forKey: .path)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(reason, forKey: .reason)
        try container.encode(trustedKeys, forKey: .trustedKeys)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(countedKeys, forKey: .countedKeys)
        try container.encode(roles, forKey: .roles)
        try container.encode(signatures, forKey: .signatures)
    }
}

/// How one named role of a `roles` requirement fared: each role is a threshold of its own.
public struct RoleReport: Sendable, Hashable, Codable {
    /// The role's name (`vendor`, `security`).
    public var name: String
    /// How many distinct keys of the role are required.
    public var threshold: Int
    /// The result for this role.
    public var outcome: RequirementReport.Outcome
    /// One line saying why.
    public var reason: String
    /// The role's keys, as in ``RequirementReport/trustedKeys``.
    public var trustedKeys: [String]
    /// The distinct keys of the role that counted.
    public var countedKeys: [String]
    /// Each signature looked at for this role, with its verdict.
    public var signatures: [SignatureReport]

    /// Makes a role report.
    public init(
        name: String, threshold: Int, outcome: RequirementReport.Outcome, reason: String, trustedKeys: [String], countedKeys: [String],
        signatures: [SignatureReport]
    ) {
        self.name = name
        self.threshold = threshold
        self.outcome = outcome
        self.reason = reason
        self.trustedKeys = trustedKeys
        self.countedKeys = countedKeys
        self.signatures = signatures
    }
}
