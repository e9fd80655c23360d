/// An OpenPGP public key as published: a primary key with its user IDs, subkeys and the
/// signatures that bind them (RFC 9580 section 10.1). Built by ``OpenPGPKeyring``.
///
/// Nothing in it is trusted by being parsed: ``signingKey(for:at:)`` checks the self-signatures,
/// binding signatures, revocations and expirations every time a key is used.
public struct OpenPGPKey: Sendable {
    struct Subkey: Sendable {
        let key: PublicKeyPacket
        let signatures: [SignaturePacket]
    }

    struct UserID: Sendable {
        let id: [UInt8]
        let signatures: [SignaturePacket]
    }

    let primary: PublicKeyPacket
    let directSignatures: [SignaturePacket]
    let userIDs: [UserID]
    let subkeys: [Subkey]
    /// The self-signature evaluation of the primary key, done once when the key is read.
    private let primaryEvaluation: Result<KeyState, OpenPGPError>
    /// The binding evaluation of each subkey, in the order of ``subkeys``.
    private let subkeyEvaluations: [Result<KeyState, OpenPGPError>]

    init(primary: PublicKeyPacket, directSignatures: [SignaturePacket], userIDs: [UserID], subkeys: [Subkey]) {
        self.primary = primary
        self.directSignatures = directSignatures
        self.userIDs = userIDs
        self.subkeys = subkeys
        // Self-signatures do not change, so they are checked once here rather than per verification;
        // only the time-dependent checks (expiry) run at use.
        primaryEvaluation = Result { () throws(OpenPGPError) in try OpenPGPKey.evaluatePrimary(primary, directSignatures: directSignatures, userIDs: userIDs) }
        subkeyEvaluations = subkeys.map { subkey in
            Result { () throws(OpenPGPError) in try OpenPGPKey.evaluateSubkey(subkey, primary: primary) }
        }
    }

    /// The primary key's fingerprint: the identity policies and `containers-policy.json` name.
    public var fingerprint: Fingerprint { primary.fingerprint }

    /// The user IDs (usually `Name <email>`), as written; not verified.
    public var untrustedUserIDs: [String] { userIDs.map { String(decoding: $0.id, as: UTF8.self) } }

    /// Fingerprints of the subkeys.
    public var subkeyFingerprints: [Fingerprint] { subkeys.map(\.key.fingerprint) }

    /// The primary key's algorithm.
    public var algorithm: PublicKeyAlgorithm { primary.algorithm }

    /// A key that may verify a document signature, with the primary key it acts for.
    struct SigningKey {
        let key: PublicKeyPacket
        let primary: Fingerprint
    }

    /// Finds the key (primary or subkey) a signature names, and checks that it may sign at `now`:
    /// validly self-signed or bound, allowed to sign by its key flags, not revoked, not expired.
    /// - Returns: nil when no key of this certificate has that ID.
    /// - Throws: ``OpenPGPError`` (`keyRevoked`, `keyExpired`, `keyNotUsable`) when the key exists but may not sign.
    func signingKey(for keyID: KeyID, at now: UInt32) throws(OpenPGPError) -> SigningKey? {
        if primary.fingerprint.keyID == keyID {
            let state = try primaryEvaluation.get()
            try state.check(key: primary, now: now, role: "key \(fingerprint)")
            return SigningKey(key: primary, primary: fingerprint)
        }
        guard let index = subkeys.firstIndex(where: { $0.key.fingerprint.keyID == keyID }) else { return nil }
        let subkey = subkeys[index]
        let primaryState = try primaryEvaluation.get()
        if primaryState.isRevoked { throw OpenPGPError(.keyRevoked, "key \(fingerprint) is revoked") }
        if let expiry = primaryState.expiry(of: primary), now >= expiry {
            throw OpenPGPError(.keyExpired, "key \(fingerprint) expired (key expired)")
        }
        let state = try subkeyEvaluations[index].get()
        try state.check(key: subkey.key, now: now, role: "signing subkey \(subkey.key.fingerprint) of key \(fingerprint)")
        return SigningKey(key: subkey.key, primary: fingerprint)
    }

    /// What the self-signatures say about a key: expiration, flags, revocation.
    struct KeyState {
        var keyExpiration: UInt32?
        var keyFlags: UInt8?
        var isRevoked = false

