import CustodyTransparency
import CustodyJSON
import CustodyKeys

/// A Sigstore `PublicKeyDetails` name a `hashedrekord` v0.0.2 request may state, with what it
/// demands of the key and the digest.
///
/// Rekor v2's default registry allows RSA PKCS#1 v1.5 (2048, 3072, 4096 bits) with SHA-256,
/// ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512 and Ed25519ph, and so does this log:
/// swift-crypto checks the ECDSA and RSA ones over the prehashed digest, libsodium (loaded at
/// run time, ``Ed25519ph``) the Ed25519ph one; without libsodium Ed25519ph entries are refused
/// with `unsupportedAlgorithm`. Pure Ed25519 cannot sign a prehashed digest and is refused as
/// Rekor v2 refuses it.
public enum RekorKeyDetails: String, Sendable, Hashable, CaseIterable {
    case ecdsaP256SHA256 = "PKIX_ECDSA_P256_SHA_256"
    case ecdsaP384SHA384 = "PKIX_ECDSA_P384_SHA_384"
    case ecdsaP521SHA512 = "PKIX_ECDSA_P521_SHA_512"
    case rsaPKCS1v15_2048SHA256 = "PKIX_RSA_PKCS1V15_2048_SHA256"
    case rsaPKCS1v15_3072SHA256 = "PKIX_RSA_PKCS1V15_3072_SHA256"
    case rsaPKCS1v15_4096SHA256 = "PKIX_RSA_PKCS1V15_4096_SHA256"
    case ed25519ph = "PKIX_ED25519_PH"

    /// How a signature of this kind is checked.
    enum Scheme { case ecdsaSHA256, ecdsaSHA384, ecdsaSHA512, rsaPKCS1SHA256, ed25519ph }

    var scheme: Scheme {
        switch self {
        case .ecdsaP256SHA256: .ecdsaSHA256
        case .ecdsaP384SHA384: .ecdsaSHA384
        case .ecdsaP521SHA512: .ecdsaSHA512
        case .ed25519ph: .ed25519ph
        case .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256, .rsaPKCS1v15_4096SHA256: .rsaPKCS1SHA256
        }
    }

    /// The protobuf-specs `HashAlgorithm` name of the digest (`SHA2_256`, `SHA2_384`, `SHA2_512`).
    public var hashAlgorithm: String {
        switch self {
        case .ecdsaP384SHA384: "SHA2_384"
        case .ecdsaP521SHA512, .ed25519ph: "SHA2_512"
        default: "SHA2_256"
        }
    }

    /// The digest length in bytes.
    public var digestBytes: Int {
        switch self {
        case .ecdsaP384SHA384: 48
        case .ecdsaP521SHA512, .ed25519ph: 64
        default: 32
        }
    }

    /// Whether `key` is the key this name describes (type, curve, RSA modulus size).
    func fits(_ key: PublicKey) -> Bool {
        switch (self, key) {
        case (.ecdsaP256SHA256, .ecdsaP256), (.ecdsaP384SHA384, .ecdsaP384), (.ecdsaP521SHA512, .ecdsaP521), (.ed25519ph, .ed25519): true
        case (.rsaPKCS1v15_2048SHA256, .rsa): key.rsaModulusBits == 2048
        case (.rsaPKCS1v15_3072SHA256, .rsa): key.rsaModulusBits == 3072
        case (.rsaPKCS1v15_4096SHA256, .rsa): key.rsaModulusBits == 4096
        default: false
        }
    }

    /// Names Rekor v2 allows that this log cannot check yet, and why.
    static let recognisedButUnsupported: [String: String] = [
        "PKIX_ED25519": "pure Ed25519 cannot sign a prehashed digest; sign the digest with Ed25519ph and send PKIX_ED25519_PH",
    ]
}

/// A validated Rekor v2 `hashedRekordRequestV002`: a signature over a digest, with the key or
/// certificate that made it. Only values that passed every check exist: the signature verifies
/// over the digest.
///
/// Wire form (protobuf JSON names, `bytes` as padded standard base64; every member required but
/// the verifier's one-of, unknown members refused):
///
/// ```json
/// {"hashedRekordRequestV002": {"digest": "<b64>",
///   "signature": {"content": "<b64>",
///                 "verifier": {"publicKey": {"rawBytes": "<b64 DER SPKI>"},
///                              "keyDetails": "PKIX_ECDSA_P256_SHA_256"}}}}
/// ```
///
/// `"x509Certificate": {"rawBytes": "<b64 DER certificate>"}` may stand in place of `publicKey`.
public struct HashedRekordV002: Sendable, Hashable {
    /// The artifact digest the signature covers.
    public let digest: [UInt8]
    /// The signature (ASN.1 DER for ECDSA, the raw integer for RSA).
    public let signature: [UInt8]
    /// The key or certificate that checks the signature.
    public let verifier: HashedRekordVerifier
    /// The stated algorithm.
    public let keyDetails: RekorKeyDetails

