/// One signature line of a signed note: `— <key name> base64(key ID || signature)`.
public struct NoteSignature: Sendable, Hashable, CustomStringConvertible {
    /// The signing key's name.
    public let keyName: String
    /// The 4-byte key ID, big-endian.
    public let keyID: UInt32
    /// The signature bytes after the key ID.
    public let signature: [UInt8]

    /// A signature line's parts.
    ///
    /// - Throws: ``TransparencyError/Code/invalidKeyName`` for a bad name,
    ///   ``TransparencyError/Code/invalidSignatureLine`` for an empty signature.
    public init(keyName: String, keyID: UInt32, signature: [UInt8]) throws {
        try NoteFormat.checkKeyName(keyName)
        guard !signature.isEmpty else {
            throw TransparencyError(code: .invalidSignatureLine, reason: "signature by \(keyName) is empty")
        }
        self.keyName = keyName
        self.keyID = keyID
        self.signature = signature
    }

    /// The line as it appears in the note, with its final newline.
    public var line: String {
        var payload = withUnsafeBytes(of: keyID.bigEndian) { Array($0) }
        payload.append(contentsOf: signature)
        return "\u{2014} \(keyName) \(StrictBase64.encode(payload))\n"
    }

    /// `name+hex8`, the key's short identity.
    public var description: String { "\(keyName)+\(NoteFormat.hex8(keyID))" }
}

/// A signed note (C2SP signed-note): a text and the signature lines after it.
///
/// Serialised as the text (ending in a newline), one blank line, then one line per signature.
/// The signed message is the text, including its final newline. Use ``UntrustedNote`` for notes
/// that come from elsewhere; a `SignedNote` is one this process made or already verified.
public struct SignedNote: Sendable, Hashable {
    /// The largest serialised note accepted, in bytes.
    public static let maxBytes = 1 << 20
    /// The most signature lines accepted (the spec asks verifiers to accept at least 16).
    public static let maxSignatures = 100

    /// The note text, ending in a newline.
    public let text: String
    /// The signatures, in order.
    public let signatures: [NoteSignature]

    /// A note of `text` with `signatures`.
    ///
    /// - Throws: what ``UntrustedNote/init(parsing:)-(String)`` would throw for the same text, and
    ///   ``TransparencyError/Code/missingSignatures`` or ``TransparencyError/Code/tooManySignatures``.
    public init(text: String, signatures: [NoteSignature]) throws {
        try NoteFormat.checkText(Array(text.utf8))
        guard !signatures.isEmpty else {
            throw TransparencyError(code: .missingSignatures, reason: "a signed note needs at least one signature")
        }
        guard signatures.count <= Self.maxSignatures else {
            throw TransparencyError(
                code: .tooManySignatures, reason: "\(signatures.count) signatures; the limit is \(Self.maxSignatures)")
        }
        self.text = text
        self.signatures = signatures
        guard serialized.utf8.count <= Self.maxBytes else {
            throw TransparencyError(code: .tooLarge, reason: "note is \(serialized.utf8.count) bytes; the limit is \(Self.maxBytes)")
        }
    }

    /// A note whose parts were already checked (parsed from a note that passed every rule).
    init(unchecked text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// Signs `text` with each signer, in order.
    ///
    /// - Parameter timestamp: the time (POSIX seconds) that timestamped cosignatures state; by
    ///   default, now. Other signature types ignore it.
    /// - Throws: ``TransparencyError`` for malformed text or a failing signer.
    public static func sign(text: String, with signers: [NoteSigner], timestamp: UInt64? = nil) async throws -> SignedNote {
        try NoteFormat.checkText(Array(text.utf8))
        var signatures: [NoteSignature] = []
        for signer in signers {
            signatures.append(try await signer.sign(text, timestamp: timestamp))
        }
        return try SignedNote(text: text, signatures: signatures)
    }

    /// This note with more signatures appended (a witness adding its cosignature, for example).
    public func adding(_ more: [NoteSignature]) throws -> SignedNote {
        try SignedNote(text: text, signatures: signatures + more)
    }

    /// The serialised note.
    public var serialized: String {
        text + "\n" + signatures.map(\.line).joined()
    }
}

/// A signed note read from outside, parsed strictly but not verified.
///
/// Its text must be ignored until a trusted key's signature on it verifies (``verify(required:optional:)``);
/// it is available as ``untrustedText`` for diagnostics only.
public struct UntrustedNote: Sendable, Hashable {
    /// The note text, unverified.
    public let untrustedText: String
    /// The signature lines, in order, unverified.
    public let signatures: [NoteSignature]

