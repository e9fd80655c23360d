/// A set of OpenPGP public keys, read from binary or ASCII-armored data (one key, an exported
/// keyring, or several armored blocks).
public struct OpenPGPKeyring: Sendable {
    /// The keys, in the order read.
    public private(set) var keys: [OpenPGPKey]

    /// An empty keyring.
    public init() { keys = [] }

    /// Reads keys from binary or armored bytes. Secret key packets are read as their public part.
    /// - Throws: ``OpenPGPError`` when the data is malformed, too large, or holds no key.
    public init(bytes: [UInt8]) throws(OpenPGPError) {
        var skipped = 0
        keys = try OpenPGPKeyring.parseKeys(bytes, skippedKeys: &skipped).map(\.key)
        guard !keys.isEmpty else {
            if skipped > 0 { throw OpenPGPError(.unsupported, "no usable OpenPGP key found (only v4 RSA, ECDSA and Ed25519 keys are read)") }
            throw .malformed("no OpenPGP key found")
        }
    }

    /// Adds the keys of another keyring.
    public mutating func add(_ other: OpenPGPKeyring) { keys += other.keys }

    /// The primary fingerprints of all keys.
    public var fingerprints: [Fingerprint] { keys.map(\.fingerprint) }

    /// Parsed keys with the raw packets of their secret parts, if any.
    static func parseKeys(_ bytes: [UInt8]) throws(OpenPGPError) -> [(key: OpenPGPKey, secretBodies: [Fingerprint: [UInt8]])] {
        var skipped = 0
        return try parseKeys(bytes, skippedKeys: &skipped)
    }

    /// As ``parseKeys(_:)``, counting the keys skipped because Custody cannot use them.
    static func parseKeys(_ bytes: [UInt8], skippedKeys: inout Int) throws(OpenPGPError) -> [(key: OpenPGPKey, secretBodies: [Fingerprint: [UInt8]])] {
        guard bytes.count <= OpenPGPLimits.maxInputBytes else {
            throw OpenPGPError(.tooLarge, "key data is larger than \(OpenPGPLimits.maxInputBytes) bytes")
        }
        var binary: [UInt8] = []
        if Armor.isArmored(bytes) {
            for block in try Armor.decode(bytes) {
                guard block.kind == .publicKey || block.kind == .privateKey else {
                    throw .malformed("expected an armored key block, found \(block.kind.rawValue)")
                }
                binary += block.data
            }
        } else {
            binary = bytes
        }
        var results: [(OpenPGPKey, [Fingerprint: [UInt8]])] = []
        var builder: KeyBuilder?
        var skippingKey = false
        for packet in try Packet.parseAll(binary) {
            switch packet.knownTag {
            case .publicKey, .secretKey:
                if let done = builder { results.append(try done.build()) }
                builder = nil
                // A key Custody cannot use (DSA, ElGamal, v3, v6) is skipped with all its packets;
                // the other keys of the keyring are still read.
                guard let (key, length) = try parseSkippingUnsupported(packet.body) else {
                    skippingKey = true
                    skippedKeys += 1
                    continue
                }
                skippingKey = false
                builder = KeyBuilder(primary: key)
                if packet.knownTag == .secretKey { builder?.secretBodies[key.fingerprint] = Array(packet.body[length...]) }
            case _ where skippingKey:
                continue
            case .publicSubkey, .secretSubkey:
                guard builder != nil else { throw .malformed("subkey before any primary key") }
                // Encryption subkeys (ECDH, ElGamal, RSA encrypt-only) are ignored, with their bindings.
                guard let (key, length) = try parseSkippingUnsupported(packet.body) else {
                    builder?.startIgnored()
                    continue
                }
                builder?.startSubkey(key)
                if packet.knownTag == .secretSubkey { builder?.secretBodies[key.fingerprint] = Array(packet.body[length...]) }
            case .userID:
                guard builder != nil else { throw .malformed("user ID before any primary key") }
                builder?.startUserID(packet.body)
            case .userAttribute:
                builder?.startIgnored()
            case .signature:
                guard builder != nil else { throw .malformed("signature before any primary key") }
                // A signature Custody cannot read (v3, v6, unknown algorithm) is skipped: keys carry
                // third-party certifications of every kind; only self-signatures matter here.
                if let signature = try? SignaturePacket.parse(packet.body) { builder?.add(signature) }
            case .trust, .marker, .padding:
                continue
            default:
                throw .malformed("unexpected packet tag \(packet.tag) in key data")
            }
        }
        if let done = builder { results.append(try done.build()) }
        return results
    }

    /// Parses a key packet's public part; nil when it is well-formed but of a kind Custody does not use.
    private static func parseSkippingUnsupported(_ body: [UInt8]) throws(OpenPGPError) -> (PublicKeyPacket, Int)? {
        do {
            return try PublicKeyPacket.parse(body)
        } catch where error.code == .unsupported {
            return nil
        }
    }

    /// Looks up the key that can verify a signature with this issuer, checking it may sign at `now`.
    func signingKey(for keyID: KeyID, at now: UInt32) throws(OpenPGPError) -> OpenPGPKey.SigningKey? {
        for key in keys {
            if let found = try key.signingKey(for: keyID, at: now) { return found }
        }
        return nil
    }
}

/// Collects packets into one transferable key.
private struct KeyBuilder {
    enum Section {
        case direct
        case userID(Int)
        case subkey(Int)
        case ignored
    }

    let primary: PublicKeyPacket
    var direct: [SignaturePacket] = []
    var userIDs: [(id: [UInt8], signatures: [SignaturePacket])] = []
    var subkeys: [(key: PublicKeyPacket, signatures: [SignaturePacket])] = []
    var section = Section.direct
    var secretBodies: [Fingerprint: [UInt8]] = [:]

    init(primary: PublicKeyPacket) { self.primary = primary }

    mutating func startUserID(_ id: [UInt8]) {
        userIDs.append((id, []))
        section = .userID(userIDs.count - 1)
    }

    mutating func startSubkey(_ key: PublicKeyPacket) {
        subkeys.append((key, []))
        section = .subkey(subkeys.count - 1)
    }

    mutating func startIgnored() { section = .ignored }

    mutating func add(_ signature: SignaturePacket) {
        switch section {
        case .direct: direct.append(signature)
        case .userID(let index): userIDs[index].signatures.append(signature)
        case .subkey(let index): subkeys[index].signatures.append(signature)
        case .ignored: break
        }
    }

    func build() throws(OpenPGPError) -> (OpenPGPKey, [Fingerprint: [UInt8]]) {
        let key = OpenPGPKey(
            primary: primary, directSignatures: direct,
            userIDs: userIDs.map { OpenPGPKey.UserID(id: $0.id, signatures: $0.signatures) },
            subkeys: subkeys.map { OpenPGPKey.Subkey(key: $0.key, signatures: $0.signatures) }
        )
        return (key, secretBodies)
    }
}
