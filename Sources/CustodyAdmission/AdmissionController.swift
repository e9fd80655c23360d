import CustodyJSON
import CustodyOCI
import CustodyPolicy
import CustodyRegistry
import CustodyStores
import CustodyVerify
import Foundation
import Synchronization

/// How the webhook acts on its decisions.
public struct AdmissionSettings: Sendable {
    /// `enforce` denies what the policy does not allow; `warn` allows everything and returns
    /// the reasons as warnings (a dry run that changes nothing, not even pinning of unverified images).
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        case enforce, warn
    }

    public var mode: Mode
    /// Whether `/mutate` pins verified tags to their digests. False is validate-only: no patch is
    /// ever returned, and a tag that does not resolve to a verified digest is still denied.
    public var pinDigests: Bool
    /// The kinds whose images `/mutate` pins (all by default). GitOps users often pin Pods only,
    /// because rewriting a Deployment's template makes the live object differ from Git.
    public var pinKinds: Set<WorkloadKind>
    /// The longest one verification may run, whoever waits for it (default 30 s). Requests stop
    /// waiting at their own deadline, earlier.
    public var verificationTimeout: Duration
    /// Whether audit records carry the evidence (manifests and signatures) for offline replay.
    public var recordEvidence: Bool

    public init(
        mode: Mode = .enforce, pinDigests: Bool = true, pinKinds: Set<WorkloadKind> = Set(WorkloadKind.allCases),
        verificationTimeout: Duration = .seconds(30), recordEvidence: Bool = true
    ) {
        self.mode = mode
        self.pinDigests = pinDigests
        self.pinKinds = pinKinds
        self.verificationTimeout = verificationTimeout
        self.recordEvidence = recordEvidence
    }
}

/// Decides AdmissionReviews: finds every image of the workload, verifies each distinct image
/// once under the policy (through the ``VerificationCache``), answers before the deadline, and
/// describes the decision as an ``AdmissionRecord``.
///
/// Every failure denies (in warn mode: warns): an image that is not a valid reference, a tag that
/// does not resolve, a registry that does not answer, a verification that does not finish
/// before the deadline, a kind the webhook does not know. Only a review that cannot be read at
/// all is an error (``AdmissionError``), which the server answers with HTTP 400.
public final class AdmissionController: Sendable {
    /// Which webhook endpoint a review came to.
    public enum Endpoint: String, Sendable, Hashable {
        case validate, mutate
    }

    /// The answer to one review and its audit record.
    public struct Answer: Sendable {
        public var response: AdmissionResponse
        public var record: AdmissionRecord
    }

    /// The most distinct images of one review verified at the same time.
    public static let maxConcurrentImages = 16

    public let policy: TrustPolicySource
    public let transport: ImageTransport
    public let settings: AdmissionSettings
    public let cache: VerificationCache

    public init(policy: TrustPolicySource, transport: ImageTransport, settings: AdmissionSettings = AdmissionSettings(), cache: VerificationCache = VerificationCache()) {
        self.policy = policy
        self.transport = transport
        self.settings = settings
        self.cache = cache
    }

