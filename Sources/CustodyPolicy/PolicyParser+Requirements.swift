import CustodyJSON

/// Requirement lists and the requirement types of containers-policy.json(5).
extension PolicyParser {
    /// A requirement list: a non-empty array of requirement objects.
    mutating func parseRequirements(_ value: JSONValue, at path: String) -> [PolicyRequirement]? {
        guard case .array(let elements) = value else {
            error(.typeMismatch, path, "a list of policy requirements (a JSON array) expected, got \(value.typeName)")
            return nil
        }
        guard !elements.isEmpty else {
            error(.emptyRequirements, path, "List of verification policy requirements must not be empty")
            return nil
        }
        var requirements: [PolicyRequirement] = []
        var allParsed = true
        for (index, element) in elements.enumerated() {
            if let requirement = parseRequirement(element, at: PolicyPath.index(path, index)) {
                requirements.append(requirement)
            } else {
                allParsed = false
            }
        }
        guard allParsed else { return nil }
        lintScope(requirements)
        return requirements
    }

    /// Warnings about a valid requirement list as a whole.
    private mutating func lintScope(_ requirements: [PolicyRequirement]) {
        let hasSignatureRequirement = requirements.contains { requirement in
            switch requirement.kind {
            case .signedBy, .sigstoreSigned, .sigstoreSignedKeyless, .threshold, .roles: true
            default: false
            }
        }
        for requirement in requirements {
            if case .freshness = requirement.kind, !hasSignatureRequirement {
                warning(
                    requirement.path,
                    "freshness has no signature requirement beside it in this list, so no accepted signature can show its age: it never allows an image")
            }
        }
    }

    /// One requirement object, dispatched on its `type`.
    mutating func parseRequirement(_ value: JSONValue, at path: String) -> PolicyRequirement? {
        guard let object = parseObject(value, at: path) else { return nil }
        guard let typeValue = object["type"] else {
            error(.unknownRequirementType, path, "Unknown policy requirement type \"\" (the \"type\" member is missing)")
            return nil
        }
        guard case .string(let type) = typeValue else {
            error(.typeMismatch, PolicyPath.member(path, "type"), "\"type\" must be a string, got \(typeValue.typeName)")
            return nil
        }
        switch type {
        case "insecureAcceptAnything": return parseSimple(object, kind: .insecureAcceptAnything, at: path)
        case "reject": return parseSimple(object, kind: .reject, at: path)
        case "signedBy": return parseSignedBy(object, at: path)
        case "sigstoreSigned": return parseSigstoreSigned(object, at: path)
        case "signedBaseLayer": return parseSignedBaseLayer(object, at: path)
        case "threshold": return parseThreshold(object, at: path)
        case "roles": return parseRoles(object, at: path)
        case "freshness": return parseFreshness(object, at: path)
        case "digestRequired": return parseSimple(object, kind: .digestRequired, at: path)
        default:
            error(.unknownRequirementType, PolicyPath.member(path, "type"), "Unknown policy requirement type \(PolicyPath.quoted(type))")
            return nil
        }
    }

    /// A type with no members besides `type` and `description`.
    private mutating func parseSimple(_ object: JSONObject, kind: PolicyRequirement.Kind, at path: String) -> PolicyRequirement? {
        let keysValid = checkKeys(object, allowed: ["type", "description"], at: path)
        guard let description = parseDescription(object, at: path), keysValid else { return nil }
        return PolicyRequirement(kind: kind, description: description, path: path)
    }

    // MARK: signedBy

