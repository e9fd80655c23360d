import CustodyTransparency
import Crypto
import CustodyJSON
import CustodyKeys

/// A Rekor v2 `hashedRekordRequestV002`: an artifact's digest, a signature over the artifact and
/// the key that checks it. The log never sees the artifact.
///
/// ```swift
/// let request = try HashedRekordRequest(artifact: bytes, privateKey: key)
/// let entry = try await client.append(request.json)
/// ```
public struct HashedRekordRequest: Sendable, Hashable {
    /// The artifact's digest: SHA-256, or SHA-384 for P-384 keys.
    public let digest: [UInt8]
    /// The signature over the artifact (ASN.1 DER for ECDSA, the raw integer for RSA).
    public let signature: [UInt8]
    /// The signer's DER SubjectPublicKeyInfo.
    public let publicKeyBytes: [UInt8]
    /// The algorithm.
    public let keyDetails: HashedRekordKeyDetails

    /// Signs `artifact` with `privateKey` in the key's natural scheme (ECDSA P-256/SHA-256,
    /// P-384/SHA-384, RSA PKCS#1 v1.5/SHA-256) and makes the request.
    ///
    /// - Throws: ``LogClientError/Code/unsupportedKey`` for Ed25519 and unusual RSA sizes (see
    ///   ``HashedRekordKeyDetails/init(for:)``); `KeyError` when signing fails.
    public init(artifact: [UInt8], privateKey: PrivateKey) throws {
        let details = try HashedRekordKeyDetails(for: privateKey.publicKey)
        self.keyDetails = details
        self.digest = details == .ecdsaP384SHA384 ? Array(SHA384.hash(data: artifact)) : Array(SHA256.hash(data: artifact))
        self.signature = try privateKey.sign(artifact, algorithm: details.signingAlgorithm)
        self.publicKeyBytes = privateKey.publicKey.derRepresentation
    }

    /// The request body: `{"hashedRekordRequestV002": {...}}` as canonical JSON.
    public var json: [UInt8] {
        let request = Self.object([
            ("hashedRekordRequestV002", Self.object([
                ("digest", .string(StrictBase64.encode(digest))),
                ("signature", Self.object([
                    ("content", .string(StrictBase64.encode(signature))),
                    ("verifier", Self.object([
                        ("publicKey", Self.object([("rawBytes", .string(StrictBase64.encode(publicKeyBytes)))])),
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
                            ("publicKey", Self.object([("rawBytes", .string(StrictBase64.encode(publicKeyBytes)))])),
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