    /// Decides one AdmissionReview.
    /// - Parameters:
    ///   - body: the request body.
    ///   - endpoint: `/validate` never patches; `/mutate` pins verified tags unless validate-only.
    ///   - timeout: the request's `?timeout=` (``AdmissionDeadline/defaultTimeout`` when nil).
    /// - Throws: ``AdmissionError`` when the review cannot be read (answer HTTP 400).
    public func review(_ body: some Collection<UInt8>, endpoint: Endpoint, timeout: Duration?) async throws(AdmissionError) -> Answer {
        let clock = ContinuousClock()
        let started = clock.now
        let arrived = Date()
        let budget = AdmissionDeadline.budget(for: timeout ?? AdmissionDeadline.defaultTimeout)
        let deadline = started + budget
        let review = try UntrustedAdmissionReview(bytes: body)
        let snapshot = policy.current

        var images: [AdmissionRecord.Image] = []
        var problems: [String] = []
        var patch: [AdmissionResponse.PatchOperation] = []
        let kind = WorkloadKind(review.kind)
        if let object = review.object, review.operation == "CREATE" || review.operation == "UPDATE" {
            if let kind {
                let sites: [ImageSite]
                do {
                    sites = try WorkloadImages.sites(in: object, kind: kind)
                } catch {
                    sites = []
                    problems.append("the \(kind.rawValue) cannot be read: \(error.reason)")
                }
                images = await decide(sites, snapshot: snapshot, deadline: deadline)
                for image in images where image.outcome != .allowed {
                    problems.append("image \(image.image): \(Self.describe(image.outcome)): \(image.reasons.joined(separator: "; "))")
                }
                if endpoint == .mutate && settings.pinDigests && settings.pinKinds.contains(kind) {
                    patch = pinningPatch(sites: sites, images: images, review: review, kind: kind)
                }
            } else {
                problems.append("\(review.kind.group.isEmpty ? "" : review.kind.group + "/")\(review.kind.kind) is not a workload kind Custody verifies; the webhook configuration should not send it")
            }
        }

        var response = AdmissionResponse(uid: review.uid, allowed: problems.isEmpty, patch: patch)
        let outcome: String
        if problems.isEmpty {
            outcome = "allowed"
        } else if settings.mode == .warn {
            response.allowed = true
            response.warnings = problems.map { "custody (warn mode): " + $0 }
            outcome = "warned"
        } else {
            response.patch = []
            response.message = "custody denied \(Self.objectName(review)): " + problems.joined(separator: "; ")
            outcome = "denied"
        }
        let id = UUID().uuidString.lowercased()
        response.auditAnnotations = ["custody.dev/decision": outcome, "custody.dev/record": id]
        let elapsed = clock.now - started
        let record = AdmissionRecord(
            id: id, time: DecisionTime.format(arrived), endpoint: endpoint.rawValue, mode: settings.mode.rawValue,
            request: .init(
                uid: review.uid, kind: review.kind, namespace: review.namespace, name: review.objectName, operation: review.operation,
                user: review.userInfo.username, groups: review.userInfo.groups, dryRun: review.dryRun),
            outcome: outcome, reasons: problems, images: images, policy: snapshot.policy, trust: snapshot.trust, patch: response.patch,
            latencyMilliseconds: Self.milliseconds(elapsed), budgetMilliseconds: Self.milliseconds(budget))
        return Answer(response: response, record: record)
    }

    // MARK: Deciding images

    /// Decides each distinct image of `sites` once, concurrently, each by `deadline`.
    func decide(_ sites: [ImageSite], snapshot: TrustPolicySource.Snapshot, deadline: ContinuousClock.Instant) async -> [AdmissionRecord.Image] {
        var order: [String] = []
        var pointers: [String: [String]] = [:]
        for site in sites {
            if pointers[site.image] == nil { order.append(site.image) }
            pointers[site.image, default: []].append(site.pointer)
        }
        let decided = await withTaskGroup(of: (String, AdmissionRecord.Image).self) { group in
            var all: [String: AdmissionRecord.Image] = [:]
            for (position, image) in order.enumerated() {
                // At most maxConcurrentImages at a time: a Pod naming hundreds of images must not
                // open hundreds of registry connections at once.
                if position >= Self.maxConcurrentImages, let (done, result) = await group.next() { all[done] = result }
                let sites = pointers[image] ?? []
                group.addTask { (image, await self.decide(image: image, pointers: sites, snapshot: snapshot, deadline: deadline)) }
            }
            for await (image, result) in group { all[image] = result }
            return all
        }
        return order.compactMap { decided[$0] }
    }

