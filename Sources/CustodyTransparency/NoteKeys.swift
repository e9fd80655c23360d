import Crypto
import CustodyKeys
import Foundation

/// A signed-note signature type: how a key ID is derived, what is signed, and how.
public enum NoteSignatureType: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Type `0x01`: pure Ed25519 over the note text (C2SP signed-note). Key ID:
    /// `SHA-256(name || 0x0A || 0x01 || 32-byte key)[:4]`.
    case ed25519
    /// Type `0x02`: ECDSA P-256 over SHA-256 of the note text, ASN.1 DER signature, as
    /// transparency-dev/witness and Rekor v1 checkpoints use it. Key ID: `SHA-256(SPKI DER)[:4]`
    /// (the name is not hashed). Other curves are not supported.
    case ecdsa
    /// Type `0x04`: timestamped Ed25519 cosignature (C2SP tlog-cosignature v1). The signature is
    /// an 8-byte big-endian POSIX time and an Ed25519 signature over
    /// `"cosignature/v1\ntime <t>\n" || note text`. Key ID: `SHA-256(name || 0x0A || 0x04 || 32-byte key)[:4]`.
    case ed25519Cosignature
    /// Sigstore's RSA form (rekor-tiles): type `0xFF` followed by `"PKIX-RSA-PKCS#1v1.5"`,
    /// RSASSA-PKCS1-v1_5 with SHA-256 over the note text. Key ID:
    /// `SHA-256(name || 0x0A || 0xFF || "PKIX-RSA-PKCS#1v1.5" || SPKI DER)[:4]`.
    case rsaPKCS1SHA256

    /// The bytes that precede the key material in a verifier key (and in the key ID hash).
    public var identifier: [UInt8] {
        switch self {
        case .ed25519: [0x01]
        case .ecdsa: [0x02]
        case .ed25519Cosignature: [0x04]
        case .rsaPKCS1SHA256: [0xff] + Array("PKIX-RSA-PKCS#1v1.5".utf8)
        }
    }

    public var description: String {
        switch self {
        case .ed25519: "ed25519"
        case .ecdsa: "ecdsa-p256"
        case .ed25519Cosignature: "ed25519-cosignature-v1"
        case .rsaPKCS1SHA256: "rsa-pkcs1v15-sha256"
        }
    }

    /// The signature type used for `key` when none is named: Ed25519 → ``ed25519``,
    /// P-256 → ``ecdsa``, RSA → ``rsaPKCS1SHA256``; nil for keys notes cannot use.
    public static func `default`(for key: PublicKey) -> NoteSignatureType? {
        switch key {
        case .ed25519: .ed25519
        case .ecdsaP256: .ecdsa
        case .rsa: .rsaPKCS1SHA256
        case .ecdsaP384, .ecdsaP521: nil
        }
    }

    /// The signing algorithm a ``CustodyKeys/Signer`` must use for this type.
    var signingAlgorithm: SigningAlgorithm {
        switch self {
        case .ed25519, .ed25519Cosignature: .ed25519
        case .ecdsa: .ecdsaP256SHA256
        case .rsaPKCS1SHA256: .rsaPKCS1SHA256
        }
    }
}

/// A key that verifies signed-note signatures, with its name and key ID; the C2SP *vkey*.
///
/// Text form: `<name>+<hex key ID>+<base64(type identifier || key material)>`, e.g.
/// `example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k`. The key material is
/// the 32-byte key for Ed25519 types and the SubjectPublicKeyInfo DER for ECDSA and RSA.
public struct NoteVerifierKey: Sendable, Hashable, CustomStringConvertible {
    /// The key name that signature lines carry.
    public let name: String
    /// The 4-byte key ID that signature lines carry.
    public let keyID: UInt32
    /// The signature type.
    public let type: NoteSignatureType
    /// The public key.
    public let publicKey: PublicKey
    /// The key material as it appears in the verifier key: 32 raw bytes for Ed25519 types, SPKI DER otherwise.
    public let keyMaterial: [UInt8]
    /// The full SHA-256 whose first four bytes are ``keyID``. Sigstore uses it as the log ID
    /// (`logId.keyId`) of Rekor logs.
    public let keyHash: [UInt8]