    /// `signedBy`: `keyType`, exactly one of `keyPath` / `keyPaths` / `keyData`, optional `signedIdentity`.
    private mutating func parseSignedBy(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let errorsBefore = issues.count
        checkKeys(object, allowed: ["type", "description", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity"], at: path)
        let description = parseDescription(object, at: path)

        var keyType: String?
        if object["keyType"] == nil {
            error(.invalidKeyType, path, "invalid keyType \"\" (\"keyType\" is required; use \"GPGKeys\")")
        } else if let text = stringMember(object, "keyType", at: path) {
            if ["GPGKeys", "signedByGPGKeys", "X509Certificates", "signedByX509CAs"].contains(text) {
                keyType = text
            } else {
                error(.invalidKeyType, PolicyPath.member(path, "keyType"), "Unrecognized keyType value \(PolicyPath.quoted(text))")
            }
        }

        let present = ["keyPath", "keyPaths", "keyData"].filter { object[$0] != nil }
        var keys: KeySource?
        if present.isEmpty {
            error(.keySources, path, "Exactly one of keyPath, keyPaths and keyData must be specified, none of them present")
        } else if present.count > 1 {
            error(.keySources, path, "Exactly one of keyPath, keyPaths and keyData must be specified, more than one present (\(present.joined(separator: ", ")))")
        } else {
            keys = parseKeyMember(object, present[0], at: path)
        }
        let identity = parseOptionalIdentity(object, at: path)

        guard issues[errorsBefore...].allSatisfy({ $0.severity != .error }), let description, let keyType, let keys, let identity else { return nil }
        if keyType == "GPGKeys" {
            return PolicyRequirement(kind: .signedBy(keys: keys, identity: identity), description: description, path: path)
        }
        warning(
            PolicyPath.member(path, "keyType"),
            "keyType \(PolicyPath.quoted(keyType)) is parsed but not implemented (by containers/image either): this requirement never allows an image")
        return PolicyRequirement(kind: .signedByUnsupportedKeyType(keyType), description: description, path: path)
    }

    // MARK: signedBaseLayer

    /// `signedBaseLayer`: exactly `type` and `baseLayerIdentity` (and Custody's `description`).
    private mutating func parseSignedBaseLayer(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let keysValid = checkKeys(object, allowed: ["type", "description", "baseLayerIdentity"], at: path)
        let description = parseDescription(object, at: path)
        var identity: IdentityRule?
        if let value = object["baseLayerIdentity"] {
            identity = parseIdentity(value, at: PolicyPath.member(path, "baseLayerIdentity"))
        } else {
            requireKeys(object, ["baseLayerIdentity"], at: path)
        }
        guard keysValid, let description, let identity else { return nil }
        warning(path, "signedBaseLayer is parsed but not implemented (by containers/image either): this requirement never allows an image")
        var requirement = PolicyRequirement(kind: .signedBaseLayer, description: description, path: path)
        requirement.baseLayerIdentity = identity
        return requirement
    }

    // MARK: Key sources

    /// How a key-source member is written.
    enum KeyMemberForm {
        /// One path string (`keyPath`).
        case path
        /// An array of path strings (`keyPaths`).
        case paths
        /// One base64 string (`keyData`).
        case data
        /// An array of base64 strings (`keyDatas`).
        case datas

        /// The form of the standard key-source names.
        init?(standardName name: String) {
            switch name {
            case "keyPath": self = .path
            case "keyPaths": self = .paths
            case "keyData": self = .data
            case "keyDatas": self = .datas
            default: return nil
            }
        }
    }

    /// Parses the standard key-source member `key` (`keyPath`, `keyPaths`, `keyData`, `keyDatas`).
    mutating func parseKeyMember(_ object: JSONObject, _ key: String, at path: String) -> KeySource? {
        guard let form = KeyMemberForm(standardName: key) else { return nil }
        return parseKeyMember(object, key, form: form, at: path)
    }

    /// Parses member `key` of `object` as a key source written in `form`: paths are resolved
    /// against the policy's folder, data is decoded from standard base64. Lists must not be empty;
    /// no entry may be empty.
    mutating func parseKeyMember(_ object: JSONObject, _ key: String, form: KeyMemberForm, at path: String) -> KeySource? {
        guard let value = object[key] else { return nil }
        let memberPath = PolicyPath.member(path, key)
        switch form {
        case .path:
            guard let text = nonEmptyStringMember(object, key, at: path, code: .invalidPath) else { return nil }
            return .paths([FilePathRules.resolve(text, against: baseDirectory)])
        case .data:
            guard let text = stringMember(object, key, at: path), let bytes = decodeBase64(text, at: memberPath) else { return nil }
            return .data([bytes])
        case .paths, .datas:
            guard case .array(let elements) = value else {
                error(.typeMismatch, memberPath, "\(PolicyPath.quoted(key)) must be an array of strings, got \(value.typeName)")
                return nil
            }
            guard !elements.isEmpty else {
                error(.emptyList, memberPath, "\(PolicyPath.quoted(key)) contains no entries")
                return nil
            }
            var texts: [String] = []
            for (index, element) in elements.enumerated() {
                let elementPath = PolicyPath.index(memberPath, index)
                guard case .string(let text) = element else {
                    error(.typeMismatch, elementPath, "entries of \(PolicyPath.quoted(key)) must be strings, got \(element.typeName)")
                    continue
                }
                if texts.contains(text) { warning(elementPath, "\(PolicyPath.quoted(key)) lists the same entry twice") }
                texts.append(text)
            }
            guard texts.count == elements.count else { return nil }
            if form == .paths {
                var paths: [String] = []
                for (index, text) in texts.enumerated() {
                    guard !text.isEmpty else {
                        error(.invalidPath, PolicyPath.index(memberPath, index), "entries of \(PolicyPath.quoted(key)) must not be empty")
                        continue
                    }
                    paths.append(FilePathRules.resolve(text, against: baseDirectory))
                }
                return paths.count == texts.count ? .paths(paths) : nil
            }
            var datas: [[UInt8]] = []
            for (index, text) in texts.enumerated() {
                if let bytes = decodeBase64(text, at: PolicyPath.index(memberPath, index)) { datas.append(bytes) }
            }
            return datas.count == texts.count ? .data(datas) : nil
        }
    }

    /// Standard base64 with padding, as Go decodes a JSON string into `[]byte` (line breaks are
    /// skipped as Go skips them); empty data is refused, since no key can come of it.
    mutating func decodeBase64(_ text: String, at path: String) -> [UInt8]? {
        guard let data = StandardBase64.decode(text) else {
            error(.invalidBase64, path, "not valid standard base64 (RFC 4648 §4, with padding)")
            return nil
        }
        guard !data.isEmpty else {
            error(.invalidBase64, path, "the data is empty: no key or certificate can come of it")
            return nil
        }
        return data
    }
}
