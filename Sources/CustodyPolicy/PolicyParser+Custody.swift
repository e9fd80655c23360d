import CustodyJSON

/// Custody's requirement types: `threshold`, `roles`, `freshness` (and `digestRequired`, which
/// has no members and is parsed with the simple types).
extension PolicyParser {
    /// `{"type":"threshold","threshold":K,"signers":{…},"signedIdentity":{…}}`.
    mutating func parseThreshold(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let keysValid = checkKeys(object, allowed: ["type", "description", "threshold", "signers", "signedIdentity"], at: path)
        let description = parseDescription(object, at: path)
        requireKeys(object, ["threshold", "signers"], at: path)
        guard let group = parseGroup(object, at: path), keysValid, let description else { return nil }
        let requirement = ThresholdRequirement(threshold: group.threshold, signers: group.signers, identity: group.identity)
        return PolicyRequirement(kind: .threshold(requirement), description: description, path: path)
    }

    /// `{"type":"roles","roles":[{"name":…,"threshold":K,"signers":{…},"signedIdentity":{…}}, …]}`.
    mutating func parseRoles(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let keysValid = checkKeys(object, allowed: ["type", "description", "roles"], at: path)
        let description = parseDescription(object, at: path)
        guard requireKeys(object, ["roles"], at: path), let elements = arrayMember(object, "roles", at: path) else { return nil }
        let rolesPath = PolicyPath.member(path, "roles")
        guard !elements.isEmpty else {
            error(.emptyList, rolesPath, "\"roles\" contains no entries")
            return nil
        }
        var roles: [RoleRequirement] = []
        var firstPathOfName: [String: String] = [:]
        var allParsed = true
        for (index, element) in elements.enumerated() {
            let rolePath = PolicyPath.index(rolesPath, index)
            guard let role = parseRole(element, at: rolePath) else {
                allParsed = false
                continue
            }
            if let first = firstPathOfName[role.name] {
                error(.duplicateRoleName, PolicyPath.member(rolePath, "name"), "duplicate role name \(PolicyPath.quoted(role.name)) (first at \(first))")
                allParsed = false
                continue
            }
            firstPathOfName[role.name] = rolePath
            roles.append(role)
        }
        guard allParsed, keysValid, let description else { return nil }
        return PolicyRequirement(kind: .roles(roles), description: description, path: path)
    }

    /// One role: `name`, `threshold`, `signers`, optional `signedIdentity`.
    private mutating func parseRole(_ value: JSONValue, at path: String) -> RoleRequirement? {
        guard let object = parseObject(value, at: path) else { return nil }
        let keysValid = checkKeys(object, allowed: ["name", "threshold", "signers", "signedIdentity"], at: path)
        requireKeys(object, ["name", "threshold", "signers"], at: path)
        var name: String?
        if let text = stringMember(object, "name", at: path),
            checkText(text, what: "a role name", limit: PolicyDocument.maxRoleNameBytes, at: PolicyPath.member(path, "name"))
        {
            name = text
        }
        guard let group = parseGroup(object, at: path), keysValid, let name else { return nil }
        return RoleRequirement(name: name, threshold: group.threshold, signers: group.signers, identity: group.identity)
    }

    /// The members a threshold and a role share: `threshold`, `signers`, `signedIdentity`; and
    /// the check that the threshold can be met.
    private mutating func parseGroup(_ object: JSONObject, at path: String) -> (threshold: Int, signers: SignerSet, identity: IdentityRule)? {
        let threshold = thresholdMember(object, at: path)
        let signers = object["signers"].flatMap { parseSigners($0, at: PolicyPath.member(path, "signers")) }
        let identity = parseOptionalIdentity(object, at: path)
        guard let threshold, let signers, let identity else { return nil }
        let thresholdPath = PolicyPath.member(path, "threshold")
        let sigstoreEntries = signers.sigstoreKeys?.entryCount ?? 0
        if let gpgKeys = signers.gpgKeys {
            let entries = sigstoreEntries + gpgKeys.entryCount
            if threshold > entries {
                warning(
                    thresholdPath,
                    "threshold \(threshold) is more than the \(entries) key sources of \"signers\": it is met only if the OpenPGP keyrings hold enough distinct keys")
            }
        } else if threshold > sigstoreEntries {
            error(.invalidThreshold, thresholdPath, "threshold \(threshold) can never be met: \"signers\" names only \(sigstoreEntries) distinct sigstore key(s)")
            return nil
        }
        return (threshold, signers, identity)
    }

    /// `signers`: `{"gpg": {one key source}, "sigstore": {one key source}}`, at least one of the two.
    private mutating func parseSigners(_ value: JSONValue, at path: String) -> SignerSet? {
        guard let object = parseObject(value, at: path) else { return nil }
        let keysValid = checkKeys(object, allowed: ["gpg", "sigstore"], at: path)
        guard object["gpg"] != nil || object["sigstore"] != nil else {
            error(.invalidSigners, path, "\"signers\" must name at least one of \"gpg\" (OpenPGP keys, simple signing) and \"sigstore\" (public keys, cosign)")
            return nil
        }
        let errorsBefore = issues.count
        let gpg = object["gpg"].flatMap { parseSignerGroup($0, at: PolicyPath.member(path, "gpg")) }
        let sigstore = object["sigstore"].flatMap { parseSignerGroup($0, at: PolicyPath.member(path, "sigstore")) }
        guard keysValid, !issues[errorsBefore...].contains(where: { $0.severity == .error }) else { return nil }
        return SignerSet(gpgKeys: gpg, sigstoreKeys: sigstore)
    }

    /// One signer group: exactly one of `keyPath`, `keyPaths`, `keyData`, `keyDatas`.
    private mutating func parseSignerGroup(_ value: JSONValue, at path: String) -> KeySource? {
        guard let object = parseObject(value, at: path) else { return nil }
        let names = ["keyPath", "keyPaths", "keyData", "keyDatas"]
        let keysValid = checkKeys(object, allowed: Set(names), at: path)
        let present = names.filter { object[$0] != nil }
        guard present.count == 1 else {
            let found = present.isEmpty ? "none of them present" : "more than one present (\(present.joined(separator: ", ")))"
            error(.keySources, path, "exactly one of keyPath, keyPaths, keyData and keyDatas must be specified, \(found)")
            return nil
        }
        guard let keys = parseKeyMember(object, present[0], at: path), keysValid else { return nil }
        return keys
    }

    /// `{"type":"freshness","maxAge":"720h"}`.
    mutating func parseFreshness(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let keysValid = checkKeys(object, allowed: ["type", "description", "maxAge"], at: path)
        let description = parseDescription(object, at: path)
        guard requireKeys(object, ["maxAge"], at: path) else { return nil }
        let memberPath = PolicyPath.member(path, "maxAge")
        guard case .string(let text) = object["maxAge"]! else {
            error(.invalidDuration, memberPath, "\"maxAge\" must be a duration string such as \"720h\", got \(object["maxAge"]!.typeName)")
            return nil
        }
        switch FreshnessDuration.seconds(text) {
        case .failure(let failure):
            error(.invalidDuration, memberPath, failure.message)
            return nil
        case .success(let seconds):
            guard keysValid, let description else { return nil }
            return PolicyRequirement(kind: .freshness(maxAgeSeconds: seconds), description: description, path: path)
        }
    }
}