    /// The verifier key for `publicKey` under `name`.
    ///
    /// - Parameter type: the signature type; by default ``NoteSignatureType/default(for:)``.
    /// - Throws: ``TransparencyError/Code/invalidKeyName``, or ``TransparencyError/Code/unsupportedKey``
    ///   when the key cannot serve the type.
    public init(name: String, publicKey: PublicKey, type: NoteSignatureType? = nil) throws {
        try NoteFormat.checkKeyName(name)
        guard let type = type ?? NoteSignatureType.default(for: publicKey) else {
            throw TransparencyError(code: .unsupportedKey, reason: "a \(publicKey.algorithm) key cannot sign notes")
        }
        let material: [UInt8]
        switch (type, publicKey) {
        case (.ed25519, .ed25519(let key)), (.ed25519Cosignature, .ed25519(let key)):
            material = Array(key.rawRepresentation)
        case (.ecdsa, .ecdsaP256), (.rsaPKCS1SHA256, .rsa):
            material = publicKey.derRepresentation
        default:
            throw TransparencyError(code: .unsupportedKey, reason: "a \(publicKey.algorithm) key cannot make \(type) note signatures")
        }
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyMaterial = material
        self.keyHash = Self.keyHash(name: name, type: type, material: material)
        self.keyID = keyHash.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// Parses a verifier-key string strictly: a valid name, exactly eight lowercase hex digits,
    /// canonical base64, a known type, well-formed key material, and the key ID that the name,
    /// type and key produce.
    ///
    /// - Throws: ``TransparencyError/Code/invalidVerifierKey``, ``TransparencyError/Code/invalidKeyName``,
    ///   ``TransparencyError/Code/invalidBase64``, ``TransparencyError/Code/unsupportedKey`` or
    ///   ``TransparencyError/Code/keyIDMismatch``.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxStringBytes else {
            throw TransparencyError(code: .tooLarge, reason: "verifier key is longer than \(Self.maxStringBytes) bytes")
        }
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TransparencyError(code: .invalidVerifierKey, reason: "a verifier key is <name>+<hex key ID>+<base64 key>")
        }
        let name = String(parts[0])
        try NoteFormat.checkKeyName(name)
        guard parts[1].utf8.count == 8, let idBytes = Hex.decode(parts[1], lowercaseOnly: true) else {
            throw TransparencyError(code: .invalidVerifierKey, reason: "the key ID of \(name) is not eight lowercase hex digits")
        }
        guard let keyBytes = StrictBase64.decode(parts[2]) else {
            throw TransparencyError(code: .invalidBase64, reason: "the key of \(name) is not canonical base64")
        }
        try self.init(name: name, typedKey: keyBytes)
        let statedID = idBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard statedID == keyID else {
            throw TransparencyError(
                code: .keyIDMismatch,
                reason: "verifier key \(name) states key ID \(parts[1]) but its key has \(NoteFormat.hex8(keyID))")
        }
    }

    /// A key from `type identifier || key material`.
    init(name: String, typedKey: [UInt8]) throws {
        guard let type = NoteSignatureType.allCases.first(where: { typedKey.starts(with: $0.identifier) }) else {
            let first = typedKey.first.map { "0x" + Hex.encode([$0]) } ?? "nothing"
            throw TransparencyError(code: .unsupportedKey, reason: "key type \(first) of \(name) is not supported")
        }
        let material = Array(typedKey.dropFirst(type.identifier.count))
        let publicKey: PublicKey
        switch type {
        case .ed25519, .ed25519Cosignature:
            guard material.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: material) else {
                throw TransparencyError(code: .invalidVerifierKey, reason: "the Ed25519 key of \(name) is not 32 bytes")
            }
            publicKey = .ed25519(key)
        case .ecdsa, .rsaPKCS1SHA256:
            guard let key = try? PublicKey(derEncoded: material), key.derRepresentation == material else {
                throw TransparencyError(code: .invalidVerifierKey, reason: "the key of \(name) is not a canonical SubjectPublicKeyInfo")
            }
            publicKey = key
        }
        try self.init(name: name, publicKey: publicKey, type: type)
    }

    /// The longest verifier-key string accepted.
    public static let maxStringBytes = 4096

    /// The verifier-key string, `<name>+<hex8>+<base64(type || key)>`.
    public var vkey: String {
        "\(name)+\(NoteFormat.hex8(keyID))+\(StrictBase64.encode(type.identifier + keyMaterial))"
    }

    public var description: String { vkey }

    /// Whether `signature` (the bytes after the key ID) is valid over the note text `message`.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        switch type {
        case .ed25519:
            return publicKey.isValidSignature(signature, for: message, algorithm: .ed25519)
        case .ecdsa:
            return publicKey.isValidSignature(signature, for: message, algorithm: .ecdsaP256SHA256)
        case .rsaPKCS1SHA256:
            return publicKey.isValidSignature(signature, for: message, algorithm: .rsaPKCS1SHA256)
        case .ed25519Cosignature:
            guard signature.count == 8 + 64, let time = Self.timestamp(signature), time <= UInt64(Int64.max),
                  NoteFormat.lineCount(message) >= 3
            else { return false }
            return publicKey.isValidSignature(
                Array(signature.dropFirst(8)), for: Self.cosignedMessage(text: message, timestamp: time), algorithm: .ed25519)
        }
    }

    /// The time a timestamped cosignature states (POSIX seconds); nil for other types or malformed signatures.
    public func cosignatureTimestamp(_ signature: [UInt8]) -> UInt64? {
        guard type == .ed25519Cosignature, signature.count == 8 + 64 else { return nil }
        return Self.timestamp(signature)
    }

    public static func == (lhs: NoteVerifierKey, rhs: NoteVerifierKey) -> Bool {
        lhs.name == rhs.name && lhs.keyID == rhs.keyID && lhs.type == rhs.type && lhs.keyMaterial == rhs.keyMaterial
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(keyID)
        hasher.combine(keyMaterial)
    }

    // MARK: Internals

    static func keyHash(name: String, type: NoteSignatureType, material: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        switch type {
        case .ecdsa:
            hasher.update(data: material)
        case .ed25519, .ed25519Cosignature, .rsaPKCS1SHA256:
            hasher.update(data: Array(name.utf8))
            hasher.update(data: [0x0a])
            hasher.update(data: type.identifier)
            hasher.update(data: material)
        }
        return Array(hasher.finalize())
    }

    static func timestamp(_ signature: [UInt8]) -> UInt64? {
        guard signature.count >= 8 else { return nil }
        return signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// `"cosignature/v1\ntime <t>\n" || text`.
    static func cosignedMessage(text: [UInt8], timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + text
    }
}

