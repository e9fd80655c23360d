import CustodyJSON
import CustodyOCI

/// cosign's signed payload for an image (`cosign container image signature`), exactly as cosign
/// writes it: Go's `json.Marshal` of sigstore's `SimpleContainerImage`, with `"optional":null`
/// when there are no annotations (sigstore `pkg/signature/payload/payload.go`).
///
/// Read payloads with `UntrustedSimpleSigningClaim(payload:type: .cosign)`.
public struct CosignPayload: Sendable, Hashable {
    /// The identity (cosign writes the repository, without tag).
    public var dockerReference: String
    /// The signed manifest digest.
    public var manifestDigest: Digest
    /// Annotations (`cosign sign -a key=value`); nil writes `"optional":null`.
    public var annotations: [String: String]?

    /// Makes a payload.
    public init(dockerReference: String, manifestDigest: Digest, annotations: [String: String]? = nil) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest
        self.annotations = annotations
    }

    /// The payload's bytes.
    public func encoded() throws(JSONError) -> [UInt8] {
        let critical = JSONValue.object(JSONObject(members: [
            ("identity", .object(JSONObject(members: [("docker-reference", .string(dockerReference))]) ?? JSONObject())),
            ("image", .object(JSONObject(members: [("docker-manifest-digest", .string(manifestDigest.description))]) ?? JSONObject())),
            ("type", .string(UntrustedSimpleSigningClaim.ClaimType.cosign.rawValue)),
        ]) ?? JSONObject())
        var optional = JSONValue.null
        if let annotations {
            optional = .object(JSONObject(members: annotations.map { ($0.key, JSONValue.string($0.value)) }) ?? JSONObject())
        }
        let document = JSONValue.object(JSONObject(members: [("critical", critical), ("optional", optional)]) ?? JSONObject())
        return try CanonicalJSONEncoder.serialize(document, style: .goEncodingJSON)
    }
}