    /// Parses a serialised note.
    ///
    /// Rules: at most ``SignedNote/maxBytes`` bytes; UTF-8 with no control character other than
    /// newline; ends with a newline; the last blank line separates the text from the signatures,
    /// and exactly one blank line does; the text is not empty; 1 to ``SignedNote/maxSignatures``
    /// signature lines `— <name> <base64>` with a valid name and canonical base64 of at least 5 bytes.
    ///
    /// - Throws: ``TransparencyError`` with ``TransparencyError/Code/tooLarge``,
    ///   ``TransparencyError/Code/invalidEncoding``, ``TransparencyError/Code/missingFinalNewline``,
    ///   ``TransparencyError/Code/missingSignatures``, ``TransparencyError/Code/duplicateBlankLine``,
    ///   ``TransparencyError/Code/malformedNote``, ``TransparencyError/Code/invalidSignatureLine``,
    ///   ``TransparencyError/Code/invalidKeyName``, ``TransparencyError/Code/invalidBase64``,
    ///   ``TransparencyError/Code/tooManySignatures`` or ``TransparencyError/Code/trailingData``
    ///   (a line after the signatures that is not a signature).
    public init(parsing bytes: some Collection<UInt8>) throws {
        guard bytes.count <= SignedNote.maxBytes else {
            throw TransparencyError(code: .tooLarge, reason: "note is \(bytes.count) bytes; the limit is \(SignedNote.maxBytes)")
        }
        let input = Array(bytes)
        try NoteFormat.checkEncoding(input)
        guard input.last == 0x0a else {
            throw TransparencyError(code: .missingFinalNewline, reason: "a signed note ends with a newline")
        }
        // The last "\n\n" ends the text and starts the signatures.
        var split: Int?
        var position = input.count - 2
        while position >= 0 {
            if input[position] == 0x0a, input[position + 1] == 0x0a {
                split = position
                break
            }
            position -= 1
        }
        guard let split else {
            throw TransparencyError(code: .missingSignatures, reason: "no blank line separates the note text from signatures")
        }
        let text = Array(input[...split])
        let block = Array(input[(split + 2)...])
        try NoteFormat.checkText(text)
        guard !block.isEmpty else {
            throw TransparencyError(code: .missingSignatures, reason: "no signature line follows the blank line")
        }
        var signatures: [NoteSignature] = []
        for line in block.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast() {
            guard signatures.count < SignedNote.maxSignatures else {
                throw TransparencyError(code: .tooManySignatures, reason: "more than \(SignedNote.maxSignatures) signature lines")
            }
            if !signatures.isEmpty, !line.starts(with: NoteFormat.signaturePrefix) {
                throw TransparencyError(code: .trailingData, reason: "a line after the signatures is not a signature line")
            }
            signatures.append(try NoteFormat.parseSignatureLine(Array(line)))
        }
        untrustedText = String(decoding: text, as: UTF8.self)
        self.signatures = signatures
    }

    /// Parses a serialised note (see ``init(parsing:)-(Collection<UInt8>)``).
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Verifies the note.
    ///
    /// Signatures are matched to keys by name and key ID together; lines matching no key are
    /// ignored. A matching line that does not verify rejects the note. Every `required` key must
    /// have a verifying signature; `optional` keys (witnesses, for example) are checked when they
    /// signed. At least one signature must verify.
    ///
    /// - Throws: ``TransparencyError/Code/ambiguousKey`` when two different keys share a name and
    ///   ID; ``TransparencyError/Code/invalidSignature``; ``TransparencyError/Code/unverified``
    ///   when no known key signed; ``TransparencyError/Code/missingRequiredSignature``.
    public func verify(required: [NoteVerifierKey], optional: [NoteVerifierKey] = []) throws -> VerifiedNote {
        var keys: [NoteKeyIdentity: NoteVerifierKey] = [:]
        for key in required + optional {
            let identity = NoteKeyIdentity(name: key.name, keyID: key.keyID)
            if let existing = keys[identity], existing != key {
                throw TransparencyError(code: .ambiguousKey, reason: "two different keys are named \(identity)")
            }
            keys[identity] = key
        }
        let message = Array(untrustedText.utf8)
        var verified: [NoteVerifierKey] = []
        var verifiedSignatures: [NoteSignature] = []
        var timestamps: [NoteVerifierKey: UInt64] = [:]
        for signature in signatures {
            guard let key = keys[NoteKeyIdentity(name: signature.keyName, keyID: signature.keyID)] else { continue }
            guard key.isValidSignature(signature.signature, for: message) else {
                throw TransparencyError(code: .invalidSignature, reason: "the signature of \(signature) does not verify")
            }
            if !verified.contains(key) {
                verified.append(key)
                verifiedSignatures.append(signature)
                if let time = key.cosignatureTimestamp(signature.signature) { timestamps[key] = time }
            }
        }
        guard !verified.isEmpty else {
            throw TransparencyError(code: .unverified, reason: "no signature on the note is from a known key")
        }
        for key in required where !verified.contains(key) {
            throw TransparencyError(code: .missingRequiredSignature, reason: "the note is not signed by \(key.name)+\(NoteFormat.hex8(key.keyID))")
        }
        return VerifiedNote(
            text: untrustedText, signatures: signatures, verifiedKeys: verified, verifiedSignatures: verifiedSignatures,
            cosignatureTimestamps: timestamps)
    }
}

/// A note whose signatures from the keys in ``verifiedKeys`` verified.
public struct VerifiedNote: Sendable, Hashable {
    /// The note text.
    public let text: String
    /// Every signature line on the note, verified or not.
    public let signatures: [NoteSignature]
    /// The keys whose signature verified, in the order their signatures appear.
    public let verifiedKeys: [NoteVerifierKey]
    /// The signature line that verified for each of ``verifiedKeys``, in the same order.
    public let verifiedSignatures: [NoteSignature]
    /// The time stated by each verified timestamped cosignature, in POSIX seconds.
    public let cosignatureTimestamps: [NoteVerifierKey: UInt64]

