import CustodyKeys
import Testing

@Suite struct SignerTests {
    @Test(arguments: testedKeyTypes)
    func signVerifyRoundTripForEveryAlgorithm(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        for algorithm in signingAlgorithms(for: key.algorithm) {
            let signature = try key.sign(testMessage, algorithm: algorithm)
            #expect(key.publicKey.isValidSignature(signature, for: testMessage, algorithm: algorithm))
            #expect(!key.publicKey.isValidSignature(signature, for: flipped(testMessage), algorithm: algorithm))
            #expect(!key.publicKey.isValidSignature(flipped(signature, at: signature.count / 2), for: testMessage, algorithm: algorithm))
            #expect(!key.publicKey.isValidSignature([], for: testMessage, algorithm: algorithm))
        }
    }

    @Test(arguments: testedKeyTypes)
    func wrongKeyFails(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let other = try PrivateKey.generate(type)
        let algorithm = key.algorithm.defaultSigningAlgorithm
        let signature = try key.sign(testMessage, algorithm: algorithm)
        #expect(!other.publicKey.isValidSignature(signature, for: testMessage, algorithm: algorithm))
    }

    @Test(arguments: testedKeyTypes)
    func mismatchedAlgorithmIsFalseAndRefusedForSigning(type: KeyType) throws {
        let key = try PrivateKey.generate(type)
        let fitting = signingAlgorithms(for: key.algorithm)
        let signature = try key.sign(testMessage, algorithm: key.algorithm.defaultSigningAlgorithm)
        for algorithm in SigningAlgorithm.allCases where !fitting.contains(algorithm) {
            #expect(!key.publicKey.isValidSignature(signature, for: testMessage, algorithm: algorithm))
            #expect(throws: KeyError(code: .algorithmMismatch)) { try key.sign(testMessage, algorithm: algorithm) }
            #expect(throws: KeyError(code: .algorithmMismatch)) { try FileSigner(key, algorithm: algorithm) }
        }
    }

    @Test func rsaPKCS1AndPSSSignaturesAreNotInterchangeable() throws {
        let key = try PrivateKey.generate(.rsa2048)
        let pkcs1 = try key.sign(testMessage, algorithm: .rsaPKCS1SHA256)
        let pss = try key.sign(testMessage, algorithm: .rsaPSSSHA256)
        #expect(!key.publicKey.isValidSignature(pkcs1, for: testMessage, algorithm: .rsaPSSSHA256))
        #expect(!key.publicKey.isValidSignature(pss, for: testMessage, algorithm: .rsaPKCS1SHA256))
        #expect(pkcs1.count == 256 && pss.count == 256)
    }

    @Test func ecdsaSignaturesAreDER() throws {
        let signature = try PrivateKey.generate(.ecdsaP256).sign(testMessage, algorithm: .ecdsaP256SHA256)
        #expect(signature.first == 0x30)
        #expect(Int(signature[1]) == signature.count - 2)
    }

    @Test(arguments: testedKeyTypes)
    func fileSignerUsesTheDefaultAlgorithm(type: KeyType) async throws {
        let key = try PrivateKey.generate(type)
        let signer = FileSigner(key)
        let expected: SigningAlgorithm = switch key.algorithm {
        case .ecdsaP256: .ecdsaP256SHA256
        case .ecdsaP384: .ecdsaP384SHA384
        case .ecdsaP521: .ecdsaP521SHA512
        case .ed25519: .ed25519
        case .rsa: .rsaPKCS1SHA256
        }
        #expect(signer.algorithm == expected)
        #expect(signer.publicKey.keyID == key.publicKey.keyID)
        let signature = try await signer.sign(testMessage)
        #expect(signer.publicKey.isValidSignature(signature, for: testMessage, algorithm: expected))
    }

    @Test func fileSignerWithExplicitPSS() async throws {
        let signer = try FileSigner(try PrivateKey.generate(.rsa2048), algorithm: .rsaPSSSHA256)
        let signature = try await signer.sign(testMessage)
        #expect(signer.publicKey.isValidSignature(signature, for: testMessage, algorithm: .rsaPSSSHA256))
        #expect(!signer.publicKey.isValidSignature(signature, for: testMessage, algorithm: .rsaPKCS1SHA256))
    }

    @Test func signerIsUsableAsAnExistential() async throws {
        let signers: [any Signer] = [FileSigner(try PrivateKey.generate(.ed25519))]
        for signer in signers {
            let signature = try await signer.sign(testMessage)
            #expect(signer.publicKey.isValidSignature(signature, for: testMessage, algorithm: signer.algorithm))
        }
    }
}