    /// The largest accepted signature, in bytes (an RSA-4096 signature is 512).
    public static let maxSignatureBytes = 1024
    /// The largest accepted public key, in bytes (an RSA-4096 SubjectPublicKeyInfo is about 550).
    public static let maxPublicKeyBytes = 4096
    /// The largest accepted certificate, in bytes (Sigstore's are about 1 KB).
    public static let maxCertificateBytes = UntrustedCertificate.maxBytes

    /// Reads and verifies the value of a request's `hashedRekordRequestV002` member.
    ///
    /// - Throws: ``LogAPIError`` (status 400) naming the first problem: a missing, unknown or
    ///   mistyped member, bad base64, both or neither of `publicKey` and `x509Certificate`, a key
    ///   or certificate that cannot be read, an unknown or unsupported algorithm, a key that does
    ///   not match `keyDetails`, a digest of the wrong length, or a signature that does not verify.
    public init(request value: JSONValue) throws(LogAPIError) {
        let request = try Fields(value, at: "hashedRekordRequestV002", allowed: ["digest", "signature"])
        let digest = try request.bytes("digest")
        let signatureObject = try Fields(try request.require("signature"), at: request.path("signature"), allowed: ["content", "verifier"])
        let signature = try signatureObject.bytes("content")
        let verifierObject = try Fields(
            try signatureObject.require("verifier"), at: signatureObject.path("verifier"),
            allowed: ["publicKey", "x509Certificate", "keyDetails"])
        let verifier: HashedRekordVerifier
        switch (verifierObject.object["publicKey"], verifierObject.object["x509Certificate"]) {
        case (.some(let keyValue), nil):
            let keyObject = try Fields(keyValue, at: verifierObject.path("publicKey"), allowed: ["rawBytes"])
            verifier = .publicKey(try keyObject.bytes("rawBytes"))
        case (nil, .some(let certificateValue)):
            let certificateObject = try Fields(certificateValue, at: verifierObject.path("x509Certificate"), allowed: ["rawBytes"])
            verifier = .certificate(try certificateObject.bytes("rawBytes"))
        case (.some, .some):
            throw .badRequest("invalidRequest", "\(verifierObject.prefix) has both publicKey and x509Certificate; send one")
        case (nil, nil):
            throw .badRequest("invalidRequest", "missing \(verifierObject.prefix).publicKey or \(verifierObject.prefix).x509Certificate")
        }
        let detailsName = try verifierObject.string("keyDetails")

        guard let keyDetails = RekorKeyDetails(rawValue: detailsName) else {
            if let why = RekorKeyDetails.recognisedButUnsupported[detailsName] {
                throw .badRequest("unsupportedAlgorithm", why)
            }
            throw .badRequest(
                "unsupportedAlgorithm",
                "keyDetails '\(detailsName.prefix(64))' is not an accepted algorithm (accepted: \(RekorKeyDetails.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        if keyDetails == .ed25519ph, !Ed25519ph.isAvailable {
            throw .badRequest("unsupportedAlgorithm", "PKIX_ED25519_PH needs libsodium, which this log server cannot load")
        }
        guard !signature.isEmpty, signature.count <= Self.maxSignatureBytes else {
            throw .badRequest("invalidSignature", "signature.content must be 1 to \(Self.maxSignatureBytes) bytes")
        }
        guard digest.count == keyDetails.digestBytes else {
            throw .badRequest(
                "invalidDigest",
                "digest is \(digest.count) bytes; \(keyDetails.rawValue) needs a \(keyDetails.digestBytes)-byte \(keyDetails.hashAlgorithm) digest")
        }
        let key = try Self.key(of: verifier)
        guard keyDetails.fits(key) else {
            let size = key.rsaModulusBits.map { " of \($0) bits" } ?? ""
            throw .badRequest("keyMismatch", "keyDetails is \(keyDetails.rawValue) but the key is \(key.algorithm)\(size)")
        }
        guard PrehashedSignature.isValid(signature, digest: digest, key: key, scheme: keyDetails.scheme) else {
            let holder = verifier.member == "publicKey" ? "key" : "certificate's key"
            throw .badRequest("invalidSignature", "the signature does not verify over the digest with the given \(holder)")
        }
        self.digest = digest
        self.signature = signature
        self.verifier = verifier
        self.keyDetails = keyDetails
    }

    /// The public key of a verifier: the key itself, or the certificate's subject key. Each kind
    /// has its own size limit and error code (`invalidKey`, `invalidCertificate`).
    static func key(of verifier: HashedRekordVerifier) throws(LogAPIError) -> PublicKey {
        let (limit, code, expected) = switch verifier {
        case .publicKey: (Self.maxPublicKeyBytes, "invalidKey", "a supported DER SubjectPublicKeyInfo")
        case .certificate: (Self.maxCertificateBytes, "invalidCertificate", "a DER X.509 certificate with a supported key")
        }
        let field = "verifier.\(verifier.member).rawBytes"
        guard verifier.bytes.count <= limit else { throw .badRequest(code, "\(field) must be at most \(limit) bytes") }
        do {
            return try verifier.publicKey()
        } catch {
            throw .badRequest(code, "\(field) is not \(expected): \(error)")
        }
    }

    /// The log entry as a JSON tree: what rekor-tiles makes with `protojson` of its `Entry`
    /// message, before canonicalization.
    public var entry: JSONValue {
        func object(_ members: [(String, JSONValue)]) -> JSONValue {
            // Keys are distinct literals.
            .object(JSONObject(members: members.map { (key: $0.0, value: $0.1) })!)
        }
        return object([
            ("kind", .string("hashedrekord")),
            ("apiVersion", .string("0.0.2")),
            ("spec", object([
                ("hashedRekordV002", object([
                    ("data", object([
                        ("digest", .string(StrictBase64.encode(digest))),
                        ("algorithm", .string(keyDetails.hashAlgorithm)),
                    ])),
                    ("signature", object([
                        ("content", .string(StrictBase64.encode(signature))),
                        ("verifier", object([
                            (verifier.member, object([("rawBytes", .string(StrictBase64.encode(verifier.bytes)))])),
                            ("keyDetails", .string(keyDetails.rawValue)),
                        ])),
                    ])),
                ]))
            ])),
        ])
    }

    /// The leaf bytes: the RFC 8785 canonical JSON of ``entry`` (the `canonicalizedBody`),
    /// written member by member in canonical order (the tests compare it with the encoder's
    /// serialization of ``entry``).
    public var canonicalizedBody: [UInt8] {
        var json = JSONByteWriter(capacity: 128 + (digest.count + signature.count + verifier.bytes.count) * 4 / 3)
        json.beginObject()
        json.key("apiVersion"); json.string("0.0.2")
        json.key("kind"); json.string("hashedrekord")
        json.key("spec"); json.beginObject()
        json.key("hashedRekordV002"); json.beginObject()
        json.key("data"); json.beginObject()
        json.key("algorithm"); json.string(keyDetails.hashAlgorithm)
        json.key("digest"); json.rawString { StrictBase64.encode(digest, into: &$0) }
        json.endObject()
        json.key("signature"); json.beginObject()
        json.key("content"); json.rawString { StrictBase64.encode(signature, into: &$0) }
        // "keyDetails" sorts before both "publicKey" and "x509Certificate".
        json.key("verifier"); json.beginObject()
        json.key("keyDetails"); json.string(keyDetails.rawValue)
        json.key(verifier.member); json.beginObject()
        json.key("rawBytes"); json.rawString { StrictBase64.encode(verifier.bytes, into: &$0) }
        json.endObject()
        json.endObject()
        json.endObject()
        json.endObject()
        json.endObject()
        json.endObject()
        return json.bytes
    }
}

/// A JSON object being read strictly: unknown members refused, errors naming the member's path.
struct Fields {
    let object: JSONObject
    let prefix: String

