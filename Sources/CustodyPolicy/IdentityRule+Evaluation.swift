import CustodyOCI

extension IdentityRule {
    /// Decides whether a signature claiming `signedReference` is acceptable for an image whose
    /// own reference is `intended`, as containers/image's `policy_reference_match.go` does.
    ///
    /// The signed reference is parsed as `ParseNormalizedNamed` parses it (`busybox:latest` is
    /// `docker.io/library/busybox:latest`; no default tag is added); when it does not parse,
    /// nothing matches. References are compared by their normalised text.
    ///
    /// | rule | accepts the signature when |
    /// |---|---|
    /// | `matchExact` | neither side is name-only and both are equal |
    /// | `matchRepoDigestOrExact` | the signature has a tag or digest, and: `intended` has a tag and both are equal, or `intended` has only a digest and the repositories are equal |
    /// | `matchRepository` | the repositories are equal (the signature may be name-only) |
    /// | `exactReference` | the signature has a tag or digest and equals the given reference |
    /// | `exactRepository` | the repositories of the signature and of the given reference are equal |
    /// | `remapIdentity` | `matchRepoDigestOrExact` against `intended` with `prefix` replaced by `signedPrefix`, when `intended`'s repository is `prefix` or lies under `prefix/` (otherwise against `intended` unchanged) |
    ///
    /// - Parameters:
    ///   - signedReference: the identity the signature claims (`critical.identity.docker-reference`).
    ///   - intended: the image's own reference; nil for images without one (`oci:`, `dir:`), for
    ///     which `matchExact`, `matchRepoDigestOrExact`, `matchRepository` and `remapIdentity`
    ///     never match.
    /// - Returns: ``IdentityMatch/matched``, or why not in one line.
    public func evaluate(signedReference: String, intended: ImageReference?) -> IdentityMatch {
        let refused = "Signature for identity \(PolicyPath.quoted(signedReference)) is not accepted"
        let signature: ImageReference
        do {
            signature = try ImageReference.parseNormalized(signedReference)
        } catch {
            return .notMatched(reason: "\(refused): it is not a valid reference (\(error))")
        }
        let noIntended = IdentityMatch.notMatched(
            reason: "\(refused): the image has no Docker reference to compare with (as for oci: and dir: images); use exactReference or exactRepository")
        switch self {
        case .exactReference(let expected):
            if signature.isNameOnly { return .notMatched(reason: "\(refused): it has neither a tag nor a digest, and exactReference needs \(expected)") }
            return signature.description == expected.description ? .matched : .notMatched(reason: "\(refused): exactReference requires \(expected)")
        case .exactRepository(let expected):
            return signature.name == expected.name ? .matched : .notMatched(reason: "\(refused): exactRepository requires the repository \(expected.name)")
        case .matchExact:
            guard let intended else { return noIntended }
            if signature.isNameOnly { return .notMatched(reason: "\(refused): it has neither a tag nor a digest, and matchExact needs \(intended)") }
            if intended.isNameOnly { return .notMatched(reason: "\(refused): the image reference \(intended) has neither a tag nor a digest") }
            return signature.description == intended.description ? .matched : .notMatched(reason: "\(refused): matchExact requires \(intended)")
        case .matchRepoDigestOrExact:
            guard let intended else { return noIntended }
            return Self.matchRepoDigestOrExact(signature: signature, intended: intended, refused: refused, rule: "matchRepoDigestOrExact")
        case .matchRepository:
            guard let intended else { return noIntended }
            return signature.name == intended.name ? .matched : .notMatched(reason: "\(refused): matchRepository requires the repository \(intended.name)")
        case .remapIdentity(let prefix, let signedPrefix):
            guard let intended else { return noIntended }
            let name = intended.name
            guard name == prefix || name.hasPrefix(prefix + "/") else {
                return Self.matchRepoDigestOrExact(
                    signature: signature, intended: intended, refused: refused, rule: "remapIdentity (\(intended.name) is not under \(prefix), so not remapped)")
            }
            // The repository name starts with the prefix, so its first occurrence is at the start.
            let remappedText = signedPrefix + intended.description.dropFirst(prefix.count)
            guard let remapped = try? ImageReference.parseCanonical(remappedText) else {
                return .notMatched(reason: "\(refused): remapIdentity turns \(intended) into \(PolicyPath.quoted(remappedText)), which is not a fully expanded reference")
            }
            return Self.matchRepoDigestOrExact(signature: signature, intended: remapped, refused: refused, rule: "remapIdentity (\(intended) remapped to \(remapped))")
        }
    }

    /// `matchRepoDigestOrExact` on parsed references.
    private static func matchRepoDigestOrExact(signature: ImageReference, intended: ImageReference, refused: String, rule: String) -> IdentityMatch {
        if signature.isNameOnly {
            return .notMatched(reason: "\(refused): it has neither a tag nor a digest, and \(rule) needs one")
        }
        if intended.tag != nil {
            return signature.description == intended.description ? .matched : .notMatched(reason: "\(refused): \(rule) requires \(intended)")
        }
        if intended.digest != nil {
            return signature.name == intended.name ? .matched : .notMatched(reason: "\(refused): \(rule) requires the repository \(intended.name) (the image is named by digest)")
        }
        return .notMatched(reason: "\(refused): the image reference \(intended) has neither a tag nor a digest")
    }
}
