// Shared helpers of the OpenPGP tests: the upstream vectors copied into Vectors/ (each folder has a
// SOURCE.md), the facts upstream states about them, a seeded random generator, and error values to
// compare with (`OpenPGPError` equality compares the code only).

import CustodyOpenPGP
import Foundation

enum VectorResources {
    struct MissingVector: Error, CustomStringConvertible {
        let description: String
    }

    /// The directory `Vectors/<relativePath>`: inside `Bundle.module` normally, otherwise next to this file.
    static func directory(_ relativePath: String) throws -> URL {
        if let root = Bundle.module.resourceURL {
            for candidate in [root.appendingPathComponent("Vectors/\(relativePath)"), root.appendingPathComponent(relativePath)]
            where isDirectory(candidate) {
                return candidate
            }
        }
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(relativePath)")
        if isDirectory(sourceTree) { return sourceTree }
        throw MissingVector(description: "vector directory Vectors/\(relativePath) not found in Bundle.module or the source tree")
    }

    /// The bytes of `Vectors/<relativePath>/<name>` (`name` may contain a subfolder).
    static func bytes(_ name: String, in relativePath: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: directory(relativePath).appendingPathComponent(name)))
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}

/// containers/image `signature/fixtures` (Vectors/containers-image) and the facts its tests state
/// (`signature/fixtures_info_test.go`, `mechanism_test.go`, `simple_test.go`, `docker_test.go`).
enum CImage {
    static let folder = "containers-image"

    /// `TestKeyFingerprint`: the key of public-key.gpg / public-key-1.gpg, which signed image.signature.
    static let keyFingerprint = "08CD26E446E2E95249B7A405E932F44B23E8DD43"
    /// `TestKeyShortID`.
    static let keyShortID = "E932F44B23E8DD43"
    /// `TestKeyFingerprintWithPassphrase`: the key of public-key-2.gpg.
    static let passphraseKeyFingerprint = "F2B501009F78B0B340221A12A3CD242DA6028093"
    /// `TestKeyFingerprintPrimaryWithSubkey` / `TestKeyFingerprintSubkeyWithSubkey`.
    static let primaryWithSubkey = "B9F4CDB9FD8C475BFA340AC38D54A947EE396F36"
    static let subkeyOfPrimaryWithSubkey = "57D1D95BBC53BA0EAFF0718CD75B3109B3BAAEAF"
    /// `TestKeyFingerprintPrimaryWithRevokedSubkey` / `TestKeyFingerprintSubkeyWithRevokedSubkey`.
    static let primaryWithRevokedSubkey = "6D88C5A1993648A17B2BB0DC6B8499AF63388D63"
    static let revokedSubkey = "4D33404E00B470050709F3233EF0F93A1F602997"
    /// The encryption subkey of public-key.gpg (`gpg --list-keys --with-subkey-fingerprints`).
    static let encryptionSubkeyOfKey = "C3497E66DDA639E1D1A07C3E1503AAD793884DD9"
    /// The key ID unknown-key.signature names (mechanism_test.go).
    static let unknownKeyShortID = "5F9470E3BC6C3B55"
    /// `TestImageManifestDigest`: sha256 of image.manifest.json.
    static let manifestDigest = "sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"
    /// `TestImageSignatureReference`.
    static let reference = "testing/manifest"

    /// The exact payload of image.signature and corrupt.signature (mechanism_test.go).
    static let imagePayload = #"{"critical":{"identity":{"docker-reference":"testing/manifest"},"image":{"docker-manifest-digest":"sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"},"type":"atomic container signature"},"optional":{"creator":"atomic ","timestamp":1458239713}}"#
    /// The exact payload of subkey.signature (mechanism_test.go).
    static let subkeyPayload = #"{"critical":{"identity":{"docker-reference":"testing/manifest:latest"},"image":{"docker-manifest-digest":"sha256:20bf21ed457b390829cdbeec8795a7bea1626991fda603e0d01b4e7f60427e55"},"type":"atomic container signature"},"optional":{}}"#

    /// When expired.signature was made, and when it expires (`gpg --verify`: "Signature expired
    /// Tue Jun 24 10:00:00 2025 UTC"; it carries a critical signature-expiration subpacket).
    static let expiredSignatureCreated: TimeInterval = 1_750_712_458
    static let expiredSignatureExpiry: TimeInterval = 1_750_759_200

    /// A time after every fixture was made (the newest, subkey-revoked.signature, is 1753303216);
    /// none of the keys expires, so the accepted fixtures verify at this time and at any later one.
    static let now = Date(timeIntervalSince1970: 1_760_000_000)

    static func bytes(_ name: String) throws -> [UInt8] {
        try VectorResources.bytes(name, in: folder)
    }

    static func keyring(_ names: String...) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for name in names { keyring.add(try OpenPGPKeyring(bytes: bytes(name))) }
        return keyring
    }
}

/// RFC 9580 Appendix A.1 and A.2 (Vectors/rfc9580).
enum RFC9580 {
    static let folder = "rfc9580"
    /// The fingerprint A.1 states for the sample v4 Ed25519Legacy key.
    static let keyFingerprint = "C959BDBAFA32A2F89A153B678CFDE12197965A9A"
    /// The data A.2's signature is made over.
    static let signedText = "OpenPGP"

    static func bytes(_ name: String) throws -> [UInt8] {
        try VectorResources.bytes(name, in: folder)
    }
}

/// An `OpenPGPError` to compare thrown errors with: equality compares the code only.
func pgp(_ code: OpenPGPError.Code) -> OpenPGPError {
    OpenPGPError(code, "")
}

func fingerprint(_ hex: String) -> Fingerprint {
    guard let value = Fingerprint(hex: hex) else { preconditionFailure("bad fingerprint literal \(hex)") }
    return value
}

/// SplitMix64: a small deterministic generator, so that random-input tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Keys generated once per test process (RSA-3072 generation takes a moment).
enum GeneratedKeys {
    static let creation = Date(timeIntervalSince1970: 1_700_000_000)

    private static let ed25519Result = Result { try OpenPGPSecretKey.generate(.ed25519, userID: "Custody Ed25519 <ed25519@custody.test>", at: creation) }
    private static let otherResult = Result { try OpenPGPSecretKey.generate(.ed25519, userID: "Custody Other <other@custody.test>", at: creation) }
    private static let rsaResult = Result { try OpenPGPSecretKey.generate(.rsa3072, userID: "Custody RSA <rsa@custody.test>", at: creation) }

    static func key(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) throws -> OpenPGPSecretKey {
        switch algorithm {
        case .ed25519: try ed25519Result.get()
        case .rsa3072: try rsaResult.get()
        }
    }

    /// A second Ed25519 key, never trusted by the tests that use it.
    static func other() throws -> OpenPGPSecretKey { try otherResult.get() }

    /// The public keyring of `key`, read back from its armored export.
    static func keyring(_ keys: OpenPGPSecretKey...) throws -> OpenPGPKeyring {
        var keyring = OpenPGPKeyring()
        for key in keys { keyring.add(try OpenPGPKeyring(bytes: Array(key.armoredPublicKey().utf8))) }
        return keyring
    }
}
