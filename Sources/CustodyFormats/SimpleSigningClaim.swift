import CustodyJSON
import CustodyOCI

/// The JSON claim of Red Hat simple signing (`atomic container signature`), as Custody writes it:
/// it binds an image identity (a Docker reference) to a manifest digest.
///
/// ``encoded()`` gives exactly the bytes containers/image writes for the same values: keys sorted,
/// no whitespace, `optional.creator` and `optional.timestamp` always present, strings escaped and
/// integers written as Go's `encoding/json` does (`containers-signature(5)`, containers/image
/// `signature/simple.go`).
public struct SimpleSigningClaim: Sendable, Hashable {
    /// The value of `critical.type`.
    public static let type = "atomic container signature"

    /// The signed identity, as given (containers/image writes the fully expanded reference, e.g.
    /// `docker.io/library/busybox:latest`).
    public var dockerReference: String
    /// The signed manifest digest.
    public var manifestDigest: Digest
    /// Who made the signature (`optional.creator`).
    public var creator: String
    /// When, in seconds since 1970 (`optional.timestamp`; the signer's claim, not a proof of time).
    public var timestamp: Int64

    /// Makes a claim.
    public init(dockerReference: String, manifestDigest: Digest, creator: String, timestamp: Int64) {
        self.dockerReference = dockerReference
        self.manifestDigest = manifestDigest
        self.creator = creator
        self.timestamp = timestamp
    }

    private struct Document: Encodable {
        struct Critical: Encodable {
            struct Identity: Encodable {
                let dockerReference: String
                enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
            }
            struct Image: Encodable {
                let dockerManifestDigest: String
                enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
            }
            let identity: Identity
            let image: Image
            let type: String
        }
        struct Optional: Encodable {
            let creator: String
            let timestamp: Int64
        }
        let critical: Critical
        let optional: Optional
    }

    /// The claim's bytes: canonical JSON, as containers/image writes them.
    public func encoded() throws(JSONError) -> [UInt8] {
        try CanonicalJSONEncoder(style: .goEncodingJSON).encode(Document(
            critical: .init(
                identity: .init(dockerReference: dockerReference),
                image: .init(dockerManifestDigest: manifestDigest.description),
                type: SimpleSigningClaim.type),
            optional: .init(creator: creator, timestamp: timestamp)))
    }
}

/// A simple-signing claim read from a signature payload, before its digest and identity are checked.
///
/// Parsing is as strict as containers/image's (`strictUnmarshalJSON`): the top level holds exactly
/// `critical` and `optional`; `critical` exactly `type`, `image` and `identity`, each with exactly
/// its one member; duplicate keys, unknown keys in `critical`, wrong types and trailing data are
/// errors. Unknown members of `optional` are ignored; `creator` must be a string and `timestamp`
/// a number with an integer value (`1e3` is accepted, `1.5` is not), as containers/image reads them.
///
/// - Warning: Parse a payload only after its OpenPGP signature has been verified with a trusted
///   key, and use its fields only after comparing them with the image (as `SimpleSigningVerifier` does).
public struct UntrustedSimpleSigningClaim: Sendable, Hashable {
    /// The two claim formats that share this JSON shape.
    public enum ClaimType: String, Sendable, Hashable {
        /// Red Hat simple signing (`atomic container signature`); `optional` must be an object.
        case atomic = "atomic container signature"
        /// cosign's payload (`cosign container image signature`); `optional` may be `null`
        /// (cosign writes `null` when there are no annotations).
        case cosign = "cosign container image signature"
    }

    /// Which format the claim is.
    public let type: ClaimType
    /// `critical.identity.docker-reference`, unchecked.
    public let untrustedDockerReference: String
    /// `critical.image.docker-manifest-digest`, unchecked.
    public let untrustedManifestDigest: Digest
    /// `optional.creator`, if present.
    public let untrustedCreator: String?
    /// `optional.timestamp`, if present.
    public let untrustedTimestamp: Int64?
    /// Every member of `optional` (cosign annotations), unchecked; empty when `optional` is null.
    public let untrustedOptional: JSONObject

    /// The largest payload accepted: 4 MiB.
    public static let maxPayloadBytes = 4 * 1024 * 1024

