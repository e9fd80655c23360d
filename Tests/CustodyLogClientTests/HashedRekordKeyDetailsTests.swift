import Crypto
import CustodyKeys
import Testing

@testable import CustodyLogClient

/// The Sigstore `PublicKeyDetails` each key type maps to, with its digest and signature scheme.
@Suite("hashedrekord key details")
struct HashedRekordKeyDetailsTests {
    static let artifact = Array("artifact".utf8)

    @Test("each supported key maps to its natural scheme, hash name and digest length")
    func mapping() throws {
        let cases: [(PrivateKey, HashedRekordKeyDetails, SigningAlgorithm?, String, Int)] = [
            (try PrivateKey.generate(.ecdsaP256), .ecdsaP256SHA256, .ecdsaP256SHA256, "SHA2_256", 32),
            (try PrivateKey.generate(.ecdsaP384), .ecdsaP384SHA384, .ecdsaP384SHA384, "SHA2_384", 48),
            (try PrivateKey.generate(.ecdsaP521), .ecdsaP521SHA512, .ecdsaP521SHA512, "SHA2_512", 64),
            (try PrivateKey.generate(.rsa2048), .rsaPKCS1v15_2048SHA256, .rsaPKCS1SHA256, "SHA2_256", 32),
            (try PrivateKey.generate(.ed25519), .ed25519ph, nil, "SHA2_512", 64),
        ]
        for (key, details, algorithm, hash, length) in cases {
            #expect(try HashedRekordKeyDetails(for: key.publicKey) == details)
            if let algorithm {
                // The scheme is the key's own signing algorithm over the artifact.
                let signature = try details.sign(Self.artifact, with: key)
                #expect(key.publicKey.isValidSignature(signature, for: Self.artifact, algorithm: algorithm))
            }
            #expect(details.hashAlgorithm == hash)
            #expect(details.digestBytes == length)
            #expect(details.digest(of: Self.artifact).count == length)
            #expect(details.fits(key.publicKey))
        }
    }

    @Test("P-521 keys are PKIX_ECDSA_P521_SHA_512: SHA-512 digests and ECDSA P-521 SHA-512 signatures")
    func p521() throws {
        let key = try PrivateKey.generate(.ecdsaP521)
        let details = try HashedRekordKeyDetails(for: key.publicKey)
        #expect(details == .ecdsaP521SHA512)
        #expect(details.rawValue == "PKIX_ECDSA_P521_SHA_512")
        #expect(HashedRekordKeyDetails(rawValue: "PKIX_ECDSA_P521_SHA_512") == .ecdsaP521SHA512)
        #expect(details.digest(of: Self.artifact) == Array(SHA512.hash(data: Self.artifact)))
        let signature = try details.sign(Self.artifact, with: key)
        #expect(key.publicKey.isValidSignature(signature, for: Self.artifact, algorithm: .ecdsaP521SHA512))
        // The name fits P-521 keys only, and P-521 keys fit no other name.
        #expect(details.fits(key.publicKey))
        #expect(!details.fits(try PrivateKey.generate(.ecdsaP384).publicKey))
        #expect(!details.fits(try PrivateKey.generate(.ecdsaP256).publicKey))
        for other in HashedRekordKeyDetails.allCases where other != .ecdsaP521SHA512 {
            #expect(!other.fits(key.publicKey), "\(other)")
        }
    }

    @Test("Ed25519 keys make PKIX_ED25519_PH entries: SHA-512 digests and Ed25519ph signatures (libsodium)")
    func ed25519ph() throws {
        let key = try PrivateKey.generate(.ed25519)
        let details = try HashedRekordKeyDetails(for: key.publicKey)
        #expect(details == .ed25519ph && details.rawValue == "PKIX_ED25519_PH")
        #expect(details.digest(of: Self.artifact) == Array(SHA512.hash(data: Self.artifact)))
        let signature = try details.sign(Self.artifact, with: key)
        #expect(signature.count == 64)
        #expect(details.isValidSignature(signature, artifact: Self.artifact, key: key.publicKey))
        #expect(Ed25519ph.isValidSignature(signature, digest: details.digest(of: Self.artifact), publicKey: key.publicKey))
        // Not a pure Ed25519 signature, and not valid for another artifact or key.
        #expect(!key.publicKey.isValidSignature(signature, for: Self.artifact, algorithm: .ed25519))
        #expect(!details.isValidSignature(signature, artifact: Array("other".utf8), key: key.publicKey))
        #expect(!details.isValidSignature(signature, artifact: Self.artifact, key: try PrivateKey.generate(.ed25519).publicKey))
    }
}
