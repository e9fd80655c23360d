import CustodyJSON
import CustodyOCI

/// `signedIdentity` (and `baseLayerIdentity`) objects.
extension PolicyParser {
    /// The optional `signedIdentity` member; absent means `matchRepoDigestOrExact`.
    mutating func parseOptionalIdentity(_ object: JSONObject, at path: String) -> IdentityRule? {
        guard let value = object["signedIdentity"] else { return .matchRepoDigestOrExact }
        return parseIdentity(value, at: PolicyPath.member(path, "signedIdentity"))
    }

    /// One identity rule object, dispatched on its `type`; every member of each type is required.
    mutating func parseIdentity(_ value: JSONValue, at path: String) -> IdentityRule? {
        guard let object = parseObject(value, at: path) else { return nil }
        guard let typeValue = object["type"] else {
            error(.unknownIdentityType, path, "Unknown policy reference match type \"\" (the \"type\" member is missing)")
            return nil
        }
        guard case .string(let type) = typeValue else {
            error(.typeMismatch, PolicyPath.member(path, "type"), "\"type\" must be a string, got \(typeValue.typeName)")
            return nil
        }
        switch type {
        case "matchExact": return exactFields(object, ["type"], at: path) ? .matchExact : nil
        case "matchRepoDigestOrExact": return exactFields(object, ["type"], at: path) ? .matchRepoDigestOrExact : nil
        case "matchRepository": return exactFields(object, ["type"], at: path) ? .matchRepository : nil
        case "exactReference":
            let fieldsValid = exactFields(object, ["type", "dockerReference"], at: path)
            guard let text = stringMember(object, "dockerReference", at: path), fieldsValid else { return nil }
            let memberPath = PolicyPath.member(path, "dockerReference")
            guard let reference = parseReference(text, member: "dockerReference", at: memberPath) else { return nil }
            guard !reference.isNameOnly else {
                error(.invalidReference, memberPath, "dockerReference \(PolicyPath.quoted(text)) contains neither a tag nor digest")
                return nil
            }
            return .exactReference(reference)
        case "exactRepository":
            let fieldsValid = exactFields(object, ["type", "dockerRepository"], at: path)
            guard let text = stringMember(object, "dockerRepository", at: path), fieldsValid else { return nil }
            guard let reference = parseReference(text, member: "dockerRepository", at: PolicyPath.member(path, "dockerRepository")) else { return nil }
            return .exactRepository(reference)
        case "remapIdentity":
            let fieldsValid = exactFields(object, ["type", "prefix", "signedPrefix"], at: path)
            let prefix = stringMember(object, "prefix", at: path).flatMap { checkRemapPrefix($0, at: PolicyPath.member(path, "prefix")) }
            let signedPrefix = stringMember(object, "signedPrefix", at: path).flatMap { checkRemapPrefix($0, at: PolicyPath.member(path, "signedPrefix")) }
            guard fieldsValid, let prefix, let signedPrefix else { return nil }
            return .remapIdentity(prefix: prefix, signedPrefix: signedPrefix)
        default:
            error(.unknownIdentityType, PolicyPath.member(path, "type"), "Unknown policy reference match type \(PolicyPath.quoted(type))")
            return nil
        }
    }

    /// containers/image's exact-fields rule: no other member, and each of `fields` present.
    private mutating func exactFields(_ object: JSONObject, _ fields: [String], at path: String) -> Bool {
        let known = checkKeys(object, allowed: Set(fields), at: path)
        let complete = requireKeys(object, fields, at: path)
        return known && complete
    }

    /// A reference parsed as `ParseNormalizedNamed` does.
    private mutating func parseReference(_ text: String, member: String, at path: String) -> ImageReference? {
        do {
            return try ImageReference.parseNormalized(text)
        } catch {
            self.error(.invalidReference, path, "Invalid format of \(member) \(PolicyPath.quoted(text)): \(error)")
            return nil
        }
    }

    /// A `remapIdentity` prefix: a `host[:port]`, or a name whose first component is a host
    /// (containers/image's rule; like it, this does not catch every prefix that can never match).
    private mutating func checkRemapPrefix(_ prefix: String, at path: String) -> String? {
        if ImageReference.isValidDomain(prefix) { return prefix }
        if let slash = prefix.firstIndex(of: "/"), ImageReference.isValidDomain(String(prefix[..<slash])), ImageReference.isValidName(prefix) {
            return prefix
        }
        error(.invalidPrefix, path, "prefix \(PolicyPath.quoted(prefix)) is not valid (a host[:port], or a repository or namespace starting with one; no tag or digest)")
        return nil
    }
}
