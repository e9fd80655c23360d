import Crypto
import CustodyJSON
import CustodyKeys
import CustodyTransparency

/// A hashedrekord v0.0.2 entry body (a `canonicalizedBody`) parsed strictly, nothing checked yet.
public struct UntrustedHashedRekord: Sendable, Hashable {
    /// The artifact digest the entry states.
    public let digest: [UInt8]
    /// The digest algorithm the entry states (`SHA2_256`, `SHA2_384`, `SHA2_512`).
    public let hashAlgorithm: String
    /// The signature over the artifact.
    public let signature: [UInt8]
    /// The signer's key or certificate, as logged.
    public let verifier: HashedRekordVerifier
    /// The stated key details, when this client knows them; nil for other names.
    public let keyDetails: HashedRekordKeyDetails?
    /// The stated key details name.
    public let keyDetailsName: String

    /// The largest body accepted (an entry bundle entry is at most 65,535 bytes).
    public static let maxBytes = 65_535
    /// The deepest nesting of a body.
    static let maxDepth = 8

    /// Parses a `canonicalizedBody`: `kind` `hashedrekord`, `apiVersion` `0.0.2`, and its spec,
    /// no other members.
    ///
    /// - Throws: ``LogClientError/Code/invalidEntry`` naming the first problem.
    public init(body: [UInt8]) throws(LogClientError) {
        guard body.count <= Self.maxBytes else {
            throw LogClientError(.invalidEntry, "the entry body is over \(Self.maxBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: Self.maxBytes, maxDepth: Self.maxDepth)).parse(body)
        } catch {
            throw LogClientError(.invalidEntry, "the entry body is not valid JSON: \(error)")
        }
        let root = try StrictFields(value, at: "body", allowed: ["kind", "apiVersion", "spec"], code: .invalidEntry)
        let kind = try root.string("kind"), version = try root.string("apiVersion")
        guard kind == "hashedrekord", version == "0.0.2" else {
            throw LogClientError(.invalidEntry, "the entry is \(kind.prefix(32)) \(version.prefix(16)), not hashedrekord 0.0.2")
        }
        let spec = try root.fields("spec", allowed: ["hashedRekordV002"]).fields("hashedRekordV002", allowed: ["data", "signature"])
        let data = try spec.fields("data", allowed: ["digest", "algorithm"])
        let signature = try spec.fields("signature", allowed: ["content", "verifier"])
        let verifier = try signature.fields("verifier", allowed: ["publicKey", "x509Certificate", "keyDetails"])
        switch (verifier.object["publicKey"] != nil, verifier.object["x509Certificate"] != nil) {
        case (true, false):
            self.verifier = .publicKey(try verifier.fields("publicKey", allowed: ["rawBytes"]).bytes("rawBytes"))
        case (false, true):
            self.verifier = .certificate(try verifier.fields("x509Certificate", allowed: ["rawBytes"]).bytes("rawBytes"))
        default:
            throw LogClientError(.invalidEntry, "the entry's verifier must have exactly one of publicKey and x509Certificate")
        }
        self.digest = try data.bytes("digest")
        self.hashAlgorithm = try data.string("algorithm")
        self.signature = try signature.bytes("content")
        self.keyDetailsName = try verifier.string("keyDetails")
        self.keyDetails = HashedRekordKeyDetails(rawValue: keyDetailsName)
    }

    /// Checks that this entry is a signature over `artifact`: the stated digest is the artifact's
    /// (by the key details' hash algorithm), the key (or the certificate's key) is the kind the
    /// key details name, and the signature verifies over the artifact with that key. A
    /// certificate's issuer and validity are not checked here.
    ///
    /// - Throws: ``LogClientError/Code/notVerified`` with the reason.
    public func verify(artifact: [UInt8]) throws(LogClientError) {
        guard let keyDetails else {
            throw .notVerified("the entry's keyDetails \(keyDetailsName.prefix(64)) is not one this client checks")
        }
        guard hashAlgorithm == keyDetails.hashAlgorithm else {
            throw .notVerified("the entry states digest algorithm \(hashAlgorithm.prefix(32)) with \(keyDetails.rawValue)")
        }
        guard keyDetails.digest(of: artifact) == digest else {
            throw .notVerified("the entry's digest is not the artifact's \(keyDetails.hashAlgorithm) digest")
        }
        let key: PublicKey
        do {
            key = try verifier.publicKey()
        } catch {
            throw .notVerified("the entry's \(verifier.member) cannot be read: \(error)")
        }
        guard keyDetails.fits(key) else {
            throw .notVerified("the entry's keyDetails is \(keyDetails.rawValue) but its key is \(key.algorithm)")
        }
        guard keyDetails.isValidSignature(signature, artifact: artifact, key: key) else {
            throw .notVerified("the entry's signature does not verify over the artifact with the entry's key")
        }
    }
}
