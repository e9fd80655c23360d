import _CryptoExtras
import Crypto
import CustodyJSON
import Foundation

/// A private key in cosign's encrypted key format, decrypted.
///
/// The format (cosign `pkg/cosign/keys.go`, go-securesystemslib `encrypted/encrypted.go`): a PEM
/// block of type `ENCRYPTED SIGSTORE PRIVATE KEY` or `ENCRYPTED COSIGN PRIVATE KEY` whose body is
/// the JSON document
///
/// ```json
/// {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<base64, 32 bytes>"},
///  "cipher":{"name":"nacl/secretbox","nonce":"<base64, 24 bytes>"},
///  "ciphertext":"<base64 of SecretBox.seal(PKCS#8 DER)>"}
/// ```
///
/// The secretbox key is `scrypt(passphrase, salt, N, r, p, 32)`. Only `r = 8`, `p = 1` and
/// `N` in ``acceptedScryptN`` (2^15, 2^16, 2^17) are read, as go-securesystemslib ≥ 0.7 (skopeo ≥ 1.14,
/// cosign ≥ 2.2) does. Older readers — go-tuf ≤ 0.5.2, i.e. containers/image ≤ 5.27 and skopeo ≤ 1.13,
/// including Debian's 1.9.3 — accept **only** N = 32768, which is why ``encrypt(pkcs8DER:passphrase:n:pemType:)``
/// defaults to it.
///
/// Reading is stricter than Go: the JSON must have exactly the fields above (no unknown or
/// missing members), the salt must be 32 bytes, and nothing but whitespace may surround the PEM
/// block. The plaintext is returned as bytes; it is normally PKCS#8 DER, but nothing here parses it.
public struct CosignPrivateKey: Sendable, Equatable {
    /// The two PEM block types cosign writes.
    public enum PEMType: String, Sendable, CaseIterable {
        /// `ENCRYPTED SIGSTORE PRIVATE KEY`: cosign ≥ 2.0's default; containers/image ≥ 5.25 (skopeo ≥ 1.12) read it.
        case sigstore = "ENCRYPTED SIGSTORE PRIVATE KEY"
        /// `ENCRYPTED COSIGN PRIVATE KEY`: the original name, read by every containers/image version with sigstore support.
        case cosign = "ENCRYPTED COSIGN PRIVATE KEY"
    }

    /// The largest PEM text read (64 KiB). An RSA-4096 key is about 4.5 KiB of PEM.
    public static let maxPEMBytes = 64 * 1024
    /// The scrypt cost parameters N that are read (go-securesystemslib `CheckParams`).
    public static let acceptedScryptN: Set<Int> = [32768, 65536, 131072]
    /// The scrypt N written by default: 32768, the only value skopeo ≤ 1.13 and containers/image ≤ 5.27
    /// read. cosign ≥ 2.2 writes 65536, which doubles the passphrase-guessing cost (and the 32 MiB to
    /// 64 MiB of memory per attempt) but locks out those older readers.
    public static let defaultScryptN = 32768
    /// scrypt block size r (the only value read or written).
    public static let scryptR = 8
    /// scrypt parallelism p (the only value read or written).
    public static let scryptP = 1
    /// Salt length in bytes (what cosign and go-securesystemslib write).
    public static let saltByteCount = 32

    /// The decrypted key, normally PKCS#8 DER.
    public let pkcs8DER: [UInt8]
    /// The PEM block type the key was read from.
    public let pemType: PEMType
    /// The scrypt cost parameter N the key was encrypted with.
    public let scryptN: Int

    /// Decrypts a cosign encrypted private key.
    ///
    /// - Throws: ``CosignPrivateKeyError``; a wrong passphrase gives ``CosignPrivateKeyError/wrongPassphrase``.
    public init(pem: String, passphrase: [UInt8]) throws(CosignPrivateKeyError) {
        guard pem.utf8.count <= Self.maxPEMBytes else { throw .tooLarge(pem.utf8.count) }
        let (pemType, body) = try Self.parsePEM(pem)
        let document = try Self.parseDocument(body)
        let key = try Self.deriveKey(passphrase: passphrase, salt: document.salt, n: document.n)
        do {
            pkcs8DER = try SecretBox.open(document.ciphertext, nonce: document.nonce, key: key)
        } catch .authenticationFailed {
            throw .wrongPassphrase
        } catch {
            throw .malformed("ciphertext: \(error)")
        }
        self.pemType = pemType
        self.scryptN = document.n
    }

