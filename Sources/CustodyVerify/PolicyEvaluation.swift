import CustodyFormats
import CustodyKeys
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import Foundation

/// The working state of one policy evaluation of one image: the keys loaded for it and the
/// memo of signature checks.
///
/// Every signature is checked cryptographically at most once per key source: the result of the
/// OpenPGP or cosign verification, the claim parse and the digest check is kept under
/// (signature, key source) and reused by every requirement (and every platform manifest) that
/// looks at the signature with the same keys. The identity rule's verdict is kept under (claimed
/// identity, rule), so signatures claiming the same identity and requirements with the same rule
/// share it.
struct PolicyEvaluation {
    /// The trusted keys of one key source, as loaded for this evaluation.
    struct Keys {
        /// Identifies the key source within the evaluation (the memo key).
        let slot: Int
        /// The OpenPGP keys (simple signing).
        let keyring: OpenPGPKeyring
        /// The verifier over the PEM public keys (cosign).
        let cosign: CosignVerifier
        /// The keys' names: OpenPGP primary fingerprints, cosign key IDs.
        let names: [String]
        /// Why the keys cannot be used (an unreadable file, nothing imported): the requirement
        /// could not be evaluated.
        let failure: String?
        /// Key files or data items that held no usable key, while others did.
        let notes: [String]

        /// `[A, B]`.
        var list: String { "[\(names.joined(separator: ", "))]" }
    }

    /// A signature whose cryptographic, claim and digest checks passed.
    struct Verified {
        /// The key that made it: OpenPGP primary fingerprint or cosign key ID.
        let signer: String
        /// The identity the claim names, as written.
        let identity: String
        /// The claim's own timestamp: the signer's clock, not a proof of time.
        let untrustedTimestamp: Int64?
    }

    /// The result of a signature's checks with one key source, before the identity rule.
    enum Check {
        case verified(Verified)
        case rejected(String)
    }

    /// One requirement's verdict on one signature.
    struct Judgement {
        let candidate: SignatureCandidate
        var report: SignatureReport
        /// Set when the signature was accepted.
        let verified: Verified?

        var isAccepted: Bool { verified != nil }
        var isUnreadable: Bool { report.outcome == .unreadable }
    }

    private struct CheckKey: Hashable {
        let ordinal: Int
        let slot: Int
    }

    private struct SourceKey: Hashable {
        let source: KeySource
        let kind: PolicyKeyCache.Kind

        // Key data can be kilobytes: hash a sample, compare in full.
        func hash(into hasher: inout Hasher) {
            hasher.combine(kind)
            switch source {
            case .paths(let paths):
                hasher.combine(0)
                hasher.combine(paths)
            case .data(let items):
                hasher.combine(1)
                for item in items { hasher.combine(DataKey(bytes: item, kind: kind)) }
            }
        }
    }

    let cache: PolicyKeyCache
    /// The image name, for messages (`docker://…`, `dir:/…`).
    let imageName: String
    /// The image's Docker reference that identity rules compare with; nil for `oci:` and `dir:`.
    let intended: ImageReference?
    /// The time key and signature expiry are checked at.
    let now: Date

    private struct IdentityKey: Hashable {
        let claimed: String
        let rule: IdentityRule
    }

    private var loadedKeys: [SourceKey: Keys] = [:]
    private var checks: [CheckKey: Check] = [:]
    private var identities: [IdentityKey: IdentityMatch] = [:]

    init(cache: PolicyKeyCache, imageName: String, intended: ImageReference?, now: Date) {
        self.cache = cache
        self.imageName = imageName
        self.intended = intended
        self.now = now
    }

    // MARK: Keys

    /// The keys of `source`, loaded once per evaluation (files through the evaluator's cache).
    ///
    /// OpenPGP sources follow containers/image's `signedBy`: the files are imported one by one
    /// into one keyring; a file that holds no usable key adds nothing (and is noted), and when
    /// nothing was imported at all the requirement fails with `No public keys imported`. A PEM
    /// source needs every key to load, as containers/image's `sigstoreSigned` does. A file that
    /// cannot be read fails the requirement in both cases.
    mutating func keys(_ source: KeySource, kind: PolicyKeyCache.Kind) -> Keys {
        let key = SourceKey(source: source, kind: kind)
        if let known = loadedKeys[key] { return known }
        let items: [(origin: String, loaded: PolicyKeyCache.Loaded)]
        switch source {
        case .paths(let paths):
            items = paths.map { ($0, cache.load(path: $0, kind: kind)) }
        case .data(let data):
            items = data.enumerated().map { ("key data \($0.offset + 1)", cache.load(data: $0.element, kind: kind)) }
        }
        var keyring = OpenPGPKeyring()
        var publicKeys: [PublicKey] = []
        var names: [String] = []
        var failure: String?
        var notes: [String] = []
        for (origin, loaded) in items {
            switch loaded {
            case .unreadable(let reason):
                failure = failure ?? "cannot read key file: \(reason)"
            case .unusable(let reason):
                switch kind {
                case .openPGP: notes.append("\(origin): \(reason)")
                case .publicKey: failure = failure ?? "cannot load public key \(origin): \(reason)"
                }
            case .parsed(.openPGP(let ring, let ringNames)):
                if keyring.keys.isEmpty { keyring = ring } else { keyring.add(ring) }
                names += ringNames
            case .parsed(.publicKey(let publicKey, let name)):
                publicKeys.append(publicKey)
                names.append(name)
            }
        }
        if failure == nil && names.isEmpty {
            failure = notes.isEmpty ? "No public keys imported" : "No public keys imported (\(notes.joined(separator: "; ")))"
        }
        var seen: Set<String> = []
        let keys = Keys(
            slot: loadedKeys.count, keyring: keyring, cosign: CosignVerifier(keys: publicKeys),
            names: names.filter { seen.insert($0).inserted }, failure: failure, notes: failure == nil ? notes : [])
        loadedKeys[key] = keys
        return keys
    }

