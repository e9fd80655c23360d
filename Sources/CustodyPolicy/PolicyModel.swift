import CustodyOCI

// CONTRACT FILE: the policy model shared by the parser (CustodyPolicy) and the evaluator
// (CustodyVerify). Engineers may add members and split these types into files named after them;
// renaming or removing a member needs the lead's agreement.

/// A parsed trust policy: containers-policy.json(5) in full plus Custody's extensions.
///
/// Built only by ``PolicyDocument/init(bytes:baseDirectory:)`` from a file's bytes; every key path is
/// already resolved against the policy file's folder.
public struct PolicyDocument: Sendable, Hashable {
    /// `default`: the requirements of any image no transport scope matches. Never empty.
    public var defaultRequirements: [PolicyRequirement]
    /// `transports`: transport name → (scope → requirements), in file order. The scope `""` is the
    /// transport's own default. Unknown transport names are kept (containers/image accepts them).
    public var transports: [(transport: String, scopes: [(scope: String, requirements: [PolicyRequirement])])]
    /// Custody's top-level extension object (`"custody": {…}`), if present.
    public var custody: CustodyPolicyOptions

    public static func == (lhs: PolicyDocument, rhs: PolicyDocument) -> Bool {
        lhs.defaultRequirements == rhs.defaultRequirements && lhs.custody == rhs.custody
            && lhs.transports.map(\.transport) == rhs.transports.map(\.transport)
            && zip(lhs.transports, rhs.transports).allSatisfy { l, r in
                l.scopes.map(\.scope) == r.scopes.map(\.scope) && zip(l.scopes, r.scopes).allSatisfy { $0.requirements == $1.requirements }
            }
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(defaultRequirements) }
}

/// Custody-only policy options, under the top-level `"custody"` key (stock tools reject the key).
public struct CustodyPolicyOptions: Sendable, Hashable {
    /// When true, a signature on an index also counts for each of its platform manifests. Default
    /// false, as in containers/image: each platform manifest needs its own signatures.
    public var indexSignaturesCoverInstances: Bool = false
    public init(indexSignaturesCoverInstances: Bool = false) { self.indexSignaturesCoverInstances = indexSignaturesCoverInstances }
}

/// One requirement of a scope. All requirements of the selected scope must hold.
public struct PolicyRequirement: Sendable, Hashable {
    /// What is required.
    public var kind: Kind
    /// An optional `description` that decisions quote (a Custody extension, allowed on any type).
    public var description: String?
    /// Where the requirement sits in the file, as a JSON path (`$.transports.docker["quay.io"][1]`).
    public var path: String
    /// The Rekor public keys of a `sigstoreSigned` requirement (`rekorPublicKeyPath`,
    /// `rekorPublicKeyPaths`, `rekorPublicKeyData` or `rekorPublicKeyDatas`), in either mode: with
    /// keys (``Kind/sigstoreSigned(keys:identity:)``) every accepted signature must then carry a
    /// Rekor signed entry timestamp made by one of these keys; keyless requirements repeat them in
    /// ``SigstoreKeyless/rekorKeys``. Nil for every other kind, and when none is configured.
    public var rekorKeys: KeySource? = nil
    /// The `baseLayerIdentity` of a ``Kind/signedBaseLayer`` requirement, as parsed (kept for
    /// reports; the requirement never allows an image). Nil for every other kind.
    public var baseLayerIdentity: IdentityRule? = nil

    public init(kind: Kind, description: String? = nil, path: String) {
        self.kind = kind
        self.description = description
        self.path = path
    }

