import CustodyJSON
import Foundation

/// The `response` of an AdmissionReview, and the whole review a webhook answers with.
///
/// `patch` is a JSON Patch (RFC 6902) that Kubernetes carries as `[]byte`, so it is base64 on the
/// wire, with `patchType: "JSONPatch"`. A denial's reasons go in `status.message` (code 403); warn
/// mode allows and puts them in `warnings`.
public struct AdmissionResponse: Sendable, Hashable {
    /// The longest warning sent: the API server may truncate warnings over 256 characters, and
    /// recommends at most 120.
    public static let maxWarningCharacters = 256
    /// The most warnings sent; the rest are summarised in one more.
    public static let maxWarnings = 16
    /// The longest `status.message`.
    public static let maxMessageCharacters = 4096

    /// One JSON Patch operation: Custody only ever replaces an image string.
    public struct PatchOperation: Sendable, Hashable, Codable {
        public var op: String
        public var path: String
        public var value: String
        public init(replace path: String, with value: String) {
            self.op = "replace"
            self.path = path
            self.value = value
        }
    }

    /// The request's uid.
    public var uid: String
    public var allowed: Bool
    /// The reason for a denial (`status.message`).
    public var message: String?
    public var warnings: [String]
    public var patch: [PatchOperation]
    /// Annotations the API server adds to its audit event (keys get the webhook's name as prefix).
    public var auditAnnotations: [String: String]

    public init(uid: String, allowed: Bool, message: String? = nil, warnings: [String] = [], patch: [PatchOperation] = [], auditAnnotations: [String: String] = [:]) {
        self.uid = uid
        self.allowed = allowed
        self.message = message
        self.warnings = warnings
        self.patch = patch
        self.auditAnnotations = auditAnnotations
    }

    /// The JSON Patch document (`[{"op":"replace","path":…,"value":…}]`).
    public var patchDocument: [UInt8] {
        var members: [JSONValue] = []
        for operation in patch {
            var object = JSONObject()
            object.insert("op", .string(operation.op))
            object.insert("path", .string(operation.path))
            object.insert("value", .string(operation.value))
            members.append(.object(object))
        }
        return (try? CanonicalJSONEncoder.serialize(.array(members), style: .rfc8785)) ?? Array("[]".utf8)
    }

    /// The whole AdmissionReview answering the request.
    public var reviewJSON: [UInt8] {
        var response = JSONObject()
        response.insert("uid", .string(uid))
        response.insert("allowed", .bool(allowed))
        if !allowed {
            var status = JSONObject()
            status.insert("code", .number(JSONNumber(403)))
            status.insert("message", .string(Self.clip(message ?? "denied", to: Self.maxMessageCharacters)))
            response.insert("status", .object(status))
        }
        if !patch.isEmpty {
            response.insert("patchType", .string("JSONPatch"))
            response.insert("patch", .string(Data(patchDocument).base64EncodedString()))
        }
        if !warnings.isEmpty {
            var sent = warnings.prefix(Self.maxWarnings).map { Self.clip($0, to: Self.maxWarningCharacters) }
            if warnings.count > Self.maxWarnings { sent.append("and \(warnings.count - Self.maxWarnings) more warnings") }
            response.insert("warnings", .array(sent.map { .string($0) }))
        }
        if !auditAnnotations.isEmpty {
            var annotations = JSONObject()
            for key in auditAnnotations.keys.sorted() { annotations.insert(key, .string(auditAnnotations[key]!)) }
            response.insert("auditAnnotations", .object(annotations))
        }
        var review = JSONObject()
        review.insert("apiVersion", .string(UntrustedAdmissionReview.apiVersion))
        review.insert("kind", .string("AdmissionReview"))
        review.insert("response", .object(response))
        return (try? CanonicalJSONEncoder.serialize(.object(review), style: .rfc8785)) ?? []
    }

    static func clip(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