    /// Encrypts `pkcs8DER` under `passphrase` with a fresh random salt and nonce and returns the PEM text
    /// (64-character lines, trailing newline).
    ///
    /// - Parameters:
    ///   - n: the scrypt cost, one of ``acceptedScryptN``; the default ``defaultScryptN`` (32768) is read by
    ///     every skopeo and containers/image version, 65536 (cosign ≥ 2.2's choice) only by skopeo ≥ 1.14.
    ///   - pemType: ``PEMType/cosign`` is read by every containers/image version; ``PEMType/sigstore`` needs ≥ 5.25.
    public static func encrypt(
        pkcs8DER: [UInt8], passphrase: [UInt8], n: Int = defaultScryptN, pemType: PEMType = .cosign
    ) throws(CosignPrivateKeyError) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let nonce = (0..<SecretBox.nonceByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try encrypt(pkcs8DER: pkcs8DER, passphrase: passphrase, n: n, pemType: pemType, salt: salt, nonce: nonce)
    }

    /// ``encrypt(pkcs8DER:passphrase:n:pemType:)`` with a given salt and nonce, for reproducible tests.
    package static func encrypt(
        pkcs8DER: [UInt8], passphrase: [UInt8], n: Int, pemType: PEMType, salt: [UInt8], nonce: [UInt8]
    ) throws(CosignPrivateKeyError) -> String {
        guard acceptedScryptN.contains(n) else { throw .unsupportedKDFParameters("N=\(n), r=\(scryptR), p=\(scryptP)") }
        guard salt.count == saltByteCount else { throw .malformed("salt is \(salt.count) bytes, expected \(saltByteCount)") }
        let key = try deriveKey(passphrase: passphrase, salt: salt, n: n)
        let box: [UInt8]
        do {
            box = try SecretBox.seal(pkcs8DER, nonce: nonce, key: key)
        } catch {
            throw .malformed("\(error)")
        }
        // go-securesystemslib's field order, as encoding/json writes it.
        let json = #"{"kdf":{"name":"scrypt","params":{"N":\#(n),"r":\#(scryptR),"p":\#(scryptP)},"salt":"\#(Data(salt).base64EncodedString())"},"#
            + #""cipher":{"name":"nacl/secretbox","nonce":"\#(Data(nonce).base64EncodedString())"},"#
            + #""ciphertext":"\#(Data(box).base64EncodedString())"}"#
        let encoded = Data(json.utf8).base64EncodedString()
        var pem = "-----BEGIN \(pemType.rawValue)-----\n"
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
            pem += encoded[index..<end] + "\n"
            index = end
        }
        pem += "-----END \(pemType.rawValue)-----\n"
        return pem
    }

    // MARK: - Reading

    private static func parsePEM(_ text: String) throws(CosignPrivateKeyError) -> (PEMType, [UInt8]) {
        // "\r\n" is one Character in Swift, and a newline, so this splits LF and CRLF text alike.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let first = lines.first, first.allSatisfy(\.isWhitespace) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy(\.isWhitespace) { lines.removeLast() }
        guard let begin = lines.first, let end = lines.last, lines.count >= 2 else {
            throw .malformedPEM("no PEM block")
        }
        guard begin.hasPrefix("-----BEGIN "), begin.hasSuffix("-----"), begin.count > 16 else {
            throw .malformedPEM("no BEGIN line")
        }
        let label = String(begin.dropFirst(11).dropLast(5))
        guard let pemType = PEMType(rawValue: label) else { throw .wrongPEMType(label) }
        guard end == "-----END \(label)-----" else {
            throw .malformedPEM(end.hasPrefix("-----END ") ? "END line does not match BEGIN line" : "data after the PEM block or no END line")
        }
        var base64 = ""
        for line in lines.dropFirst().dropLast() {
            guard !line.contains(":") else { throw .malformedPEM("PEM headers are not allowed") }
            guard !line.hasPrefix("-----") else { throw .malformedPEM("more than one PEM block") }
            base64 += line.filter { !$0.isWhitespace }
        }
        guard let body = Data(base64Encoded: base64) else { throw .malformedPEM("body is not base64") }
        return (pemType, [UInt8](body))
    }

    private struct Document {
        var n: Int
        var salt: [UInt8]
        var nonce: [UInt8]
        var ciphertext: [UInt8]
    }

    private static func parseDocument(_ body: [UInt8]) throws(CosignPrivateKeyError) -> Document {
        let file: EncryptedKeyFile
        do {
            // Strict: duplicate keys, trailing data and invalid UTF-8 are refused as well.
            file = try StrictJSONDecoder(limits: JSONLimits(maxDocumentBytes: maxPEMBytes)).decode(EncryptedKeyFile.self, from: body)
        } catch {
            throw .malformed("not the cosign JSON document: \(error)")
        }
        guard file.kdf.name == "scrypt" else { throw .unsupportedKDF(file.kdf.name) }
        let params = file.kdf.params
        guard acceptedScryptN.contains(params.N), params.r == scryptR, params.p == scryptP else {
            throw .unsupportedKDFParameters("N=\(params.N), r=\(params.r), p=\(params.p)")
        }
        guard file.cipher.name == "nacl/secretbox" else { throw .unsupportedCipher(file.cipher.name) }
        let salt = try decodeBase64(file.kdf.salt, field: "kdf.salt")
        guard salt.count == saltByteCount else { throw .malformed("kdf.salt is \(salt.count) bytes, expected \(saltByteCount)") }
        let nonce = try decodeBase64(file.cipher.nonce, field: "cipher.nonce")
        guard nonce.count == SecretBox.nonceByteCount else {
            throw .malformed("cipher.nonce is \(nonce.count) bytes, expected \(SecretBox.nonceByteCount)")
        }
        let ciphertext = try decodeBase64(file.ciphertext, field: "ciphertext")
        guard ciphertext.count >= SecretBox.tagByteCount else {
            throw .malformed("ciphertext is \(ciphertext.count) bytes, shorter than the \(SecretBox.tagByteCount)-byte tag")
        }
        return Document(n: params.N, salt: salt, nonce: nonce, ciphertext: ciphertext)
    }

    private static func decodeBase64(_ text: String, field: String) throws(CosignPrivateKeyError) -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw .malformed("\(field) is not base64") }
        return [UInt8](data)
    }

    private static func deriveKey(passphrase: [UInt8], salt: [UInt8], n: Int) throws(CosignPrivateKeyError) -> [UInt8] {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: passphrase, salt: salt, outputByteCount: SecretBox.keyByteCount,
                rounds: n, blockSize: scryptR, parallelism: scryptP
            )
            return key.withUnsafeBytes { [UInt8]($0) }
        } catch {
            throw .keyDerivationFailed("\(error)")
        }
    }
}

