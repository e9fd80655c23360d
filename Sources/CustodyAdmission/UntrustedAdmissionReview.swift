import CustodyJSON

/// A Kubernetes `AdmissionReview` (`admission.k8s.io/v1`) request as the API server sends it to a
/// webhook, parsed strictly but not yet acted on: nothing in it is trusted except that it parsed.
///
/// The parser is strict where a mistake could change a decision and tolerant where Kubernetes
/// evolves:
/// - the document must be one JSON object within ``maxBytes`` with no duplicate keys (at any
///   depth, the object included) and nothing after it;
/// - `apiVersion` must be `admission.k8s.io/v1` and `kind` `AdmissionReview`;
/// - `request.uid` must be a non-empty string of at most ``maxUIDBytes``; `request.kind.kind` and
///   `request.operation` must be strings; `object` must be an object or null;
/// - members this type does not read (new API fields) are ignored, as Kubernetes clients ignore them.
///
/// Source of the shape: kubernetes/kubernetes `staging/src/k8s.io/api/admission/v1/types.go`.
public struct UntrustedAdmissionReview: Sendable {
    /// The largest review accepted. The API server caps a request body at 3 MiB and a review can
    /// carry the object twice (`object` and `oldObject`), so 8 MiB leaves room without letting a
    /// caller make the webhook parse unbounded input.
    public static let maxBytes = 8 * 1024 * 1024
    /// The longest `request.uid` accepted (Kubernetes UIDs are 36-byte UUIDs).
    public static let maxUIDBytes = 256
    /// The only `apiVersion` accepted, also the one answered with.
    public static let apiVersion = "admission.k8s.io/v1"

    /// A group/version/kind (`request.kind`, `request.requestKind`).
    public struct GroupVersionKind: Sendable, Hashable, Codable {
        public var group: String
        public var version: String
        public var kind: String
        public init(group: String, version: String, kind: String) {
            self.group = group
            self.version = version
            self.kind = kind
        }
    }

    /// `request.userInfo`: who asked.
    public struct UserInfo: Sendable, Hashable, Codable {
        public var username: String?
        public var uid: String?
        public var groups: [String]
        public init(username: String?, uid: String?, groups: [String]) {
            self.username = username
            self.uid = uid
            self.groups = groups
        }
    }

    /// `request.uid`: echoed in the response.
    public var uid: String
    /// `request.kind`.
    public var kind: GroupVersionKind
    /// `request.resource.resource` (`pods`, `deployments`), when present.
    public var resource: String?
    /// `request.subResource` (`ephemeralcontainers`), when present.
    public var subResource: String?
    /// `request.name`; empty or absent for objects named by `generateName`.
    public var name: String?
    /// `request.namespace`; absent for cluster-scoped objects.
    public var namespace: String?
    /// `request.operation`: `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    public var operation: String
    /// `request.userInfo`.
    public var userInfo: UserInfo
    /// `request.dryRun`.
    public var dryRun: Bool
    /// `request.object`: the object as it would be stored; nil for DELETE and CONNECT.
    public var object: JSONObject?
    /// `request.oldObject`: the object before an UPDATE (or a DELETE); nil otherwise.
    public var oldObject: JSONObject?