        func expiry(of key: PublicKeyPacket) -> UInt32? {
            guard let seconds = keyExpiration, seconds > 0 else { return nil }
            return key.creationTime.addingReportingOverflow(seconds).overflow ? UInt32.max : key.creationTime + seconds
        }

        func check(key: PublicKeyPacket, now: UInt32, role: String) throws(OpenPGPError) {
            if isRevoked { throw OpenPGPError(.keyRevoked, "\(role) is revoked") }
            if let expiry = expiry(of: key), now >= expiry { throw OpenPGPError(.keyExpired, "\(role) expired (key expired)") }
            if let flags = keyFlags, flags & 0x02 == 0 {
                throw OpenPGPError(.keyNotUsable, "\(role) is not allowed to make signatures (key flags)")
            }
        }
    }

    /// Evaluates the primary key: its newest valid self-signature (certification or direct-key)
    /// gives expiration and flags; any valid self-revocation revokes it.
    private static func evaluatePrimary(_ primary: PublicKeyPacket, directSignatures: [SignaturePacket], userIDs: [UserID]) throws(OpenPGPError) -> KeyState {
        let fingerprint = primary.fingerprint
        var state = KeyState()
        for signature in directSignatures where signature.type == SignatureType.keyRevocation.rawValue {
            if (try? signature.isValid(by: primary, over: primary.hashPrefix)) == true { state.isRevoked = true }
        }
        var newest: SignaturePacket?
        func consider(_ signature: SignaturePacket, over data: [UInt8]) {
            guard (try? signature.isValid(by: primary, over: data)) == true, let created = signature.creationTime else { return }
            if let current = newest, let currentCreated = current.creationTime, currentCreated > created { return }
            newest = signature
        }
        for signature in directSignatures where signature.type == SignatureType.directKey.rawValue {
            consider(signature, over: primary.hashPrefix)
        }
        for userID in userIDs {
            let data = primary.hashPrefix + [0xB4] + Packet.bigEndian32(UInt32(userID.id.count)) + userID.id
            for signature in userID.signatures {
                guard let type = SignatureType(rawValue: signature.type), type.isCertification else { continue }
                consider(signature, over: data)
            }
        }
        guard let selfSignature = newest else {
            throw OpenPGPError(.keyNotUsable, "key \(fingerprint) has no valid self-signature")
        }
        state.keyExpiration = selfSignature.keyExpiration
        state.keyFlags = selfSignature.keyFlags
        return state
    }

    /// Evaluates a subkey: its newest valid binding signature from the primary key (which must
    /// carry a valid primary-key binding signature made by the subkey when it may sign), and revocations.
    private static func evaluateSubkey(_ subkey: Subkey, primary: PublicKeyPacket) throws(OpenPGPError) -> KeyState {
        let fingerprint = primary.fingerprint
        let data = primary.hashPrefix + subkey.key.hashPrefix
        var state = KeyState()
        var newest: SignaturePacket?
        for signature in subkey.signatures {
            switch SignatureType(rawValue: signature.type) {
            case .subkeyRevocation:
                if (try? signature.isValid(by: primary, over: data)) == true { state.isRevoked = true }
            case .subkeyBinding:
                guard (try? signature.isValid(by: primary, over: data)) == true, let created = signature.creationTime else { continue }
                if let current = newest, let currentCreated = current.creationTime, currentCreated > created { continue }
                newest = signature
            default:
                continue
            }
        }
        guard let binding = newest else {
            throw OpenPGPError(.keyNotUsable, "subkey \(subkey.key.fingerprint) is not bound to key \(fingerprint) by a valid signature")
        }
        state.keyExpiration = binding.keyExpiration
        // A subkey without key flags may not sign: RFC 9580 requires flags on subkey bindings.
        state.keyFlags = binding.keyFlags ?? 0
        if let flags = state.keyFlags, flags & 0x02 != 0 {
            // Spec: a signing subkey's binding MUST contain a primary-key binding signature made by the subkey.
            guard let embedded = binding.embeddedSignature, let back = try? SignaturePacket.parse(embedded),
                back.type == SignatureType.primaryKeyBinding.rawValue,
                (try? back.isValid(by: subkey.key, over: data)) == true
            else {
                throw OpenPGPError(.keyNotUsable, "signing subkey \(subkey.key.fingerprint) has no valid primary-key binding signature")
            }
        }
        return state
    }
}
