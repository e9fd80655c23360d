import CustodyJSON

/// Reads a policy document into ``PolicyDocument``, collecting every problem instead of stopping
/// at the first: ``PolicyDocument/lint(bytes:baseDirectory:)`` reports them all, and
/// ``PolicyDocument/init(bytes:baseDirectory:)`` throws the first error.
///
/// Each `parse…` method reports what it finds and returns nil when the value is unusable; callers
/// go on with the siblings, so one bad requirement does not hide the next.
struct PolicyParser {
    /// The absolute folder relative key paths are resolved against.
    let baseDirectory: String
    /// Every finding so far, in document order within each object.
    private(set) var issues: [PolicyIssue] = []

    init(baseDirectory: String) {
        self.baseDirectory = FilePathRules.absoluteDirectory(baseDirectory)
    }

    /// Whether an error has been reported.
    var hasErrors: Bool { issues.contains { $0.severity == .error } }

    // MARK: Reporting

    mutating func error(_ code: PolicyError.Code, _ path: String, _ message: String) {
        issues.append(PolicyIssue(severity: .error, code: code, path: path, message: message))
    }

    mutating func warning(_ path: String, _ message: String) {
        issues.append(PolicyIssue(severity: .warning, code: .questionable, path: path, message: message))
    }

    // MARK: The document