    init(_ value: JSONValue, at prefix: String, allowed: Set<String>) throws(LogAPIError) {
        guard case .object(let object) = value else {
            throw .badRequest("invalidRequest", "\(prefix) must be a JSON object, not \(value.typeName)")
        }
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw .badRequest("invalidRequest", "unknown member '\(unknown.prefix(64))' in \(prefix)")
        }
        self.object = object
        self.prefix = prefix
    }

    func path(_ key: String) -> String { "\(prefix).\(key)" }

    func require(_ key: String) throws(LogAPIError) -> JSONValue {
        guard let value = object[key] else { throw .badRequest("invalidRequest", "missing \(path(key))") }
        return value
    }

    func string(_ key: String) throws(LogAPIError) -> String {
        guard case .string(let text) = try require(key) else {
            throw .badRequest("invalidRequest", "\(path(key)) must be a string")
        }
        return text
    }

    func bytes(_ key: String) throws(LogAPIError) -> [UInt8] {
        let text = try string(key)
        guard let bytes = StrictBase64.decode(text) else {
            throw .badRequest("invalidRequest", "\(path(key)) is not padded standard base64")
        }
        guard !bytes.isEmpty else { throw .badRequest("invalidRequest", "\(path(key)) is empty") }
        return bytes
    }
}
