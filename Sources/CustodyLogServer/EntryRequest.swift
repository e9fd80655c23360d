import CustodyJSON

/// A parsed `POST /api/v2/log/entries` body (Rekor v2 `CreateEntryRequest`).
public enum EntryRequest: Sendable, Hashable {
    /// A `hashedRekordRequestV002` whose signature verified.
    case hashedRekordV002(HashedRekordV002)

    /// The deepest nesting a request needs (the verifier's key is 5 levels down).
    static let maxDepth = 8

    /// Parses and validates a request body of at most `maxBytes` bytes.
    ///
    /// - Throws: ``LogAPIError``: 413 `requestTooLarge`, 400 `invalidJSON` for bytes that are not
    ///   one strict JSON document (duplicate keys, trailing data, invalid UTF-8…), 400
    ///   `invalidRequest` for a body that is not exactly one known request member, 400
    ///   `unsupportedKind` for `dsseRequestV002`, and the errors of
    ///   ``HashedRekordV002/init(request:)``.
    public init(body: some Collection<UInt8>, maxBytes: Int) throws(LogAPIError) {
        guard body.count <= maxBytes else {
            throw LogAPIError(status: 413, code: "requestTooLarge", message: "the request body is over \(maxBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: maxBytes, maxDepth: Self.maxDepth)).parse(body)
        } catch {
            throw .badRequest("invalidJSON", "the request body is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw .badRequest("invalidRequest", "the request body must be a JSON object, not \(value.typeName)")
        }
        guard object.count == 1, let (name, member) = object.members.first else {
            throw .badRequest(
                "invalidRequest", "the request body must have exactly one member: hashedRekordRequestV002 (or dsseRequestV002)")
        }
        switch name {
        case "hashedRekordRequestV002":
            self = .hashedRekordV002(try HashedRekordV002(request: member))
        case "dsseRequestV002":
            throw .badRequest(
                "unsupportedKind", "dsseRequestV002 is not supported by this log yet (it is also deprecated in Rekor v2); use hashedRekordRequestV002")
        default:
            throw .badRequest("invalidRequest", "unknown request kind '\(name.prefix(64))'; expected hashedRekordRequestV002")
        }
    }

    /// The entry's `kindVersion`: kind and API version.
    public var kindVersion: (kind: String, version: String) {
        switch self {
        case .hashedRekordV002: ("hashedrekord", "0.0.2")
        }
    }

    /// The leaf bytes to log: the RFC 8785 canonical JSON of the entry.
    public var canonicalizedBody: [UInt8] {
        switch self {
        case .hashedRekordV002(let entry): entry.canonicalizedBody
        }
    }
}
