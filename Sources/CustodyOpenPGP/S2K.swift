import Crypto
import _CryptoExtras

/// String-to-key: derives a symmetric key from a passphrase (RFC 9580 section 3.7).
struct S2K {
    enum Kind: UInt8 {
        case simple = 0
        case salted = 1
        case iteratedSalted = 3
        /// GnuPG's extension: the secret part is not present (a stub, e.g. an offline primary key).
        case gnuExtension = 101
    }

    let kind: Kind
    let hash: UInt8
    let salt: [UInt8]
    let countByte: UInt8

    /// The number of bytes hashed by an iterated S2K.
    var count: Int { (16 + Int(countByte & 15)) << (Int(countByte >> 4) + 6) }

    static func read(_ reader: inout ByteReader) throws(OpenPGPError) -> S2K {
        let raw = try reader.byte("S2K type")
        guard let kind = Kind(rawValue: raw) else { throw OpenPGPError(.unsupported, "unsupported S2K type \(raw)") }
        let hash = try reader.byte("S2K hash")
        switch kind {
        case .simple: return S2K(kind: kind, hash: hash, salt: [], countByte: 0)
        case .salted: return S2K(kind: kind, hash: hash, salt: try reader.bytes(8, "S2K salt"), countByte: 0)
        case .iteratedSalted:
            let salt = try reader.bytes(8, "S2K salt")
            return S2K(kind: kind, hash: hash, salt: salt, countByte: try reader.byte("S2K count"))
        case .gnuExtension:
            _ = reader.rest()
            return S2K(kind: kind, hash: hash, salt: [], countByte: 0)
        }
    }

    var encoded: [UInt8] {
        switch kind {
        case .simple: [kind.rawValue, hash]
        case .salted: [kind.rawValue, hash] + salt
        case .iteratedSalted: [kind.rawValue, hash] + salt + [countByte]
        case .gnuExtension: [kind.rawValue, hash]
        }
    }

    /// Derives `length` key bytes from the passphrase.
    func deriveKey(passphrase: [UInt8], length: Int) throws(OpenPGPError) -> [UInt8] {
        let input = salt + passphrase
        var total = kind == .iteratedSalted ? max(count, input.count) : input.count
        guard total <= OpenPGPLimits.maxS2KBytes else { throw OpenPGPError(.tooLarge, "S2K iteration count is too large") }
        var key: [UInt8] = []
        var preload = 0
        while key.count < length {
            // Each further context is preloaded with one more zero byte.
            let zeros = [UInt8](repeating: 0, count: preload)
            key += try S2K.hashRepeated(hash, prefix: zeros, input: input, total: total)
            preload += 1
            total = kind == .iteratedSalted ? max(count, input.count) : input.count
        }
        return Array(key.prefix(length))
    }

    private static func hashRepeated(_ algorithm: UInt8, prefix: [UInt8], input: [UInt8], total: Int) throws(OpenPGPError) -> [UInt8] {
        func run<H: HashFunction>(_ hasher: inout H) -> [UInt8] {
            hasher.update(data: prefix)
            var remaining = total
            while remaining >= input.count {
                hasher.update(data: input)
                remaining -= input.count
            }
            if remaining > 0 { hasher.update(data: input[0..<remaining]) }
            return Array(hasher.finalize())
        }
        switch algorithm {
        case HashAlgorithm.sha1.rawValue: var h = Insecure.SHA1(); return run(&h)
        case HashAlgorithm.sha256.rawValue: var h = SHA256(); return run(&h)
        case HashAlgorithm.sha384.rawValue: var h = SHA384(); return run(&h)
        case HashAlgorithm.sha512.rawValue: var h = SHA512(); return run(&h)
        default: throw OpenPGPError(.unsupported, "unsupported S2K hash algorithm \(algorithm)")
        }
    }
}

/// Symmetric ciphers for secret-key protection: AES only.
enum SymmetricAlgorithm: UInt8 {
    case aes128 = 7
    case aes192 = 8
    case aes256 = 9

    var keyLength: Int {
        switch self {
        case .aes128: 16
        case .aes192: 24
        case .aes256: 32
        }
    }

    func cfb(decrypt: Bool, _ data: [UInt8], key: [UInt8], iv: [UInt8]) throws(OpenPGPError) -> [UInt8] {
        do {
            let symmetricKey = SymmetricKey(data: key)
            let vector = try AES._CFB.IV(ivBytes: iv)
            return decrypt
                ? Array(try AES._CFB.decrypt(data, using: symmetricKey, iv: vector))
                : Array(try AES._CFB.encrypt(data, using: symmetricKey, iv: vector))
        } catch {
            throw OpenPGPError(.keyOperation, "AES-CFB failed: \(error)")
        }
    }
}