    public enum Kind: Sendable, Hashable {
        /// Any image.
        case insecureAcceptAnything
        /// No image.
        case reject
        /// At least one simple signature by one of the keys, for the manifest digest, whose identity
        /// matches `identity`.
        case signedBy(keys: KeySource, identity: IdentityRule)
        /// `keyType` values other than `GPGKeys` that containers/image parses but cannot evaluate
        /// (`X509Certificates`, `signedByGPGKeys`, `signedByX509CAs`): never allows an image.
        case signedByUnsupportedKeyType(String)
        /// At least one cosign signature verified by one of the keys, with matching identity.
        case sigstoreSigned(keys: KeySource, identity: IdentityRule)
        /// `sigstoreSigned` with `fulcio` or `pki` (keyless): parsed now, evaluated when keyless
        /// verification exists; until then "could not evaluate", never "allowed".
        case sigstoreSignedKeyless(SigstoreKeyless, identity: IdentityRule)
        /// `signedBaseLayer`: parsed as containers/image does; never allows an image (upstream
        /// does not implement it either).
        case signedBaseLayer
        /// Custody: `threshold` distinct keys among `signers` must each have an accepted signature.
        case threshold(ThresholdRequirement)
        /// Custody: every named role must be satisfied (each role is a threshold over its own keys).
        case roles([RoleRequirement])
        /// Custody: some accepted signature (by `signers`, or by any key of another requirement of
        /// the scope when nil) must carry a trusted time no older than `maxAgeSeconds`.
        case freshness(maxAgeSeconds: Int64)
        /// Custody: the image must be referenced by digest, not by tag alone.
        case digestRequired
    }
}

/// Where trusted keys come from: exactly one of `keyPath`, `keyPaths`, `keyData`, `keyDatas`.
/// Paths are absolute (resolved against the policy's folder); data is the decoded bytes.
public enum KeySource: Sendable, Hashable {
    case paths([String])
    case data([[UInt8]])
}

/// `fulcio` / `pki` settings of a keyless `sigstoreSigned` (kept as parsed; enforced later).
public struct SigstoreKeyless: Sendable, Hashable {
    /// `"fulcio"` or `"pki"`.
    public var kind: String
    /// The members as parsed, for reports.
    public var summary: String
    /// The Rekor key source, when given.
    public var rekorKeys: KeySource?
    /// The `fulcio` settings, when ``kind`` is `"fulcio"`.
    public var fulcio: SigstoreFulcioTrust? = nil
    /// The `pki` settings, when ``kind`` is `"pki"`.
    public var pki: SigstorePKITrust? = nil
    public init(kind: String, summary: String, rekorKeys: KeySource?) {
        self.kind = kind
        self.summary = summary
        self.rekorKeys = rekorKeys
    }
}

/// One group of signers: OpenPGP keys (simple signing) and/or public keys (cosign).
public struct SignerSet: Sendable, Hashable {
    /// OpenPGP keys whose simple signatures count (each primary key counts once).
    public var gpgKeys: KeySource?
    /// PEM public keys whose cosign signatures count (each key counts once).
    public var sigstoreKeys: KeySource?
    public init(gpgKeys: KeySource?, sigstoreKeys: KeySource?) {
        self.gpgKeys = gpgKeys
        self.sigstoreKeys = sigstoreKeys
    }
}

/// `{"type":"threshold","threshold":K,"signers":{…},"signedIdentity":{…}}`.
public struct ThresholdRequirement: Sendable, Hashable {
    public var threshold: Int
    public var signers: SignerSet
    public var identity: IdentityRule
    public init(threshold: Int, signers: SignerSet, identity: IdentityRule) {
        self.threshold = threshold
        self.signers = signers
        self.identity = identity
    }
}

/// One named role of a `roles` requirement.
public struct RoleRequirement: Sendable, Hashable {
    public var name: String
    public var threshold: Int
    public var signers: SignerSet
    public var identity: IdentityRule
    public init(name: String, threshold: Int, signers: SignerSet, identity: IdentityRule) {
        self.name = name
        self.threshold = threshold
        self.signers = signers
        self.identity = identity
    }
}

/// `signedIdentity`: how a signature's claimed identity must relate to the image's reference.
public enum IdentityRule: Sendable, Hashable {
    case matchExact
    /// The default when `signedIdentity` is absent.
    case matchRepoDigestOrExact
    case matchRepository
    case exactReference(ImageReference)
    case exactRepository(ImageReference)
    case remapIdentity(prefix: String, signedPrefix: String)
}