    // MARK: Signatures

    /// One requirement's verdict on one signature: the memoized checks with the right keys, then
    /// the requirement's identity rule.
    /// - Parameters:
    ///   - gpg: the OpenPGP keys simple signatures are checked with, or nil when the requirement
    ///     takes no simple signatures (then they are rejected with `simpleRefusal`).
    ///   - sigstore: the public keys cosign signatures are checked with, or nil when the
    ///     requirement takes no cosign signatures (then they are rejected with `cosignRefusal`).
    mutating func judge(
        _ candidate: SignatureCandidate, gpg: Keys?, sigstore: Keys?, identity: IdentityRule, simpleRefusal: String, cosignRefusal: String
    ) -> Judgement {
        let check: Check
        switch candidate.content {
        case .unreadable(let reason):
            return Judgement(candidate: candidate, report: report(candidate, outcome: .unreadable, reason: reason), verified: nil)
        case .undecodable(let reason):
            return Judgement(candidate: candidate, report: report(candidate, outcome: .rejected, reason: reason), verified: nil)
        case .simple(let bytes):
            guard let gpg else {
                return Judgement(candidate: candidate, report: report(candidate, outcome: .rejected, reason: simpleRefusal), verified: nil)
            }
            let key = CheckKey(ordinal: candidate.ordinal, slot: gpg.slot)
            if let known = checks[key] {
                check = known
            } else {
                check = checkSimple(bytes, digest: candidate.signedDigest, keys: gpg)
                checks[key] = check
            }
        case .cosign(let signature):
            guard let sigstore else {
                return Judgement(candidate: candidate, report: report(candidate, outcome: .rejected, reason: cosignRefusal), verified: nil)
            }
            let key = CheckKey(ordinal: candidate.ordinal, slot: sigstore.slot)
            if let known = checks[key] {
                check = known
            } else {
                check = checkCosign(signature, digest: candidate.signedDigest, keys: sigstore)
                checks[key] = check
            }
        }
        switch check {
        case .rejected(let reason):
            return Judgement(candidate: candidate, report: report(candidate, outcome: .rejected, reason: reason), verified: nil)
        case .verified(let verified):
            // The verdict depends only on the claimed identity and the rule (the image is fixed):
            // signatures claiming the same identity share one check per rule.
            let identityKey = IdentityKey(claimed: verified.identity, rule: identity)
            let match: IdentityMatch
            if let known = identities[identityKey] {
                match = known
            } else {
                match = identity.evaluate(signedReference: verified.identity, intended: intended)
                identities[identityKey] = match
            }
            if case .notMatched(let reason) = match {
                return Judgement(
                    candidate: candidate,
                    report: report(candidate, outcome: .rejected, signer: verified.signer, identity: verified.identity, reason: reason),
                    verified: nil)
            }
            return Judgement(
                candidate: candidate,
                report: report(
                    candidate, outcome: .accepted, signer: verified.signer, identity: verified.identity,
                    reason: "made by key \(verified.signer) for identity \(verified.identity)"),
                verified: verified)
        }
    }

    /// OpenPGP first, then the claim, then its digest: nothing of the claim is read before the
    /// signature is known to be by one of `keys` (containers/image's order).
    private func checkSimple(_ bytes: [UInt8], digest: Digest, keys: Keys) -> Check {
        let message: VerifiedSignedMessage
        do {
            message = try OpenPGPMessage.verify(bytes, keyring: keys.keyring, now: now)
        } catch {
            if error.code == .untrustedKey {
                return .rejected("made by key \(OpenPGPMessage.untrustedIssuer(bytes) ?? "(unknown)"), not in \(keys.list)")
            }
            return .rejected(error.reason)
        }
        let claim: UntrustedSimpleSigningClaim
        do {
            claim = try UntrustedSimpleSigningClaim(payload: message.payload)
        } catch {
            return .rejected(error.reason)
        }
        guard claim.untrustedManifestDigest == digest else {
            return .rejected(Self.digestMismatch(claim.untrustedManifestDigest, digest))
        }
        return .verified(Verified(
            signer: KeyNames.fingerprint(message.signerFingerprint), identity: claim.untrustedDockerReference,
            untrustedTimestamp: claim.untrustedTimestamp))
    }

    /// ``CosignVerifier`` with any identity: the identity rule is the requirement's.
    private func checkCosign(_ signature: SigstoreSignature, digest: Digest, keys: Keys) -> Check {
        switch keys.cosign.verify(signature, manifestDigest: digest, identity: .any) {
        case .accepted(let verified):
            return .verified(Verified(signer: verified.keyID.hex, identity: verified.dockerReference, untrustedTimestamp: verified.untrustedTimestamp))
        case .rejected(let rejection):
            if rejection.check == .cryptographic && rejection.code == SimpleSigningError.Code.signatureMismatch.rawValue {
                return .rejected("not made by any key in \(keys.list): the signature does not verify with any of them")
            }
            return .rejected(rejection.reason)
        }
    }

    private static func digestMismatch(_ signed: Digest, _ manifest: Digest) -> String {
        "Signature for docker digest \"\(signed)\" does not match (the manifest is \(manifest))"
    }

    /// A report on `candidate`.
    func report(
        _ candidate: SignatureCandidate, outcome: SignatureReport.Outcome, signer: String? = nil, identity: String? = nil, reason: String
    ) -> SignatureReport {
        SignatureReport(
            location: candidate.location, format: candidate.format, fromIndex: candidate.fromIndex, signer: signer, identity: identity,
            outcome: outcome, reason: reason)
    }
}
