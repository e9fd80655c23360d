import CustodyJSON

/// `sigstoreSigned` with its key, `fulcio`, `pki` and Rekor options.
extension PolicyParser {
    private static let rekorNames = ["rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData", "rekorPublicKeyDatas"]
    private static let rekorList = "rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas"

    /// `sigstoreSigned`: exactly one of `keyPath`, `keyPaths`, `keyData`, `keyDatas`, `fulcio`,
    /// `pki`; at most one Rekor key option (required with `fulcio`, refused with `pki`); optional
    /// `signedIdentity`.
    mutating func parseSigstoreSigned(_ object: JSONObject, at path: String) -> PolicyRequirement? {
        let errorsBefore = issues.count
        let sources = ["keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki"]
        checkKeys(object, allowed: Set(["type", "description", "signedIdentity"] + sources + Self.rekorNames), at: path)
        let description = parseDescription(object, at: path)

        let present = sources.filter { object[$0] != nil }
        let rekorPresent = Self.rekorNames.filter { object[$0] != nil }
        var keys: KeySource?
        var keyless: SigstoreKeyless?
        var rekorKeys: KeySource?
        if present.count != 1 {
            let found = present.isEmpty ? "none of them present" : "more than one present (\(present.joined(separator: ", ")))"
            error(.keySources, path, "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified, \(found)")
        }
        if rekorPresent.count > 1 {
            error(.invalidRekor, path, "at most one of \(Self.rekorList) can be used simultaneously (found \(rekorPresent.joined(separator: ", ")))")
        } else if let name = rekorPresent.first {
            let form: KeyMemberForm = name.hasSuffix("Paths") ? .paths : name.hasSuffix("Path") ? .path : name.hasSuffix("Datas") ? .datas : .data
            rekorKeys = parseKeyMember(object, name, form: form, at: path)
        }
        if present.count == 1 {
            switch present[0] {
            case "fulcio":
                if rekorPresent.isEmpty {
                    error(.invalidRekor, path, "At least one of \(Self.rekorList) must be specified if fulcio is used")
                }
                if let fulcio = parseFulcio(object["fulcio"]!, at: PolicyPath.member(path, "fulcio")) {
                    var settings = SigstoreKeyless(kind: "fulcio", summary: fulcio.summary, rekorKeys: rekorKeys)
                    settings.fulcio = fulcio
                    keyless = settings
                }
            case "pki":
                if !rekorPresent.isEmpty {
                    error(.invalidRekor, path, "\(Self.rekorList) are not supported for pki")
                }
                if let pki = parsePKI(object["pki"]!, at: PolicyPath.member(path, "pki")) {
                    var settings = SigstoreKeyless(kind: "pki", summary: pki.summary, rekorKeys: nil)
                    settings.pki = pki
                    keyless = settings
                }
            default:
                keys = parseKeyMember(object, present[0], at: path)
            }
        }
        let identity = parseOptionalIdentity(object, at: path)

        guard issues[errorsBefore...].allSatisfy({ $0.severity != .error }), let description, let identity else { return nil }
        var requirement: PolicyRequirement
        if let keyless {
            requirement = PolicyRequirement(kind: .sigstoreSignedKeyless(keyless, identity: identity), description: description, path: path)
        } else if let keys {
            requirement = PolicyRequirement(kind: .sigstoreSigned(keys: keys, identity: identity), description: description, path: path)
        } else {
            return nil
        }
        requirement.rekorKeys = rekorKeys
        return requirement
    }

    /// A certificate source of `fulcio` or `pki`: exactly one of a path member and a data member,
    /// or neither when `required` is false.
    private mutating func parseCertificateSource(
        _ object: JSONObject, pathKey: String, dataKey: String, required: Bool, code: PolicyError.Code, at path: String
    ) -> KeySource?? {
        let hasPath = object[pathKey] != nil, hasData = object[dataKey] != nil
        if hasPath && hasData {
            error(code, path, "\(pathKey) and \(dataKey) cannot be used simultaneously")
            return nil
        }
        if !hasPath && !hasData {
            if required {
                error(code, path, "At least one of \(pathKey) and \(dataKey) must be specified")
                return nil
            }
            return .some(nil)
        }
        let source = hasPath ? parseKeyMember(object, pathKey, form: .path, at: path) : parseKeyMember(object, dataKey, form: .data, at: path)
        return source.map { .some($0) }
    }

    /// `fulcio`: `caPath` or `caData`, `oidcIssuer`, `subjectEmail`.
    private mutating func parseFulcio(_ value: JSONValue, at path: String) -> SigstoreFulcioTrust? {
        guard let object = parseObject(value, at: path) else { return nil }
        let keysValid = checkKeys(object, allowed: ["caPath", "caData", "oidcIssuer", "subjectEmail"], at: path)
        let ca = parseCertificateSource(object, pathKey: "caPath", dataKey: "caData", required: true, code: .invalidFulcio, at: path)
        var issuer: String?
        if object["oidcIssuer"] == nil {
            error(.invalidFulcio, path, "oidcIssuer not specified")
        } else {
            issuer = nonEmptyStringMember(object, "oidcIssuer", at: path, code: .invalidFulcio)
        }
        var email: String?
        if object["subjectEmail"] == nil {
            error(.invalidFulcio, path, "subjectEmail not specified")
        } else {
            email = nonEmptyStringMember(object, "subjectEmail", at: path, code: .invalidFulcio)
        }
        guard keysValid, let ca, let ca, let issuer, let email else { return nil }
        return SigstoreFulcioTrust(caCertificates: ca, oidcIssuer: issuer, subjectEmail: email)
    }

    /// `pki`: `caRootsPath` or `caRootsData`; optional `caIntermediatesPath` or
    /// `caIntermediatesData`; `subjectEmail` and/or `subjectHostname`.
    private mutating func parsePKI(_ value: JSONValue, at path: String) -> SigstorePKITrust? {
        guard let object = parseObject(value, at: path) else { return nil }
        let keysValid = checkKeys(
            object, allowed: ["caRootsPath", "caRootsData", "caIntermediatesPath", "caIntermediatesData", "subjectEmail", "subjectHostname"], at: path)
        let roots = parseCertificateSource(object, pathKey: "caRootsPath", dataKey: "caRootsData", required: true, code: .invalidPKI, at: path)
        let intermediates = parseCertificateSource(
            object, pathKey: "caIntermediatesPath", dataKey: "caIntermediatesData", required: false, code: .invalidPKI, at: path)
        let errorsBefore = issues.count
        let email = nonEmptyStringMember(object, "subjectEmail", at: path, code: .invalidPKI)
        let hostname = nonEmptyStringMember(object, "subjectHostname", at: path, code: .invalidPKI)
        if object["subjectEmail"] == nil && object["subjectHostname"] == nil {
            error(.invalidPKI, path, "At least one of subjectEmail, subjectHostname must be specified")
        }
        guard keysValid, issues.count == errorsBefore, let roots, let roots, let intermediates else { return nil }
        return SigstorePKITrust(caRoots: roots, caIntermediates: intermediates, subjectEmail: email, subjectHostname: hostname)
    }
}