    /// Decides one image: parse, resolve the tag, verify (cached), each step by `deadline`.
    func decide(image text: String, pointers: [String], snapshot: TrustPolicySource.Snapshot, deadline: ContinuousClock.Instant) async -> AdmissionRecord.Image {
        var result = AdmissionRecord.Image(
            image: text, pointers: pointers, reference: nil, digest: nil, outcome: .denied, reasons: [], cached: false, decision: nil, evidence: nil,
            evidenceID: nil)
        let identity: ImageReference
        do {
            identity = try Self.identity(of: text)
        } catch {
            result.reasons = ["not a valid image reference: \(error)"]
            return result
        }
        result.reference = identity.description
        if let decision = await RejectedScope.decision(for: identity, evaluator: snapshot.evaluator) {
            // Decided without the registry: nothing the image holds could change the answer.
            result.digest = identity.digest
            result.outcome = decision.outcome
            result.reasons = decision.reasons
            result.decision = decision
            return result
        }
        let digest: Digest
        if let pinned = identity.digest {
            digest = pinned
        } else {
            let lookup = await cache.digest(forTag: identity.description) { [transport] in
                let client = try transport.client(for: identity.domain)
                guard let descriptor = try await client.manifestDescriptor(repository: identity.path, reference: identity.tag ?? ImageReference.defaultTag) else {
                    throw AdmissionError(.configuration, "the registry has no manifest for \(identity)")
                }
                return descriptor.digest
            }
            let resolved: Result<Digest, any Error>?
            switch lookup {
            case .known(let known): resolved = .success(known)
            case .pending(let task): resolved = await Self.wait(for: task, until: deadline)
            }
            switch resolved {
            case nil:
                result.outcome = .couldNotEvaluate
                result.reasons = ["resolving the tag did not finish before the admission deadline"]
                return result
            case .failure(let error)?:
                result.outcome = .couldNotEvaluate
                result.reasons = ["could not resolve the tag: \(error)"]
                return result
            case .success(let found)?:
                digest = found
            }
        }
        result.digest = digest
        let key = VerificationCache.Key(
            reference: identity.description, digest: digest, policyGeneration: snapshot.policy.generation, trustGeneration: snapshot.trust.generation)
        let verification: VerificationCache.Verification?
        switch await cache.verification(for: key, verify: { [self] in await self.verify(identity, digest: digest, snapshot: snapshot) }) {
        case .cached(let hit):
            verification = hit
            result.cached = true
        case .pending(let task):
            verification = await Self.wait(for: task, until: deadline)
        }
        guard let verification else {
            result.outcome = .couldNotEvaluate
            result.reasons = ["verification did not finish before the admission deadline; it goes on, and a retry may find its result"]
            return result
        }
        result.outcome = verification.decision.outcome
        result.reasons = verification.decision.outcome == .allowed ? [] : verification.decision.reasons
        result.decision = verification.decision
        if settings.recordEvidence, let evidence = verification.evidence {
            // The evidence is written once per verification, by the records of the requests
            // that made or joined it; records answered from the cache name it.
            result.evidenceID = verification.evidenceID
            if !result.cached { result.evidence = RecordedEvidence(evidence) }
        }
        return result
    }