/// Signs notes with one key under one name: a log signing its checkpoints, or a witness cosigning them.
///
/// The cryptography is delegated to a ``CustodyKeys/Signer`` (a key file, later an HSM).
public struct NoteSigner: Sendable {
    /// The verifier key matching the signatures made.
    public let verifierKey: NoteVerifierKey
    private let signer: any Signer

    /// A note signer using `signer` under `name`.
    ///
    /// - Parameter type: the signature type; by default ``NoteSignatureType/default(for:)`` of
    ///   the signer's key. Use ``NoteSignatureType/ed25519Cosignature`` for a witness.
    /// - Throws: ``TransparencyError/Code/invalidKeyName`` or ``TransparencyError/Code/unsupportedKey``
    ///   (also when the signer's algorithm is not the one the type needs, such as RSA-PSS).
    public init(name: String, signer: any Signer, type: NoteSignatureType? = nil) throws {
        let key = try NoteVerifierKey(name: name, publicKey: signer.publicKey, type: type)
        guard signer.algorithm == key.type.signingAlgorithm else {
            throw TransparencyError(
                code: .unsupportedKey, reason: "\(key.type) note signatures need \(key.type.signingAlgorithm), not \(signer.algorithm)")
        }
        self.verifierKey = key
        self.signer = signer
    }