    /// Parses the whole document; nil when it has errors.
    mutating func parseDocument(_ bytes: [UInt8]) -> PolicyDocument? {
        guard bytes.count <= PolicyDocument.maxBytes else {
            error(.tooLarge, PolicyPath.root, "the policy is \(bytes.count) bytes, over the limit of \(PolicyDocument.maxBytes)")
            return nil
        }
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: PolicyDocument.maxBytes)).parse(bytes)
        } catch {
            reportJSONError(error)
            return nil
        }
        guard let object = parseObject(value, at: PolicyPath.root) else { return nil }
        checkKeys(object, allowed: ["default", "transports", "custody"], at: PolicyPath.root)

        var defaultRequirements: [PolicyRequirement]?
        if let value = object["default"] {
            defaultRequirements = parseRequirements(value, at: PolicyPath.member(PolicyPath.root, "default"))
        } else {
            error(.missingDefault, PolicyPath.root, "Default policy is missing")
        }
        var transports: [(transport: String, scopes: [(scope: String, requirements: [PolicyRequirement])])] = []
        if let value = object["transports"] {
            transports = parseTransports(value, at: PolicyPath.member(PolicyPath.root, "transports"))
        }
        var options = CustodyPolicyOptions()
        if let value = object["custody"] {
            options = parseCustodyOptions(value, at: PolicyPath.member(PolicyPath.root, "custody")) ?? options
        }
        guard !hasErrors, let defaultRequirements else { return nil }
        return PolicyDocument(defaultRequirements: defaultRequirements, transports: transports, custody: options)
    }

    private mutating func reportJSONError(_ jsonError: JSONError) {
        let components = PolicyPath.components(ofJSONErrorPath: jsonError.path)
        let path = components.map(PolicyPath.render) ?? PolicyPath.root
        let offset = jsonError.offset.map { " (at byte \($0))" } ?? ""
        switch jsonError.code {
        case .duplicateKey:
            if case .key(let key) = components?.last {
                error(.duplicateKey, path, "Duplicate key \(PolicyPath.quoted(key))\(offset)")
            } else {
                error(.duplicateKey, path, "Duplicate key\(offset)")
            }
        case .trailingData: error(.trailingData, path, "Unexpected data after the JSON document\(offset)")
        case .documentTooLarge: error(.tooLarge, path, jsonError.reason)
        default: error(.invalidJSON, path, (jsonError.reason.isEmpty ? jsonError.code.rawValue : jsonError.reason) + offset)
        }
    }

    /// `transports`: transport name → scope → requirements, in file order.
    private mutating func parseTransports(
        _ value: JSONValue, at path: String
    ) -> [(transport: String, scopes: [(scope: String, requirements: [PolicyRequirement])])] {
        guard let object = parseObject(value, at: path) else { return [] }
        var result: [(transport: String, scopes: [(scope: String, requirements: [PolicyRequirement])])] = []
        for (transport, scopesValue) in object {
            let transportPath = PolicyPath.member(path, transport)
            guard let scopesObject = parseObject(scopesValue, at: transportPath) else { continue }
            if !TransportScopeRules.knownTransports.contains(transport) {
                warning(
                    transportPath,
                    "transport \(PolicyPath.quoted(transport)) is not one containers/image knows: its scopes are not checked, and only images of that transport would use them")
            }
            var scopes: [(scope: String, requirements: [PolicyRequirement])] = []
            for (scope, requirementsValue) in scopesObject {
                let scopePath = PolicyPath.member(transportPath, scope)
                var scopeIsValid = true
                if !scope.isEmpty, let problem = TransportScopeRules.problem(transport: transport, scope: scope) {
                    error(.invalidScope, scopePath, "Unknown key \(PolicyPath.quoted(scope)) (invalid \(transport) scope: \(problem))")
                    scopeIsValid = false
                } else if transport == "docker", !scope.isEmpty, let problem = TransportScopeRules.dockerScopeWarning(scope) {
                    warning(scopePath, problem)
                }
                if let requirements = parseRequirements(requirementsValue, at: scopePath), scopeIsValid {
                    scopes.append((scope, requirements))
                }
            }
            result.append((transport, scopes))
        }
        return result
    }

    /// `custody`: Custody's own top-level options.
    private mutating func parseCustodyOptions(_ value: JSONValue, at path: String) -> CustodyPolicyOptions? {
        guard let object = parseObject(value, at: path) else { return nil }
        checkKeys(object, allowed: ["indexSignaturesCoverInstances"], at: path)
        var options = CustodyPolicyOptions()
        if let value = object["indexSignaturesCoverInstances"] {
            let memberPath = PolicyPath.member(path, "indexSignaturesCoverInstances")
            if case .bool(let flag) = value {
                options.indexSignaturesCoverInstances = flag
            } else {
                error(.typeMismatch, memberPath, "\"indexSignaturesCoverInstances\" must be true or false, got \(value.typeName)")
            }
        }
        return options
    }

    // MARK: Values

    /// The object at `path`, or nil (reported) when the value is something else.
    mutating func parseObject(_ value: JSONValue, at path: String) -> JSONObject? {
        guard case .object(let object) = value else {
            error(.typeMismatch, path, "JSON object expected, got \(value.typeName)")
            return nil
        }
        return object
    }

    /// Reports every member of `object` whose key is not in `allowed`.
    /// - Returns: whether all keys are allowed.
    @discardableResult
    mutating func checkKeys(_ object: JSONObject, allowed: Set<String>, at path: String) -> Bool {
        var allKnown = true
        for key in object.keys where !allowed.contains(key) {
            error(.unknownKey, PolicyPath.member(path, key), "Unknown key \(PolicyPath.quoted(key))")
            allKnown = false
        }
        return allKnown
    }

    /// Reports each of `required` that `object` lacks, with containers/image's message.
    /// - Returns: whether all are present.
    @discardableResult
    mutating func requireKeys(_ object: JSONObject, _ required: [String], at path: String) -> Bool {
        var allPresent = true
        for key in required where object[key] == nil {
            error(.missingKey, path, "Key \(PolicyPath.quoted(key)) missing in a JSON object")
            allPresent = false
        }
        return allPresent
    }

    /// The string member `key`, or nil when it is absent or (reported) not a string.
    mutating func stringMember(_ object: JSONObject, _ key: String, at path: String) -> String? {
        guard let value = object[key] else { return nil }
        guard case .string(let text) = value else {
            error(.typeMismatch, PolicyPath.member(path, key), "\(PolicyPath.quoted(key)) must be a string, got \(value.typeName)")
            return nil
        }
        return text
    }

    /// A non-empty string member `key`; nil when absent, or (reported) not a string or empty.
    mutating func nonEmptyStringMember(_ object: JSONObject, _ key: String, at path: String, code: PolicyError.Code) -> String? {
        guard let text = stringMember(object, key, at: path) else { return nil }
        guard !text.isEmpty else {
            error(code, PolicyPath.member(path, key), "\(PolicyPath.quoted(key)) must not be empty")
            return nil
        }
        return text
    }

    /// The array member `key`, or nil when it is absent or (reported) not an array.
    mutating func arrayMember(_ object: JSONObject, _ key: String, at path: String) -> [JSONValue]? {
        guard let value = object[key] else { return nil }
        guard case .array(let elements) = value else {
            error(.typeMismatch, PolicyPath.member(path, key), "\(PolicyPath.quoted(key)) must be an array, got \(value.typeName)")
            return nil
        }
        return elements
    }

    /// A positive integer member (a threshold), or nil (reported) when absent, not an integer or below 1.
    mutating func thresholdMember(_ object: JSONObject, at path: String) -> Int? {
        guard let value = object["threshold"] else { return nil }
        let memberPath = PolicyPath.member(path, "threshold")
        guard case .number(let number) = value, let integer = number.int64, let threshold = Int(exactly: integer) else {
            error(.invalidThreshold, memberPath, "\"threshold\" must be a whole number of at least 1, got \(value.typeName == "number" ? value.literalText : value.typeName)")
            return nil
        }
        guard threshold >= 1 else {
            error(.invalidThreshold, memberPath, "\"threshold\" must be at least 1, got \(threshold)")
            return nil
        }
        return threshold
    }

    /// The optional `description` of a requirement: one line of at most
    /// ``PolicyDocument/maxDescriptionBytes`` bytes. Returns `.some(nil)` when absent.
    mutating func parseDescription(_ object: JSONObject, at path: String) -> String?? {
        guard object["description"] != nil else { return .some(nil) }
        guard let text = stringMember(object, "description", at: path) else { return nil }
        let memberPath = PolicyPath.member(path, "description")
        guard checkText(text, what: "\"description\"", limit: PolicyDocument.maxDescriptionBytes, at: memberPath) else { return nil }
        return .some(text)
    }

    /// Checks a text that decisions print: not empty, one line, no control characters, bounded.
    mutating func checkText(_ text: String, what: String, limit: Int, at path: String) -> Bool {
        if text.isEmpty {
            error(.invalidText, path, "\(what) must not be empty")
            return false
        }
        if text.utf8.count > limit {
            error(.invalidText, path, "\(what) is \(text.utf8.count) bytes, over the limit of \(limit)")
            return false
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
            error(.invalidText, path, "\(what) must be one line without control characters")
            return false
        }
        return true
    }
}

extension JSONValue {
    /// A number's literal, for messages.
    fileprivate var literalText: String {
        if case .number(let number) = self { return number.literal }
        return typeName
    }
}
