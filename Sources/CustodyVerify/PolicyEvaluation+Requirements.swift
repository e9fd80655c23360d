import CustodyOCI
import CustodyPolicy

extension PolicyEvaluation {
    /// The message containers/image gives when a freshness check has no trusted time to measure
    /// from; until transparency-log and timestamp proofs are verified, no signature has one.
    static let noTrustedTime = "no signature carries a trusted time (log or timestamp proof); the claim's own timestamp is not proof of time"

    /// Evaluates every requirement of the scope for one platform manifest, in policy order, with
    /// no short-circuit: each requirement is reported even after one has failed.
    /// `freshness` requirements are evaluated last, over the signatures the others accepted.
    mutating func evaluate(_ requirements: [PolicyRequirement], candidates: [SignatureCandidate]) -> [RequirementReport] {
        var reports: [RequirementReport?] = Array(repeating: nil, count: requirements.count)
        var accepted: [Judgement] = []
        for (position, requirement) in requirements.enumerated() {
            if case .freshness = requirement.kind { continue }
            let (report, judgements) = evaluate(requirement, candidates: candidates)
            reports[position] = report
            accepted += judgements.filter(\.isAccepted)
        }
        for (position, requirement) in requirements.enumerated() {
            if case .freshness(let maxAge) = requirement.kind {
                reports[position] = freshness(requirement, maxAgeSeconds: maxAge, accepted: accepted)
            }
        }
        return reports.compactMap { $0 }
    }

    /// One requirement (other than `freshness`), with the verdicts on the signatures it used.
    private mutating func evaluate(_ requirement: PolicyRequirement, candidates: [SignatureCandidate]) -> (RequirementReport, [Judgement]) {
        func plain(_ type: String, _ outcome: RequirementReport.Outcome, _ reason: String) -> (RequirementReport, [Judgement]) {
            (RequirementReport(type: type, description: requirement.description, path: requirement.path, outcome: outcome, reason: reason), [])
        }
        switch requirement.kind {
        case .insecureAcceptAnything:
            return plain("insecureAcceptAnything", .satisfied, "insecureAcceptAnything: every image is accepted")
        case .reject:
            return plain("reject", .notSatisfied, "Running image \(imageName) is rejected by policy.")
        case .signedByUnsupportedKeyType(let keyType):
            return plain("signedBy", .notSatisfied, "Unimplemented \"keyType\" value \"\(keyType)\"")
        case .signedBaseLayer:
            return plain("signedBaseLayer", .notSatisfied, "signedBaseLayer not implemented yet!")
        case .sigstoreSignedKeyless(let keyless, _):
            return plain("sigstoreSigned", .couldNotEvaluate, "keyless verification (fulcio/pki) is not supported yet; this requirement uses \(keyless.kind): \(keyless.summary)")
        case .digestRequired:
            let pinned = digestRequired()
            return plain("digestRequired", pinned.outcome, pinned.reason)
        case .freshness:
            return plain("freshness", .notSatisfied, Self.noTrustedTime)
        case .signedBy(let source, let identity):
            return signedBy(requirement, source: source, identity: identity, candidates: candidates)
        case .sigstoreSigned where requirement.rekorKeys != nil:
            return plain(
                "sigstoreSigned", .couldNotEvaluate,
                "Rekor signed entry timestamp verification (rekorPublicKey…) is not supported yet; this requirement needs it for every signature")
        case .sigstoreSigned(let source, let identity):
            return sigstoreSigned(requirement, source: source, identity: identity, candidates: candidates)
        case .threshold(let threshold):
            let count = count(threshold.threshold, signers: threshold.signers, identity: threshold.identity, candidates: candidates)
            return (
                RequirementReport(
                    type: "threshold", description: requirement.description, path: requirement.path, outcome: count.outcome, reason: count.reason,
                    trustedKeys: count.trustedKeys, threshold: threshold.threshold, countedKeys: count.counted, signatures: count.signatures),
                count.judgements
            )
        case .roles(let roles):
            return self.roles(requirement, roles: roles, candidates: candidates)
        }
    }

