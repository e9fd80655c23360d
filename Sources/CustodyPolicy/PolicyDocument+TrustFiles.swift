extension PolicyDocument {
    /// Every file of trust material the policy names (key files, keyrings, Rekor keys, CA
    /// certificates), each once, in the order the policy names them. Inline key data is not a
    /// file and is covered by the policy's own bytes.
    ///
    /// A process that keeps a policy loaded watches these files as well as the policy file: a
    /// changed key file changes what the policy decides although the policy's bytes did not change.
    public var trustFilePaths: [String] {
        var paths: [String] = []
        var seen: Set<String> = []
        func add(_ source: KeySource?) {
            guard case .paths(let list)? = source else { return }
            for path in list where seen.insert(path).inserted { paths.append(path) }
        }
        func add(_ signers: SignerSet) {
            add(signers.gpgKeys)
            add(signers.sigstoreKeys)
        }
        let scopes = [defaultRequirements] + transports.flatMap { $0.scopes.map(\.requirements) }
        for requirement in scopes.joined() {
            add(requirement.rekorKeys)
            switch requirement.kind {
            case .signedBy(let keys, _), .sigstoreSigned(let keys, _):
                add(keys)
            case .sigstoreSignedKeyless(let keyless, _):
                add(keyless.rekorKeys)
                add(keyless.fulcio?.caCertificates)
                add(keyless.pki?.caRoots)
                add(keyless.pki?.caIntermediates)
            case .threshold(let threshold):
                add(threshold.signers)
            case .roles(let roles):
                for role in roles { add(role.signers) }
            case .insecureAcceptAnything, .reject, .signedByUnsupportedKeyType, .signedBaseLayer, .freshness, .digestRequired:
                break
            }
        }
        return paths
    }
}