    /// Parses a review.
    /// - Throws: ``AdmissionError`` with code ``AdmissionError/Code/malformedReview`` naming the
    ///   member that is wrong, or ``AdmissionError/Code/tooLarge``.
    public init(bytes: some Collection<UInt8>) throws(AdmissionError) {
        guard bytes.count <= Self.maxBytes else {
            throw AdmissionError(.tooLarge, "the AdmissionReview is \(bytes.count) bytes, over the limit of \(Self.maxBytes)")
        }
        let root: JSONValue
        do {
            root = try JSONParser(limits: JSONLimits(maxDocumentBytes: Self.maxBytes, maxDepth: 128)).parse(bytes)
        } catch {
            throw AdmissionError(.malformedReview, "the AdmissionReview is not valid JSON: \(error)")
        }
        guard case .object(let review) = root else { throw AdmissionError(.malformedReview, "the AdmissionReview is not a JSON object") }
        let apiVersion = try Self.string(review, "apiVersion", at: "")
        guard apiVersion == Self.apiVersion else {
            throw AdmissionError(.malformedReview, "apiVersion is \(apiVersion.debugDescription); only \(Self.apiVersion) is served")
        }
        let kind = try Self.string(review, "kind", at: "")
        guard kind == "AdmissionReview" else { throw AdmissionError(.malformedReview, "kind is \(kind.debugDescription), not \"AdmissionReview\"") }
        guard case .object(let request)? = review["request"] else {
            throw AdmissionError(.malformedReview, "request is missing or not an object")
        }
        uid = try Self.string(request, "uid", at: "request.")
        guard !uid.isEmpty, uid.utf8.count <= Self.maxUIDBytes else {
            throw AdmissionError(.malformedReview, "request.uid must be a non-empty string of at most \(Self.maxUIDBytes) bytes")
        }
        guard case .object(let gvk)? = request["kind"] else { throw AdmissionError(.malformedReview, "request.kind is missing or not an object") }
        self.kind = GroupVersionKind(
            group: try Self.optionalString(gvk, "group", at: "request.kind.") ?? "",
            version: try Self.optionalString(gvk, "version", at: "request.kind.") ?? "",
            kind: try Self.string(gvk, "kind", at: "request.kind."))
        if case .object(let gvr)? = request["resource"] {
            resource = try Self.optionalString(gvr, "resource", at: "request.resource.")
        } else {
            resource = nil
        }
        subResource = try Self.optionalString(request, "subResource", at: "request.")
        name = try Self.optionalString(request, "name", at: "request.")
        namespace = try Self.optionalString(request, "namespace", at: "request.")
        operation = try Self.string(request, "operation", at: "request.")
        guard ["CREATE", "UPDATE", "DELETE", "CONNECT"].contains(operation) else {
            throw AdmissionError(.malformedReview, "request.operation is \(operation.debugDescription), not CREATE, UPDATE, DELETE or CONNECT")
        }
        switch request["userInfo"] {
        case .object(let user)?:
            var groups: [String] = []
            switch user["groups"] {
            case nil, .null?: break
            case .array(let values)?:
                for value in values {
                    guard case .string(let group) = value else { throw AdmissionError(.malformedReview, "request.userInfo.groups holds a non-string") }
                    groups.append(group)
                }
            default: throw AdmissionError(.malformedReview, "request.userInfo.groups is not an array")
            }
            userInfo = UserInfo(
                username: try Self.optionalString(user, "username", at: "request.userInfo."),
                uid: try Self.optionalString(user, "uid", at: "request.userInfo."), groups: groups)
        case nil, .null?:
            userInfo = UserInfo(username: nil, uid: nil, groups: [])
        default:
            throw AdmissionError(.malformedReview, "request.userInfo is not an object")
        }
        switch request["dryRun"] {
        case nil, .null?: dryRun = false
        case .bool(let value)?: dryRun = value
        default: throw AdmissionError(.malformedReview, "request.dryRun is not a boolean")
        }
        switch request["object"] {
        case nil, .null?: object = nil
        case .object(let value)?: object = value
        default: throw AdmissionError(.malformedReview, "request.object is not an object")
        }
        switch request["oldObject"] {
        case nil, .null?: oldObject = nil
        case .object(let value)?: oldObject = value
        default: throw AdmissionError(.malformedReview, "request.oldObject is not an object")
        }
        if object == nil && (operation == "CREATE" || operation == "UPDATE") {
            throw AdmissionError(.malformedReview, "request.object is missing for a \(operation)")
        }
    }

    /// The object's name: `request.name`, else the object's `metadata.name`, else its
    /// `metadata.generateName` followed by `*` (the API server names it after admission).
    public var objectName: String? {
        if let name, !name.isEmpty { return name }
        guard case .object(let metadata)? = object?["metadata"] else { return nil }
        if case .string(let name)? = metadata["name"], !name.isEmpty { return name }
        if case .string(let prefix)? = metadata["generateName"], !prefix.isEmpty { return prefix + "*" }
        return nil
    }

    static func string(_ object: JSONObject, _ key: String, at prefix: String) throws(AdmissionError) -> String {
        guard let value = try optionalString(object, key, at: prefix) else {
            throw AdmissionError(.malformedReview, "\(prefix)\(key) is missing")
        }
        return value
    }

    static func optionalString(_ object: JSONObject, _ key: String, at prefix: String) throws(AdmissionError) -> String? {
        switch object[key] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case let other?: throw AdmissionError(.malformedReview, "\(prefix)\(key) is a \(other.typeName), not a string")
        }
    }
}