    /// Reads the image by digest with its signatures and decides it under the policy, as the
    /// reference `identity` (which identity rules compare signatures with).
    func verify(_ identity: ImageReference, digest: Digest, snapshot: TrustPolicySource.Snapshot) async -> VerificationCache.Verification {
        let name = ImageName.docker(identity)
        let evaluator = snapshot.evaluator
        let gathering = Task { [transport] () -> Result<ImageEvidence, any Error> in
            do {
                let source = try transport.openSource(.docker(identity.repository.withDigest(digest)), lookasideSignatures: false, attachments: true)
                var stores: [any SignatureStore] = []
                if let lookaside = try transport.lookaside(for: identity, forWriting: false) { stores.append(lookaside) }
                return .success(try await ImageEvidence.gather(from: source, stores: stores, readsImageSignatures: true, storeReference: identity))
            } catch {
                return .failure(error)
            }
        }
        let gathered = await Self.wait(for: gathering, until: ContinuousClock.now + settings.verificationTimeout)
        let failure: String
        switch gathered {
        case .success(let evidence)?:
            return .init(decision: evaluator.evaluate(image: name, evidence: evidence), evidence: evidence)
        case .failure(let error)?:
            failure = "could not read the image or its signatures: \(error)"
        case nil:
            gathering.cancel()
            failure = "reading the image and its signatures took longer than \(settings.verificationTimeout)"
        }
        return .init(
            decision: .couldNotEvaluate(image: .init(name, digest: digest), policy: evaluator.policyFile, reason: failure, evaluatedAt: Date()),
            evidence: nil)
    }

    /// The reference a Kubernetes image string stands for, as the container runtime reads it
    /// (normalised; `:latest` when it names neither tag nor digest; a digest wins over a tag).
    static func identity(of image: String) throws -> ImageReference {
        try ImageReference.parseDockerReference(image)
    }

    // MARK: Pinning

    /// `replace` operations that append the verified digest to each allowed image named by tag
    /// only. On UPDATE, a site whose image is unchanged from the old object is left alone
    /// (templates of Jobs are immutable, and patching them would make every update fail).
    func pinningPatch(sites: [ImageSite], images: [AdmissionRecord.Image], review: UntrustedAdmissionReview, kind: WorkloadKind) -> [AdmissionResponse.PatchOperation] {
        var verified: [String: Digest] = [:]
        for image in images where image.outcome == .allowed {
            if let digest = image.digest { verified[image.image] = digest }
        }
        var unchanged: Set<String> = []
        if review.operation == "UPDATE", let old = review.oldObject, let oldSites = try? WorkloadImages.sites(in: old, kind: kind) {
            let before = Dictionary(oldSites.map { ($0.pointer, $0.image) }, uniquingKeysWith: { first, _ in first })
            for site in sites where before[site.pointer] == site.image { unchanged.insert(site.pointer) }
        }
        var operations: [AdmissionResponse.PatchOperation] = []
        for site in sites where !unchanged.contains(site.pointer) {
            guard let digest = verified[site.image], !site.image.contains("@") else { continue }
            operations.append(.init(replace: site.pointer, with: "\(site.image)@\(digest)"))
        }
        return operations
    }

    // MARK: Helpers

    /// The value of `task`, or nil if `deadline` comes first. The task is not cancelled: others
    /// may be waiting for it, and its result is cached.
    static func wait<T: Sendable>(for task: Task<T, Never>, until deadline: ContinuousClock.Instant) async -> T? {
        let slot = Mutex<CheckedContinuation<T?, Never>?>(nil)
        let finish: @Sendable (T?) -> Void = { value in
            let continuation = slot.withLock { stored -> CheckedContinuation<T?, Never>? in
                defer { stored = nil }
                return stored
            }
            continuation?.resume(returning: value)
        }
        return await withCheckedContinuation { continuation in
            slot.withLock { $0 = continuation }
            let timer = Task {
                // Cancelled when the value came first: then it must not answer "too late".
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
                finish(nil)
            }
            Task {
                let value = await task.value
                finish(value)
                timer.cancel()
            }
        }
    }

    static func describe(_ outcome: PolicyDecision.Outcome) -> String {
        switch outcome {
        case .allowed: "allowed"
        case .denied: "denied"
        case .couldNotEvaluate: "could not evaluate"
        }
    }

    static func objectName(_ review: UntrustedAdmissionReview) -> String {
        let name = review.objectName ?? "(unnamed)"
        if let namespace = review.namespace, !namespace.isEmpty { return "\(review.kind.kind) \(namespace)/\(name)" }
        return "\(review.kind.kind) \(name)"
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15 * 1).rounded(toPlaces: 3)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