    // MARK: signedBy, sigstoreSigned

    private mutating func signedBy(
        _ requirement: PolicyRequirement, source: KeySource, identity: IdentityRule, candidates: [SignatureCandidate]
    ) -> (RequirementReport, [Judgement]) {
        let keys = keys(source, kind: .openPGP)
        if let failure = keys.failure {
            return (RequirementReport(type: "signedBy", description: requirement.description, path: requirement.path, outcome: .couldNotEvaluate, reason: failure), [])
        }
        let judgements = candidates.map {
            judge($0, gpg: keys, sigstore: nil, identity: identity, simpleRefusal: "", cosignRefusal: "a cosign signature: signedBy accepts only simple signatures")
        }
        // containers/image's signedBy looks at simple signatures; cosign ones are reported but
        // do not count as signatures in its messages.
        let relevant = judgements.filter { $0.candidate.format != .cosign }
        let cosignCount = judgements.count - relevant.count
        let none = "A signature was required, but no signature exists" + (cosignCount == 0 ? "" : " (\(cosignCount) cosign signatures, which signedBy does not accept)")
        let (outcome, reason) = Self.anyOneAccepted(relevant, none: none)
        return (
            RequirementReport(
                type: "signedBy", description: requirement.description, path: requirement.path, outcome: outcome, reason: Self.noting(reason, keys),
                trustedKeys: keys.names, signatures: judgements.map(\.report)),
            judgements
        )
    }

    private mutating func sigstoreSigned(
        _ requirement: PolicyRequirement, source: KeySource, identity: IdentityRule, candidates: [SignatureCandidate]
    ) -> (RequirementReport, [Judgement]) {
        let keys = keys(source, kind: .publicKey)
        if let failure = keys.failure {
            return (RequirementReport(type: "sigstoreSigned", description: requirement.description, path: requirement.path, outcome: .couldNotEvaluate, reason: failure), [])
        }
        let judgements = candidates.map {
            judge($0, gpg: nil, sigstore: keys, identity: identity, simpleRefusal: "a simple signature: sigstoreSigned accepts only cosign signatures", cosignRefusal: "")
        }
        // As containers/image: only cosign signature layers count as signatures; simple
        // signatures and other cosign attachments are counted in the message.
        let relevant = judgements.filter { $0.candidate.isCosignSignature || $0.candidate.format == .unknown }
        let simpleCount = judgements.filter { $0.candidate.format == .simple }.count
        let attachments = judgements.count - relevant.count - simpleCount
        let none = "A signature was required, but no signature exists (\(simpleCount) non-sigstore signatures, \(attachments) sigstore non-signature attachments)"
        let (outcome, reason) = Self.anyOneAccepted(relevant, none: none)
        return (
            RequirementReport(
                type: "sigstoreSigned", description: requirement.description, path: requirement.path, outcome: outcome, reason: reason,
                trustedKeys: keys.names, signatures: judgements.map(\.report)),
            judgements
        )
    }

    /// containers/image's rule for one signature requirement: any one accepted signature
    /// satisfies it; else its messages. Signatures that could not be read make an otherwise
    /// unsatisfied requirement "could not evaluate": one of them might have satisfied it.
    private static func anyOneAccepted(_ judgements: [Judgement], none: String) -> (RequirementReport.Outcome, String) {
        if let accepted = judgements.first(where: \.isAccepted) {
            return (.satisfied, "\(accepted.candidate.location): \(accepted.report.reason)")
        }
        guard !judgements.isEmpty else { return (.notSatisfied, none) }
        let readable = judgements.filter { !$0.isUnreadable }
        let unreadable = judgements.filter(\.isUnreadable)
        if !unreadable.isEmpty {
            return (.couldNotEvaluate, unreadableMessage(unreadable, others: readable.count))
        }
        if readable.count == 1 { return (.notSatisfied, readable[0].report.reason) }
        return (.notSatisfied, "None of the signatures were accepted, reasons: " + readable.map(\.report.reason).joined(separator: "; "))
    }