    private struct Document: Decodable {
        struct Critical: Decodable {
            struct Identity: Decodable {
                let dockerReference: String
                enum CodingKeys: String, CodingKey { case dockerReference = "docker-reference" }
            }
            struct Image: Decodable {
                let dockerManifestDigest: String
                enum CodingKeys: String, CodingKey { case dockerManifestDigest = "docker-manifest-digest" }
            }
            let type: String
            let image: Image
            let identity: Identity
        }
        struct Optional: Decodable {
            let creator: String?
            let timestamp: JSONNumber?
            let members: JSONObject
            enum CodingKeys: String, CodingKey, UnknownJSONKeysIgnored { case creator, timestamp }

            init(from decoder: any Decoder) throws {
                guard case .object(let members) = try JSONValue(from: decoder) else {
                    throw JSONError(code: .typeMismatch, path: "optional", reason: "optional is not a JSON object")
                }
                self.members = members
                let container = try decoder.container(keyedBy: CodingKeys.self)
                if container.contains(.creator) {
                    creator = try container.decode(String.self, forKey: .creator)  // null is not a string
                } else {
                    creator = nil
                }
                if container.contains(.timestamp) {
                    guard case .number(let number) = try container.decode(JSONValue.self, forKey: .timestamp) else {
                        throw JSONError(code: .typeMismatch, path: "optional.timestamp", reason: "optional.timestamp is not a number")
                    }
                    timestamp = number
                } else {
                    timestamp = nil
                }
            }
        }
        let critical: Critical
        let optional: Optional?

        enum CodingKeys: String, CodingKey { case critical, optional }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            critical = try container.decode(Critical.self, forKey: .critical)
            // Required, but may be null (only cosign payloads are allowed to use that).
            optional = try container.decode(JSONValue.self, forKey: .optional) == .null
                ? nil : try container.decode(Optional.self, forKey: .optional)
        }
    }

    /// Parses a payload.
    /// - Parameter type: the claim format expected (`critical.type` must name it).
    /// - Throws: ``SimpleSigningError`` naming the offending field.
    public init(payload: [UInt8], type: ClaimType = .atomic) throws(SimpleSigningError) {
        let document: Document
        do {
            document = try StrictJSONDecoder(limits: JSONLimits(maxDocumentBytes: UntrustedSimpleSigningClaim.maxPayloadBytes))
                .decode(Document.self, from: payload)
        } catch {
            throw SimpleSigningError(.invalidClaim, "invalid signature claim: \(error)")
        }
        guard document.critical.type == type.rawValue else {
            throw SimpleSigningError(.invalidClaim, "unrecognized signature type \"\(document.critical.type.prefix(100))\"")
        }
        guard document.optional != nil || type == .cosign else {
            throw SimpleSigningError(.invalidClaim, "invalid signature claim: optional must be a JSON object, not null")
        }
        self.type = type
        let digestText = document.critical.image.dockerManifestDigest
        do {
            untrustedManifestDigest = try Digest(parsing: digestText)
        } catch {
            throw SimpleSigningError(.invalidClaim, "invalid docker-manifest-digest value \"\(digestText.prefix(140))\": \(error)")
        }
        untrustedDockerReference = document.critical.identity.dockerReference
        untrustedCreator = document.optional?.creator
        untrustedOptional = document.optional?.members ?? JSONObject()
        if let number = document.optional?.timestamp {
            // containers/image reads a float64 and requires it to equal its integer truncation.
            guard let value = number.double, value.rounded(.towardZero) == value, abs(value) < 9.2e18 else {
                throw SimpleSigningError(.invalidClaim, "field optional.timestamp is not an integer")
            }
            untrustedTimestamp = Int64(value)
        } else {
            untrustedTimestamp = nil
        }
    }
}

/// Why a simple signature is not accepted, or could not be made.
public struct SimpleSigningError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The claim JSON is malformed or not a simple-signing claim.
        public static let invalidClaim = Code(rawValue: "invalidClaim")
        /// The claim names another manifest digest.
        public static let digestMismatch = Code(rawValue: "digestMismatch")
        /// The claim names another identity.
        public static let identityMismatch = Code(rawValue: "identityMismatch")
        /// The signer is not the one expected.
        public static let signerMismatch = Code(rawValue: "signerMismatch")
    }

    /// The kind of failure.
    public var code: Code
    /// One line for people.
    public var reason: String

    /// Makes an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason }
    public static func == (lhs: SimpleSigningError, rhs: SimpleSigningError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