    /// The note as a value that can be serialised again or have signatures added.
    public var note: SignedNote {
        // Parsing already enforced everything SignedNote checks.
        SignedNote(unchecked: text, signatures: signatures)
    }
}

/// A key name and key ID: what identifies a key in a signature line.
struct NoteKeyIdentity: Hashable, CustomStringConvertible {
    let name: String
    let keyID: UInt32
    var description: String { "\(name)+\(NoteFormat.hex8(keyID))" }
}

/// Shared syntax rules of signed notes.
enum NoteFormat {
    /// "— " (U+2014 EM DASH, space).
    static let signaturePrefix: [UInt8] = [0xe2, 0x80, 0x94, 0x20]

    static func hex8(_ value: UInt32) -> String {
        let digits = Hex.encode(withUnsafeBytes(of: value.bigEndian) { Array($0) })
        return digits
    }

    /// UTF-8 without ASCII control characters other than newline.
    static func checkEncoding(_ bytes: [UInt8]) throws {
        if let bad = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0a }) {
            throw TransparencyError(code: .invalidEncoding, reason: "control character 0x\(Hex.encode([bytes[bad]])) at byte \(bad)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw TransparencyError(code: .invalidEncoding, reason: "note is not valid UTF-8")
        }
    }

    /// Note text: encoding rules, not empty, ends in a newline, does not end in a blank line.
    static func checkText(_ text: [UInt8]) throws {
        guard text.count <= SignedNote.maxBytes else {
            throw TransparencyError(code: .tooLarge, reason: "note text is \(text.count) bytes; the limit is \(SignedNote.maxBytes)")
        }
        try checkEncoding(text)
        guard text.last == 0x0a else {
            throw TransparencyError(code: .missingFinalNewline, reason: "note text must end with a newline")
        }
        guard text.count > 1 else {
            throw TransparencyError(code: .malformedNote, reason: "note text is empty")
        }
        guard text[text.count - 2] != 0x0a else {
            throw TransparencyError(code: .duplicateBlankLine, reason: "more than one blank line before the signatures")
        }
    }

    /// Key names: non-empty, no Unicode space, no "+".
    static func checkKeyName(_ name: String) throws {
        guard !name.isEmpty else {
            throw TransparencyError(code: .invalidKeyName, reason: "key name is empty")
        }
        for scalar in name.unicodeScalars where scalar.properties.isWhitespace || scalar == "+" || scalar.value < 0x20 {
            throw TransparencyError(code: .invalidKeyName, reason: "key name '\(name.prefix(100))' contains a space, control character or '+'")
        }
    }

    static func parseSignatureLine(_ line: [UInt8]) throws -> NoteSignature {
        guard line.starts(with: signaturePrefix) else {
            throw TransparencyError(code: .invalidSignatureLine, reason: "a signature line starts with '\u{2014} '")
        }
        let rest = line.dropFirst(signaturePrefix.count)
        let parts = rest.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw TransparencyError(code: .invalidSignatureLine, reason: "a signature line is '\u{2014} <name> <base64>'")
        }
        let name = String(decoding: parts[0], as: UTF8.self)
        try checkKeyName(name)
        guard let payload = StrictBase64.decode(String(decoding: parts[1], as: UTF8.self)) else {
            throw TransparencyError(code: .invalidBase64, reason: "the signature by \(name) is not canonical base64")
        }
        guard payload.count > 4 else {
            throw TransparencyError(code: .invalidSignatureLine, reason: "the signature by \(name) is shorter than a key ID and a signature")
        }
        let keyID = payload.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return try NoteSignature(keyName: name, keyID: keyID, signature: Array(payload.dropFirst(4)))
    }
}
