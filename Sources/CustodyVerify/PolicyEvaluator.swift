import CustodyOCI
import CustodyPolicy
import CustodyStores
import Foundation

/// Decides whether an image may be used under a trust policy, and says why.
///
/// The evaluation follows containers/image (`signature/policy_eval*.go`), plus Custody's
/// extensions:
/// - the scope is resolved from the image name (``PolicyImageIdentity``); identity rules compare
///   signatures with the image's own Docker reference (none for `oci:` and `dir:` images);
/// - the decision is made per platform manifest, as containers/image decides per single image:
///   each instance of an index with the signatures made for ITS digest (and the index's own
///   signatures only when the policy sets `custody.indexSignaturesCoverInstances`); a single
///   image with the signatures of its manifest;
/// - ALL requirements of the scope are evaluated and reported, even after one fails; the
///   platform is allowed only when every requirement is satisfied (see
///   ``PolicyDecision/Outcome/combining(_:)`` for how denials and "could not evaluate" combine);
/// - `signedBy` and `sigstoreSigned` are satisfied by any one accepted signature; `threshold`
///   and each role of `roles` count DISTINCT keys; `freshness` needs a trusted time, which no
///   signature carries yet; `digestRequired` needs a `docker://` name with a digest.
///
/// It never throws: an unreadable image, store or key file makes the decision (or the
/// requirement) ``PolicyDecision/Outcome/couldNotEvaluate`` with the reason.
///
/// ## Performance
///
/// Each signature is decoded once per evaluation and checked cryptographically at most once per
/// key source, however many requirements and platforms look at it. Key files are parsed once
/// per evaluator and only looked at (`stat`) by later evaluations, which parse them again only
/// when they changed. ``evaluate(image:evidence:now:)`` decides over evidence already in memory,
/// with no I/O beyond that check of key files.
///
/// A `PolicyEvaluator` is a value that can be shared between concurrent evaluations.
public struct PolicyEvaluator: Sendable {
    /// The policy.
    public let policy: PolicyDocument
    /// Where the policy came from, for decision records.
    public let policyFile: PolicyDecision.PolicyFile
    private let keyCache = PolicyKeyCache()

    /// An evaluator for a parsed policy.
    /// - Parameters:
    ///   - policy: the policy.
    ///   - policyPath: the file it was read from, recorded in decisions; nil for a policy built in memory.
    ///   - policySHA256: the SHA-256 digest of the policy's bytes, recorded in decisions.
    public init(policy: PolicyDocument, policyPath: String? = nil, policySHA256: Digest? = nil) {
        self.policy = policy
        self.policyFile = PolicyDecision.PolicyFile(path: policyPath, sha256: policySHA256)
    }

    /// An evaluator for the policy in `bytes`, read from `path`: relative key paths are resolved
    /// against the file's folder, and the path and the bytes' SHA-256 are recorded in decisions.
    /// - Throws: ``PolicyError`` when the policy does not parse, its reason prefixed
    ///   `invalid policy in "<path>": ` as containers/image prefixes it.
    public init(policyBytes bytes: [UInt8], path: String) throws(PolicyError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let folder = URL(fileURLWithPath: absolute).deletingLastPathComponent().path
        let document: PolicyDocument
        do {
            document = try PolicyDocument(bytes: bytes, baseDirectory: folder)
        } catch {
            throw PolicyError(code: error.code, reason: "invalid policy in \"\(path)\": \(error.reason)", path: error.path)
        }
        self.init(policy: document, policyPath: path, policySHA256: Digest.compute(bytes))
    }

