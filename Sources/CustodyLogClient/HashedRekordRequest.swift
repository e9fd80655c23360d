import CustodyTransparency
import Crypto
import CustodyJSON
import CustodyKeys

/// A Rekor v2 `hashedRekordRequestV002`: an artifact's digest, a signature over the artifact and
/// the key or certificate that checks it. The log never sees the artifact.
///
/// ```swift
/// let request = try HashedRekordRequest(artifact: bytes, privateKey: key)
/// let entry = try await client.append(request.json)
/// ```
public struct HashedRekordRequest: Sendable, Hashable {
    /// The artifact's digest, by the key details' hash algorithm.
    public let digest: [UInt8]
    /// The signature over the artifact (ASN.1 DER for ECDSA, the raw integer for RSA).
    public let signature: [UInt8]
    /// The signer's key (DER SubjectPublicKeyInfo) or certificate (DER).
    public let verifier: HashedRekordVerifier
    /// The algorithm.
    public let keyDetails: HashedRekordKeyDetails

    /// Signs `artifact` with `privateKey` in the key's natural scheme (see
    /// ``HashedRekordKeyDetails/init(for:)``) and makes the request; with `certificate`, the
    /// entry names the signer by that certificate instead of the bare key.
    ///
    /// - Throws: ``LogClientError/Code/unsupportedKey`` for keys no hashedrekord algorithm fits,
    ///   and when `certificate`'s key is not `privateKey`'s; `KeyError` when signing fails.
    public init(artifact: [UInt8], privateKey: PrivateKey, certificate: UntrustedCertificate? = nil) throws {
        let details = try HashedRekordKeyDetails(for: privateKey.publicKey)
        if let certificate, certificate.publicKey.derRepresentation != privateKey.publicKey.derRepresentation {
            throw LogClientError(.unsupportedKey, "the certificate's public key is not the signing key's")
        }
        self.keyDetails = details
        self.digest = details.digest(of: artifact)
        self.signature = try details.sign(artifact, with: privateKey)
        self.verifier = certificate.map { .certificate($0.derBytes) } ?? .publicKey(privateKey.publicKey.derRepresentation)
    }

    /// The request body: `{"hashedRekordRequestV002": {...}}` as canonical JSON.
    public var json: [UInt8] {
        let request = Self.object([
            ("hashedRekordRequestV002", Self.object([
                ("digest", .string(StrictBase64.encode(digest))),
                ("signature", Self.object([
                    ("content", .string(StrictBase64.encode(signature))),
                    ("verifier", Self.object([
                        (verifier.member, Self.object([("rawBytes", .string(StrictBase64.encode(verifier.bytes)))])),
                        ("keyDetails", .string(keyDetails.rawValue)),
                    ])),
                ])),
            ]))
        ])
        // Only strings and objects with distinct keys: always serializable.
        return (try? CanonicalJSONEncoder.serialize(request, style: .rfc8785)) ?? []
    }

    /// The entry a log makes of this request: the `canonicalizedBody` it must answer with (the
    /// RFC 8785 canonical JSON of the hashedrekord v0.0.2 entry).
    public var expectedCanonicalizedBody: [UInt8] {
        let entry = Self.object([
            ("kind", .string("hashedrekord")),
            ("apiVersion", .string("0.0.2")),
            ("spec", Self.object([
                ("hashedRekordV002", Self.object([
                    ("data", Self.object([
                        ("digest", .string(StrictBase64.encode(digest))),
                        ("algorithm", .string(keyDetails.hashAlgorithm)),
                    ])),
                    ("signature", Self.object([
                        ("content", .string(StrictBase64.encode(signature))),
                        ("verifier", Self.object([
                            (verifier.member, Self.object([("rawBytes", .string(StrictBase64.encode(verifier.bytes)))])),
                            ("keyDetails", .string(keyDetails.rawValue)),
                        ])),
                    ])),
                ]))
            ])),
        ])
        return (try? CanonicalJSONEncoder.serialize(entry, style: .rfc8785)) ?? []
    }

    /// An object of distinct literal keys.
    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members: members.map { (key: $0.0, value: $0.1) })!)
    }
}