/// Why a cosign encrypted private key could not be read or written.
public enum CosignPrivateKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The PEM text exceeds ``CosignPrivateKey/maxPEMBytes``.
    case tooLarge(Int)
    /// Not exactly one well-formed PEM block (with only whitespace around it).
    case malformedPEM(String)
    /// The PEM block type is not one of ``CosignPrivateKey/PEMType``.
    case wrongPEMType(String)
    /// The JSON body is malformed, has unknown or missing fields, or a field has the wrong size.
    case malformed(String)
    /// `kdf.name` is not `scrypt`.
    case unsupportedKDF(String)
    /// The scrypt parameters are not r = 8, p = 1, N ∈ ``CosignPrivateKey/acceptedScryptN``.
    case unsupportedKDFParameters(String)
    /// `cipher.name` is not `nacl/secretbox`.
    case unsupportedCipher(String)
    /// The secretbox tag did not verify: wrong passphrase, or the key file was altered.
    case wrongPassphrase
    /// scrypt failed (for example, not enough memory).
    case keyDerivationFailed(String)

    public var description: String {
        switch self {
        case .tooLarge(let count): "cosign private key: \(count) bytes exceeds the limit of \(CosignPrivateKey.maxPEMBytes)"
        case .malformedPEM(let reason): "cosign private key: malformed PEM: \(reason)"
        case .wrongPEMType(let label): "cosign private key: PEM type '\(label)' is not ENCRYPTED SIGSTORE PRIVATE KEY or ENCRYPTED COSIGN PRIVATE KEY"
        case .malformed(let reason): "cosign private key: \(reason)"
        case .unsupportedKDF(let name): "cosign private key: unsupported KDF '\(name)' (only scrypt)"
        case .unsupportedKDFParameters(let params): "cosign private key: unexpected kdf parameters \(params) (N must be 32768, 65536 or 131072, r 8, p 1)"
        case .unsupportedCipher(let name): "cosign private key: unsupported cipher '\(name)' (only nacl/secretbox)"
        case .wrongPassphrase: "cosign private key: decryption failed: wrong passphrase or corrupted key"
        case .keyDerivationFailed(let reason): "cosign private key: scrypt failed: \(reason)"
        }
    }
}

// MARK: - JSON shape

/// The JSON document, decoded by `StrictJSONDecoder`: every member listed here is required and any
/// other member, or a duplicate, is refused.
private struct EncryptedKeyFile: Decodable {
    var kdf: KDFSection
    var cipher: CipherSection
    var ciphertext: String
}

private struct KDFSection: Decodable {
    var name: String
    var params: ScryptParams
    var salt: String
}

private struct ScryptParams: Decodable {
    var N: Int
    var r: Int
    var p: Int
}

private struct CipherSection: Decodable {
    var name: String
    var nonce: String
}