    /// An evaluator for the policy file at `path` (see ``init(policyBytes:path:)``).
    /// - Throws: ``PolicyError`` with code ``PolicyError/Code/io`` or ``PolicyError/Code/tooLarge``
    ///   when the file cannot be read, or the parse error.
    public init(contentsOfFile path: String) throws(PolicyError) {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: PolicyDocument.maxBytes)
        } catch let error as OCIError {
            throw PolicyError(code: error.code == .tooLarge ? .tooLarge : .io, reason: "reading policy \"\(path)\": \(error.reason)")
        } catch {
            throw PolicyError(code: .io, reason: "reading policy \"\(path)\": \(error)")
        }
        try self.init(policyBytes: bytes, path: path)
    }

    /// Reads the image and its signatures, then decides.
    ///
    /// - Parameters:
    ///   - image: the image name (its scope and Docker reference come from it).
    ///   - source: the opened image.
    ///   - stores: signature stores to read (lookaside). For a `dir:` image, either read its
    ///     signature files with the source (`readsImageSignatures: true`) or pass its
    ///     `DirectorySignatureStore` here (and false), never both.
    ///   - readsImageSignatures: whether the image's own signatures (`dir:` signature files,
    ///     registry `.sig` attachments) are read from `source`.
    ///   - storeReference: the reference stores file signatures under; by default the image's
    ///     Docker reference (nil for `oci:`/`dir:`, which lookaside stores then cannot serve).
    ///   - now: the time of the decision: key and signature expiry are checked at it.
    /// - Returns: the decision; ``PolicyDecision/Outcome/couldNotEvaluate`` when the image or a
    ///   store cannot be read.
    public func evaluate(
        image: ImageName, source: any ImageSource, stores: [any SignatureStore], readsImageSignatures: Bool = true,
        storeReference: ImageReference? = nil, now: Date = Date()
    ) async -> PolicyDecision {
        let evidence: ImageEvidence
        do {
            evidence = try await ImageEvidence.gather(
                from: source, stores: stores, readsImageSignatures: readsImageSignatures, storeReference: storeReference ?? Self.dockerReference(image))
        } catch {
            return undecidable(image, digest: nil, reason: "could not read the image or its signatures: \(error)", now: now)
        }
        return evaluate(image: image, evidence: evidence, now: now)
    }

    /// Decides over evidence already in memory: no image or store I/O (key files are still
    /// looked at, and parsed when they changed). This is the in-process entry point for
    /// recorded evidence and benchmarks.
    ///
    /// - Parameters:
    ///   - image: the image name (its scope and Docker reference come from it).
    ///   - evidence: the image's manifests and the signatures found for each.
    ///   - now: the time of the decision.
    public func evaluate(image: ImageName, evidence: ImageEvidence, now: Date = Date()) -> PolicyDecision {
        let rootDigest = evidence.root.manifest.digest
        if case .docker(let reference) = image, let pinned = reference.digest, pinned != rootDigest {
            return undecidable(image, digest: rootDigest, reason: "the manifest read has digest \(rootDigest), not the \(pinned) the reference names", now: now)
        }
        let identity: PolicyImageIdentity
        do {
            identity = try PolicyImageIdentity(image)
        } catch {
            return undecidable(image, digest: rootDigest, reason: error.reason, now: now)
        }
        let (match, requirements) = policy.requirements(for: identity)
        let scope = PolicyDecision.Scope(transport: match.transport, scope: match.scope, path: match.path)
        var evaluation = PolicyEvaluation(cache: keyCache, imageName: image.description, intended: identity.dockerReference, now: now)

        var ordinal = 0
        func candidates(_ entry: ImageEvidence.Entry, fromIndex: Bool) -> [SignatureCandidate] {
            entry.signatures.map { stored in
                defer { ordinal += 1 }
                return SignatureCandidate(stored, ordinal: ordinal, signedDigest: entry.manifest.digest, fromIndex: fromIndex)
            }
        }
        var platforms: [PlatformDecision] = []
        if evidence.isIndex {
            let covers = policy.custody.indexSignaturesCoverInstances
            let indexSignatures = covers ? candidates(evidence.root, fromIndex: true) : []
            for instance in evidence.instances {
                let own = candidates(instance, fromIndex: false)
                platforms.append(decide(instance, candidates: own + indexSignatures, indexCounted: covers, requirements: requirements, in: &evaluation))
            }
        } else {
            platforms.append(decide(evidence.root, candidates: candidates(evidence.root, fromIndex: false), indexCounted: false, requirements: requirements, in: &evaluation))
        }

        let outcome = PolicyDecision.Outcome.combining(platforms.map(\.outcome))
        var reasons: [String] = []
        if platforms.isEmpty { reasons.append("the index names no manifests: there is nothing to decide") }
        for platform in platforms where platform.outcome != .allowed {
            for requirement in platform.requirements where requirement.outcome != .satisfied {
                let prefix = evidence.isIndex ? "\(platform.name): " : ""
                reasons.append("\(prefix)\(requirement.path) \(requirement.type): \(requirement.reason)")
            }
        }
        return PolicyDecision(
            image: PolicyDecision.Image(image, digest: rootDigest), policy: policyFile, scope: scope, outcome: outcome, reasons: reasons,
            platforms: platforms, evaluatedAt: now)
    }

    /// One platform manifest against every requirement of the scope.
    private func decide(
        _ entry: ImageEvidence.Entry, candidates: [SignatureCandidate], indexCounted: Bool, requirements: [PolicyRequirement],
        in evaluation: inout PolicyEvaluation
    ) -> PlatformDecision {
        let reports = evaluation.evaluate(requirements, candidates: candidates)
        return PlatformDecision(
            digest: entry.manifest.digest, platform: entry.platform, mediaType: entry.manifest.mediaType,
            outcome: PolicyDecision.Outcome.combining(reports.map(\.outcome.decisionOutcome)), indexSignaturesCounted: indexCounted,
            requirements: reports)
    }

    /// A decision that could not be made: never allowed. When the scope itself rules the image out
    /// whatever the image holds (`reject`, an unsupported `keyType`, `signedBaseLayer`, or
    /// `digestRequired` on a name without a digest), the image is denied instead, with both reasons.
    private func undecidable(_ image: ImageName, digest: Digest?, reason: String, now: Date) -> PolicyDecision {
        let record = PolicyDecision.Image(image, digest: digest)
        guard let identity = try? PolicyImageIdentity(image) else {
            return .couldNotEvaluate(image: record, policy: policyFile, reason: reason, evaluatedAt: now)
        }
        let (match, requirements) = policy.requirements(for: identity)
        let scope = PolicyDecision.Scope(transport: match.transport, scope: match.scope, path: match.path)
        let imageIndependent = requirements.filter { requirement in
            switch requirement.kind {
            case .reject, .signedByUnsupportedKeyType, .signedBaseLayer, .digestRequired: true
            default: false
            }
        }
        var evaluation = PolicyEvaluation(cache: keyCache, imageName: image.description, intended: identity.dockerReference, now: now)
        let denials = evaluation.evaluate(imageIndependent, candidates: []).filter { $0.outcome == .notSatisfied }
        guard !denials.isEmpty else {
            return .couldNotEvaluate(image: record, policy: policyFile, scope: scope, reason: reason, evaluatedAt: now)
        }
        return PolicyDecision(
            image: record, policy: policyFile, scope: scope, outcome: .denied,
            reasons: denials.map { "\($0.path) \($0.type): \($0.reason)" } + [reason], platforms: [], evaluatedAt: now)
    }

    /// The Docker reference of a `docker://` name.
    private static func dockerReference(_ image: ImageName) -> ImageReference? {
        if case .docker(let reference) = image { return reference }
        return nil
    }
}