    private static func unreadableMessage(_ unreadable: [Judgement], others: Int) -> String {
        let list = unreadable.map { "\($0.candidate.location): \($0.report.reason)" }.joined(separator: "; ")
        return "\(unreadable.count) signature(s) could not be read and none of the \(others) others was accepted: \(list)"
    }

    /// `reason`, followed by the key files that held no usable key, if any.
    private static func noting(_ reason: String, _ keys: Keys) -> String {
        keys.notes.isEmpty ? reason : "\(reason) (ignored: \(keys.notes.joined(separator: "; ")))"
    }

    // MARK: threshold, roles

    /// The outcome of counting distinct keys.
    struct Count {
        var outcome: RequirementReport.Outcome
        var reason: String
        var trustedKeys: [String]
        var counted: [String]
        var signatures: [SignatureReport]
        var judgements: [Judgement]
    }

    /// Counts the DISTINCT keys among `signers` that made at least one accepted signature for this
    /// manifest: OpenPGP keys by primary fingerprint, cosign keys by key ID. Two signatures by one
    /// key count once (Connaisseur counted them twice, sse-secure-systems/connaisseur#2150).
    private mutating func count(_ threshold: Int, signers: SignerSet, identity: IdentityRule, candidates: [SignatureCandidate]) -> Count {
        let gpg = signers.gpgKeys.map { keys($0, kind: .openPGP) }
        let sigstore = signers.sigstoreKeys.map { keys($0, kind: .publicKey) }
        let trusted: [String]
        if let gpg, let sigstore {
            var seen: Set<String> = []
            trusted = (gpg.names + sigstore.names).filter { seen.insert($0).inserted }
        } else {
            trusted = gpg?.names ?? sigstore?.names ?? []
        }
        func failed(_ reason: String) -> Count {
            Count(outcome: .couldNotEvaluate, reason: reason, trustedKeys: trusted, counted: [], signatures: [], judgements: [])
        }
        if let failure = gpg?.failure ?? sigstore?.failure { return failed(failure) }
        if gpg == nil && sigstore == nil { return failed("no signers: neither gpgKeys nor sigstoreKeys is given") }
        if threshold < 1 { return failed("threshold \(threshold) is not a positive number of keys") }

        var judgements = candidates.map {
            judge(
                $0, gpg: gpg, sigstore: sigstore, identity: identity,
                simpleRefusal: "a simple signature, but no gpgKeys are trusted here",
                cosignRefusal: "a cosign signature, but no sigstoreKeys are trusted here")
        }
        var counted: [String] = []
        var countedAt: [String: String] = [:]
        for index in judgements.indices {
            guard let signer = judgements[index].verified?.signer else { continue }
            if let first = countedAt[signer] {
                judgements[index].report.reason += "; key already counted for \(first): a key counts once"
            } else {
                countedAt[signer] = judgements[index].candidate.location
                counted.append(signer)
            }
        }
        let tally = "\(counted.count) of \(threshold) required distinct keys signed"
        let outcome: RequirementReport.Outcome
        var reason: String
        if counted.count >= threshold {
            outcome = .satisfied
            reason = "\(tally): \(counted.joined(separator: ", "))"
        } else if judgements.isEmpty {
            outcome = .notSatisfied
            reason = "A signature was required, but no signature exists"
        } else {
            reason = tally + (counted.isEmpty ? "" : " (\(counted.joined(separator: ", ")))")
            if trusted.count < threshold { reason += "; only \(trusted.count) keys are trusted" }
            let unreadable = judgements.filter(\.isUnreadable)
            if unreadable.isEmpty {
                outcome = .notSatisfied
                reason += "; a key counts once, however many signatures it made"
            } else {
                outcome = .couldNotEvaluate
                reason += "; " + Self.unreadableMessage(unreadable, others: judgements.count - unreadable.count)
            }
        }
        let notes = (gpg?.notes ?? []) + (sigstore?.notes ?? [])
        if !notes.isEmpty { reason += " (ignored: \(notes.joined(separator: "; ")))" }
        return Count(outcome: outcome, reason: reason, trustedKeys: trusted, counted: counted, signatures: judgements.map(\.report), judgements: judgements)
    }