    /// A note signer from a Go-style private key string, `PRIVATE+KEY+<name>+<hex8>+<base64(type || 32-byte seed)>`,
    /// as golang.org/x/mod/sumdb/note and transparency-dev tools write it; types `0x01` (Ed25519)
    /// and `0x04` (Ed25519 cosignature).
    ///
    /// - Throws: ``TransparencyError/Code/invalidVerifierKey``, ``TransparencyError/Code/invalidBase64``,
    ///   ``TransparencyError/Code/unsupportedKey`` or ``TransparencyError/Code/keyIDMismatch``.
    public init(privateKeyString text: String) throws {
        let parts = text.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else {
            throw TransparencyError(code: .invalidVerifierKey, reason: "a private key string is PRIVATE+KEY+<name>+<hex8>+<base64>")
        }
        guard parts[3].utf8.count == 8, let idBytes = Hex.decode(parts[3], lowercaseOnly: true) else {
            throw TransparencyError(code: .invalidVerifierKey, reason: "the key ID is not eight lowercase hex digits")
        }
        guard let keyBytes = StrictBase64.decode(parts[4]) else {
            throw TransparencyError(code: .invalidBase64, reason: "the private key is not canonical base64")
        }
        let type: NoteSignatureType
        switch keyBytes.first {
        case 0x01: type = .ed25519
        case 0x04: type = .ed25519Cosignature
        default: throw TransparencyError(code: .unsupportedKey, reason: "only Ed25519 private key strings (types 0x01, 0x04) are supported")
        }
        guard keyBytes.count == 33, let seed = try? Curve25519.Signing.PrivateKey(rawRepresentation: keyBytes.dropFirst()) else {
            throw TransparencyError(code: .invalidVerifierKey, reason: "an Ed25519 private key is a 32-byte seed")
        }
        try self.init(name: String(parts[2]), signer: FileSigner(.ed25519(seed)), type: type)
        let statedID = idBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard statedID == verifierKey.keyID else {
            throw TransparencyError(
                code: .keyIDMismatch,
                reason: "private key string states key ID \(parts[3]) but its key has \(NoteFormat.hex8(verifierKey.keyID))")
        }
    }

    /// The Go-style private key string of an Ed25519 key (see ``init(privateKeyString:)``).
    ///
    /// - Throws: ``TransparencyError/Code/unsupportedKey`` for other keys or types.
    public static func privateKeyString(name: String, privateKey: PrivateKey, type: NoteSignatureType = .ed25519) throws -> String {
        guard case .ed25519(let key) = privateKey, type == .ed25519 || type == .ed25519Cosignature else {
            throw TransparencyError(code: .unsupportedKey, reason: "private key strings hold Ed25519 keys only")
        }
        let verifier = try NoteVerifierKey(name: name, publicKey: privateKey.publicKey, type: type)
        let encoded = StrictBase64.encode(type.identifier + Array(key.rawRepresentation))
        return "PRIVATE+KEY+\(name)+\(NoteFormat.hex8(verifier.keyID))+\(encoded)"
    }

    /// Signs note text and returns the signature line's parts.
    ///
    /// - Parameter timestamp: the time a cosignature states (POSIX seconds, at most 2^63 - 1);
    ///   by default, now. Ignored by other types.
    /// - Throws: ``TransparencyError/Code/malformedNote`` (and the other text rules) for bad text,
    ///   ``TransparencyError/Code/invalidCheckpoint`` when a cosigned text has fewer than three
    ///   lines, ``TransparencyError/Code/invalidTimestamp``, or ``TransparencyError/Code/signingFailed``.
    public func sign(_ text: String, timestamp: UInt64? = nil) async throws -> NoteSignature {
        let message = Array(text.utf8)
        try NoteFormat.checkText(message)
        var signature: [UInt8]
        switch verifierKey.type {
        case .ed25519Cosignature:
            guard NoteFormat.lineCount(message) >= 3 else {
                throw TransparencyError(code: .invalidCheckpoint, reason: "a cosignature is over a checkpoint of at least three lines")
            }
            let time = timestamp ?? UInt64(max(0, Date().timeIntervalSince1970.rounded(.down)))
            guard time <= UInt64(Int64.max) else {
                throw TransparencyError(code: .invalidTimestamp, reason: "cosignature time \(time) is above 2^63 - 1")
            }
            signature = withUnsafeBytes(of: time.bigEndian) { Array($0) }
            signature += try await signBytes(NoteVerifierKey.cosignedMessage(text: message, timestamp: time))
        case .ed25519, .ecdsa, .rsaPKCS1SHA256:
            signature = try await signBytes(message)
        }
        return try NoteSignature(keyName: verifierKey.name, keyID: verifierKey.keyID, signature: signature)
    }

    private func signBytes(_ message: [UInt8]) async throws -> [UInt8] {
        do {
            return try await signer.sign(message)
        } catch {
            throw TransparencyError(code: .signingFailed, reason: "signing as \(verifierKey.name) failed: \(error)")
        }
    }
}

extension NoteFormat {
    /// The number of newline-terminated lines in `text`.
    static func lineCount(_ text: [UInt8]) -> Int {
        text.reduce(0) { $1 == 0x0a ? $0 + 1 : $0 }
    }
}