    private mutating func roles(_ requirement: PolicyRequirement, roles: [RoleRequirement], candidates: [SignatureCandidate]) -> (RequirementReport, [Judgement]) {
        var reports: [RoleReport] = []
        var judgements: [Judgement] = []
        for role in roles {
            let count = count(role.threshold, signers: role.signers, identity: role.identity, candidates: candidates)
            reports.append(RoleReport(
                name: role.name, threshold: role.threshold, outcome: count.outcome, reason: count.reason, trustedKeys: count.trustedKeys,
                countedKeys: count.counted, signatures: count.signatures))
            judgements += count.judgements
        }
        let combined = PolicyDecision.Outcome.combining(reports.map(\.outcome.decisionOutcome))
        let outcome: RequirementReport.Outcome
        let reason: String
        switch combined {
        case _ where reports.isEmpty:
            outcome = .couldNotEvaluate
            reason = "roles names no role"
        case .allowed:
            outcome = .satisfied
            reason = "every role is satisfied: " + reports.map { "\($0.name) (\($0.countedKeys.count) of \($0.threshold))" }.joined(separator: ", ")
        case .denied, .couldNotEvaluate:
            outcome = combined == .denied ? .notSatisfied : .couldNotEvaluate
            reason = reports.filter { $0.outcome != .satisfied }.map { "role \($0.name): \($0.reason)" }.joined(separator: "; ")
        }
        var trusted: Set<String> = []
        return (
            RequirementReport(
                type: "roles", description: requirement.description, path: requirement.path, outcome: outcome, reason: reason,
                trustedKeys: reports.flatMap(\.trustedKeys).filter { trusted.insert($0).inserted }, roles: reports),
            judgements
        )
    }

    // MARK: freshness, digestRequired

    /// Freshness needs a trusted time for an accepted signature. Custody does not verify
    /// transparency-log or timestamp proofs yet, so no signature has one and the requirement is
    /// not satisfied; each signature another requirement accepted is listed with its own claimed
    /// timestamp, which is the signer's clock and proves nothing.
    private func freshness(_ requirement: PolicyRequirement, maxAgeSeconds: Int64, accepted: [Judgement]) -> RequirementReport {
        struct Seen: Hashable {
            let ordinal: Int
            let signer: String
        }
        var seen: Set<Seen> = []
        var signatures: [SignatureReport] = []
        for judgement in accepted {
            guard let verified = judgement.verified, seen.insert(Seen(ordinal: judgement.candidate.ordinal, signer: verified.signer)).inserted else { continue }
            let claimed = verified.untrustedTimestamp.map { "claims \($0) (Unix time)" } ?? "claims no time"
            signatures.append(report(
                judgement.candidate, outcome: .rejected, signer: verified.signer, identity: verified.identity,
                reason: "no trusted time (log or timestamp proof) to measure its age against \(maxAgeSeconds) s; its claim \(claimed), which is the signer's own clock"))
        }
        return RequirementReport(
            type: "freshness", description: requirement.description, path: requirement.path, outcome: .notSatisfied, reason: Self.noTrustedTime,
            signatures: signatures)
    }

    /// `digestRequired`: the image name must pin a digest. Only a `docker://` reference can; an
    /// `oci:` or `dir:` name never does.
    private func digestRequired() -> (outcome: RequirementReport.Outcome, reason: String) {
        guard let intended else { return (.notSatisfied, "\(imageName) is not referenced by digest") }
        if let digest = intended.digest { return (.satisfied, "referenced by digest \(digest)") }
        return (.notSatisfied, "\(intended) is referenced by tag only; a digest is required")
    }
}
