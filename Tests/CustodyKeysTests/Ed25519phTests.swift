import CustodyKeys
import CustodyTestSupport
import Crypto
import Foundation
import Testing

/// Ed25519ph (RFC 8032 section 5.1, empty context) through libsodium loaded at run time.
///
/// Skipped when libsodium cannot be loaded, except under CI (CI=true), where every test runs and
/// fails on the missing library instead (Scripts/test.sh installs `libsodium23`).
@Suite(.enabled(if: Ed25519ph.isAvailable || ProcessInfo.processInfo.environment["CI"] == "true"))
struct Ed25519phTests {
    typealias Support = SecretBoxTestSupport

    // RFC 8032 section 7.3, "Test Vectors for Ed25519ph", test "TEST abc"
    // (https://www.rfc-editor.org/rfc/rfc8032#section-7.3).
    static let rfcSecretKey = "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"
    static let rfcPublicKey = "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf"
    static let rfcMessage = "616263"
    static let rfcSignature = "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41"
        + "31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"

    /// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder = try! Support.bytes(hex: "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")

    /// Records an issue and stops the test when libsodium is missing (the suite only runs then under CI).
    static func requireLibsodium() throws {
        guard !Ed25519ph.isAvailable else { return }
        var reason = "unknown reason"
        do {
            _ = try Ed25519ph.sign(artifact: [], with: .ed25519(Curve25519.Signing.PrivateKey()))
        } catch {
            reason = "\(error)"
        }
        Issue.record("libsodium is required for Ed25519ph under CI; install the Debian package libsodium23 (\(reason))")
        throw Support.Failure(description: "libsodium unavailable")
    }

    static func rfcKey() throws -> PrivateKey {
        .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: try Support.bytes(hex: rfcSecretKey)))
    }

    static func ed25519PublicKey(hex: String) throws -> PublicKey {
        .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: try Support.bytes(hex: hex)))
    }

    static func sha512(_ bytes: [UInt8]) -> [UInt8] { Array(SHA512.hash(data: bytes)) }

    // MARK: RFC 8032 vector

    @Test func rfc8032TestAbc() throws {
        try Self.requireLibsodium()
        let key = try Self.rfcKey()
        let publicKey = key.publicKey
        let message = try Support.bytes(hex: Self.rfcMessage)
        let expected = try Support.bytes(hex: Self.rfcSignature)
        #expect(Support.hex(publicKey.derRepresentation.suffix(32).map { $0 }) == Self.rfcPublicKey)

        let signature = try Ed25519ph.sign(artifact: message, with: key)
        #expect(Support.hex(signature) == Self.rfcSignature)
        #expect(Ed25519ph.isValidSignature(expected, artifact: message, publicKey: publicKey))
        #expect(Ed25519ph.isValidSignature(expected, digest: Self.sha512(message), publicKey: publicKey))

        // A changed message, a changed signature bit, another key: all rejected.
        #expect(!Ed25519ph.isValidSignature(expected, artifact: Array("abd".utf8), publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(expected, artifact: message + [0], publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(expected, digest: Self.sha512(Array("abd".utf8)), publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(flipped(expected, at: 0), artifact: message, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(flipped(expected, at: 40), digest: Self.sha512(message), publicKey: publicKey))
        let other = try PrivateKey.generate(.ed25519).publicKey
        #expect(!Ed25519ph.isValidSignature(expected, artifact: message, publicKey: other))
        #expect(!Ed25519ph.isValidSignature(expected, digest: Self.sha512(message), publicKey: other))

        // The digest form takes the digest, not the artifact, and not a digest of another length.
        #expect(!Ed25519ph.isValidSignature(expected, digest: message, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(expected, digest: Array(SHA256.hash(data: message)), publicKey: publicKey))
    }

    @Test func domainSeparationFromPureEd25519() throws {
        try Self.requireLibsodium()
        let key = try Self.rfcKey()
        let message = try Support.bytes(hex: Self.rfcMessage)
        let expected = try Support.bytes(hex: Self.rfcSignature)
        // An Ed25519ph signature is not a pure Ed25519 one over the artifact or its digest, and the reverse.
        #expect(!key.publicKey.isValidSignature(expected, for: message, algorithm: .ed25519))
        #expect(!key.publicKey.isValidSignature(expected, for: Self.sha512(message), algorithm: .ed25519))
        for pure in [try key.sign(message, algorithm: .ed25519), try key.sign(Self.sha512(message), algorithm: .ed25519)] {
            #expect(!Ed25519ph.isValidSignature(pure, artifact: message, publicKey: key.publicKey))
            #expect(!Ed25519ph.isValidSignature(pure, digest: Self.sha512(message), publicKey: key.publicKey))
        }
    }

    @Test(arguments: [0, 1, 63, 64, 127, 128, 129, 1000, 100_000])
    func roundTripAndDeterminism(length: Int) throws {
        try Self.requireLibsodium()
        let key = try PrivateKey.generate(.ed25519)
        let artifact = Support.random(length)
        let signature = try Ed25519ph.sign(artifact: artifact, with: key)
        #expect(signature.count == Ed25519ph.signatureBytes)
        #expect(try Ed25519ph.sign(artifact: artifact, with: key) == signature)
        #expect(Ed25519ph.isValidSignature(signature, artifact: artifact, publicKey: key.publicKey))
        #expect(Ed25519ph.isValidSignature(signature, digest: Self.sha512(artifact), publicKey: key.publicKey))
        #expect(!Ed25519ph.isValidSignature(signature, artifact: flipped(artifact), publicKey: key.publicKey))
    }

    // MARK: Bad input

    @Test func wrongKeyTypesAreRefused() throws {
        try Self.requireLibsodium()
        let message = try Support.bytes(hex: Self.rfcMessage)
        let signature = try Support.bytes(hex: Self.rfcSignature)
        for type in [KeyType.ecdsaP256, .ecdsaP384, .rsa2048] {
            let key = try PrivateKey.generate(type)
            #expect(throws: KeyError(code: .algorithmMismatch)) { try Ed25519ph.sign(artifact: message, with: key) }
            #expect(!Ed25519ph.isValidSignature(signature, artifact: message, publicKey: key.publicKey))
            #expect(!Ed25519ph.isValidSignature(signature, digest: Self.sha512(message), publicKey: key.publicKey))
            // The key's own signature over the artifact is no Ed25519ph signature either.
            let own = try key.sign(message, algorithm: key.algorithm.defaultSigningAlgorithm)
            #expect(!Ed25519ph.isValidSignature(own, artifact: message, publicKey: key.publicKey))
        }
    }

    @Test func wrongLengthsAreFalse() throws {
        try Self.requireLibsodium()
        let publicKey = try Self.rfcKey().publicKey
        let message = try Support.bytes(hex: Self.rfcMessage)
        let digest = Self.sha512(message)
        let signature = try Support.bytes(hex: Self.rfcSignature)
        for length in [0, 1, 32, 63, 65, 128] {
            let wrong = Array((signature + signature + signature).prefix(length))
            #expect(!Ed25519ph.isValidSignature(wrong, digest: digest, publicKey: publicKey), "signature of \(length) bytes")
            #expect(!Ed25519ph.isValidSignature(wrong, artifact: message, publicKey: publicKey), "signature of \(length) bytes")
        }
        for length in [0, 1, 32, 48, 63, 65, 128] {
            let wrong = Array((digest + digest + [0]).prefix(length))
            #expect(!Ed25519ph.isValidSignature(signature, digest: wrong, publicKey: publicKey), "digest of \(length) bytes")
        }
        // A valid signature with a byte appended or removed.
        #expect(!Ed25519ph.isValidSignature(signature + [0], digest: digest, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(Array(signature.dropLast()), digest: digest, publicKey: publicKey))
    }

    @Test func sAtOrAboveTheGroupOrderIsFalse() throws {
        try Self.requireLibsodium()
        let publicKey = try Self.rfcKey().publicKey
        let digest = Self.sha512(try Support.bytes(hex: Self.rfcMessage))
        let signature = try Support.bytes(hex: Self.rfcSignature)
        #expect(Ed25519ph.isValidSignature(signature, digest: digest, publicKey: publicKey))

        // S + L is the same scalar mod L, so a verifier without the S < L check would accept it.
        var s = Array(signature[32...])
        var carry = 0
        for index in 0..<32 {
            let sum = Int(s[index]) + Int(Self.groupOrder[index]) + carry
            s[index] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        #expect(carry == 0)
        #expect(!Ed25519ph.isValidSignature(Array(signature[..<32]) + s, digest: digest, publicKey: publicKey))
        // S = L, S = L + 1, S = 2^256 - 1.
        var lPlusOne = Self.groupOrder
        lPlusOne[0] += 1
        for big in [Self.groupOrder, lPlusOne, [UInt8](repeating: 0xff, count: 32)] {
            #expect(!Ed25519ph.isValidSignature(Array(signature[..<32]) + big, digest: digest, publicKey: publicKey))
        }
    }

    @Test func smallOrderPublicKeysAreFalse() throws {
        try Self.requireLibsodium()
        let message = try Support.bytes(hex: Self.rfcMessage)
        let digest = Self.sha512(message)
        let signature = try Support.bytes(hex: Self.rfcSignature)
        // The base point B and S = 1: for the identity key, R + [k]A = B + 0 = [1]B for every
        // message, so a verifier that accepted the identity as a key would accept this forgery.
        let basePoint = "5866666666666666666666666666666666666666666666666666666666666666"
        let forgery = try Support.bytes(hex: basePoint) + [1] + [UInt8](repeating: 0, count: 31)
        let smallOrderPoints = [
            "0100000000000000000000000000000000000000000000000000000000000000",  // identity, order 1
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2
            "0000000000000000000000000000000000000000000000000000000000000000",  // order 4
            "0000000000000000000000000000000000000000000000000000000000000080",  // order 4
            "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
            "0100000000000000000000000000000000000000000000000000000000000080",  // identity, non-canonical sign bit
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1 (identity), non-canonical
        ]
        for hex in smallOrderPoints {
            guard let key = try? Self.ed25519PublicKey(hex: hex) else { continue }  // refused even earlier
            #expect(!Ed25519ph.isValidSignature(forgery, digest: digest, publicKey: key), "\(hex)")
            #expect(!Ed25519ph.isValidSignature(forgery, artifact: Support.random(10), publicKey: key), "\(hex)")
            #expect(!Ed25519ph.isValidSignature(signature, digest: digest, publicKey: key), "\(hex)")
        }
        // swift-crypto takes the identity as raw bytes, so the check above is really exercised.
        #expect((try? Self.ed25519PublicKey(hex: smallOrderPoints[0])) != nil)
    }

    @Test func nonCanonicalAndInvalidRAreFalse() throws {
        try Self.requireLibsodium()
        let publicKey = try Self.rfcKey().publicKey
        let digest = Self.sha512(try Support.bytes(hex: Self.rfcMessage))
        let signature = try Support.bytes(hex: Self.rfcSignature)
        let s = Array(signature[32...])
        let badR = [
            "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p
            "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1
            "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = 2^255 - 1, sign bit
            "0100000000000000000000000000000000000000000000000000000000000080",  // x = 0 with the sign bit
            "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  // y = p - 1, x = 0, sign bit
            "0200000000000000000000000000000000000000000000000000000000000000",  // y = 2: not on the curve
        ]
        for hex in badR {
            #expect(!Ed25519ph.isValidSignature(try Support.bytes(hex: hex) + s, digest: digest, publicKey: publicKey), "\(hex)")
        }
        // R with the sign bit flipped (the negated point): valid encoding, wrong signature.
        #expect(!Ed25519ph.isValidSignature(flipped(signature, at: 31), digest: digest, publicKey: publicKey))
    }

    @Test func allZeroAndRandomSignaturesAreFalse() throws {
        try Self.requireLibsodium()
        let publicKey = try Self.rfcKey().publicKey
        let digest = Self.sha512(try Support.bytes(hex: Self.rfcMessage))
        #expect(!Ed25519ph.isValidSignature([UInt8](repeating: 0, count: 64), digest: digest, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature([UInt8](repeating: 0xff, count: 64), digest: digest, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature([UInt8](repeating: 0, count: 64), digest: [UInt8](repeating: 0, count: 64), publicKey: publicKey))
        for _ in 0..<200 {
            let key = (try? Curve25519.Signing.PublicKey(rawRepresentation: Support.random(32))).map { PublicKey.ed25519($0) } ?? publicKey
            #expect(!Ed25519ph.isValidSignature(Support.random(64), digest: Support.random(64), publicKey: key))
        }
    }

    @Test func everySingleBitFlipIsRejected() throws {
        try Self.requireLibsodium()
        let publicKey = try Self.rfcKey().publicKey
        let digest = Self.sha512(try Support.bytes(hex: Self.rfcMessage))
        let signature = try Support.bytes(hex: Self.rfcSignature)
        let accepted = Self.acceptedBitFlips(of: signature) { Ed25519ph.isValidSignature($0, digest: digest, publicKey: publicKey) }
        #expect(accepted.isEmpty, "bit flips accepted: \(accepted)")
        let digestAccepted = Self.acceptedBitFlips(of: digest) { Ed25519ph.isValidSignature(signature, digest: $0, publicKey: publicKey) }
        #expect(digestAccepted.isEmpty, "digest bit flips accepted: \(digestAccepted)")
    }

    /// The bits of `bytes` whose flip `accepts` still accepts (empty for a sound check).
    static func acceptedBitFlips(of bytes: [UInt8], _ accepts: ([UInt8]) -> Bool) -> [Int] {
        (0..<(bytes.count * 8)).filter { bit in
            var changed = bytes
            changed[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
            return accepts(changed)
        }
    }

    @Test func concurrentUseLoadsOnceAndAgrees() async throws {
        try Self.requireLibsodium()
        let key = try Self.rfcKey()
        let message = try Support.bytes(hex: Self.rfcMessage)
        let expected = try Support.bytes(hex: Self.rfcSignature)
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<20 {
                        let signature = try Ed25519ph.sign(artifact: message, with: key)
                        guard signature == expected, Ed25519ph.isValidSignature(signature, artifact: message, publicKey: key.publicKey) else {
                            return false
                        }
                    }
                    return true
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }

    // MARK: PyNaCl (libsodium's own Ed25519ph) as the independent implementation

    static let lengths = [0, 1, 3, 64, 127, 128, 129, 1000, 10_000]

    /// argv[1]: Custody's signatures as JSON [{seed, publicKey, artifact, signature}]. PyNaCl
    /// verifies each (and refuses it for a changed artifact), re-signs with the same seed and
    /// compares bytes, then prints its own signatures over random artifacts with random seeds.
    static let interopScript = """
    import hashlib, json, os
    ours = json.load(open(sys.argv[1]))
    assert len(ours) == \(lengths.count), len(ours)
    for entry in ours:
        seed, pk, m, sig = (bytes.fromhex(entry[k]) for k in ("seed", "publicKey", "artifact", "signature"))
        pk2, sk = b.crypto_sign_seed_keypair(seed)
        if pk2 != pk:
            sys.exit("PyNaCl derived another public key from the seed")
        if not ph_verify(pk, m, sig):
            sys.exit("PyNaCl rejected a Custody Ed25519ph signature over %d bytes" % len(m))
        if ph_verify(pk, m + b"x", sig):
            sys.exit("PyNaCl accepted a Custody Ed25519ph signature for a changed artifact")
        if ph_sign(sk, m) != sig:
            sys.exit("PyNaCl signed the same artifact with the same seed to different bytes")
    theirs = []
    for length in \(lengths):
        seed, m = os.urandom(32), os.urandom(length)
        pk, sk = b.crypto_sign_seed_keypair(seed)
        theirs.append({"seed": seed.hex(), "publicKey": pk.hex(), "artifact": m.hex(),
                       "digest": hashlib.sha512(m).hexdigest(), "signature": ph_sign(sk, m).hex()})
    print(json.dumps(theirs))
    """

    @Test("PyNaCl interop: PyNaCl signs, Custody verifies the digest; Custody signs, PyNaCl verifies",
          .enabled(if: PeerTool.availableOrCI("python3")))
    func pynaclInterop() throws {
        try Self.requireLibsodium()
        var ours: [[String: String]] = []
        for length in Self.lengths {
            let seed = Support.random(32), artifact = Support.random(length)
            let key = PrivateKey.ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
            let signature = try Ed25519ph.sign(artifact: artifact, with: key)
            ours.append([
                "seed": Support.hex(seed), "publicKey": Support.hex(Array(key.publicKey.derRepresentation.suffix(32))),
                "artifact": Support.hex(artifact), "signature": Support.hex(signature),
            ])
        }
        let output = try Self.runPython(Self.interopScript, ["custody.json"], files: ["custody.json": try JSONEncoder().encode(ours)])
        let theirs = try JSONDecoder().decode([[String: String]].self, from: Data(output.utf8))
        #expect(theirs.count == Self.lengths.count)
        for entry in theirs {
            let seed = try Support.bytes(hex: try #require(entry["seed"]))
            let publicKey = try Self.ed25519PublicKey(hex: try #require(entry["publicKey"]))
            let artifact = try Support.bytes(hex: try #require(entry["artifact"]))
            let digest = try Support.bytes(hex: try #require(entry["digest"]))
            let signature = try Support.bytes(hex: try #require(entry["signature"]))
            #expect(digest == Self.sha512(artifact))
            #expect(Ed25519ph.isValidSignature(signature, digest: digest, publicKey: publicKey), "\(artifact.count) bytes")
            #expect(Ed25519ph.isValidSignature(signature, artifact: artifact, publicKey: publicKey))
            #expect(!Ed25519ph.isValidSignature(signature, digest: flipped(digest, at: 63), publicKey: publicKey))
            let key = PrivateKey.ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
            #expect(try Ed25519ph.sign(artifact: artifact, with: key) == signature)
        }
    }

    /// Signatures made with the private scalar directly (which any key holder can do), whose R is
    /// the identity: canonically encoded (01 00…00), with a spurious sign bit (01 00…80) and as
    /// y = p + 1 (ee ff…7f). All three satisfy [S]B = R + [k]A for their own k; only the first is
    /// a valid encoding.
    static let craftedRScript = """
    import hashlib, json, os
    L = 2**252 + 27742317777372353535851937790883648493
    seed, m = os.urandom(32), os.urandom(100)
    pk, sk = b.crypto_sign_seed_keypair(seed)
    h = bytearray(hashlib.sha512(seed).digest()[:32])
    h[0] &= 248; h[31] &= 127; h[31] |= 64
    a = int.from_bytes(h, "little")
    ph = hashlib.sha512(m).digest()
    dom2 = b"SigEd25519 no Ed25519 collisions" + bytes([1, 0])
    def sig(r):
        k = int.from_bytes(hashlib.sha512(dom2 + r + pk + ph).digest(), "little") % L
        return (r + ((k * a) % L).to_bytes(32, "little")).hex()
    canonical = bytes([1]) + bytes(31)
    sign_bit = bytes([1]) + bytes(30) + bytes([0x80])
    y_p_plus_1 = bytes([0xee]) + bytes([0xff]) * 30 + bytes([0x7f])
    print(json.dumps({"publicKey": pk.hex(), "digest": ph.hex(), "canonical": sig(canonical),
                      "signBit": sig(sign_bit), "yPPlus1": sig(y_p_plus_1)}))
    """

    @Test("Non-canonical R encodings of a point that satisfies the equation are refused",
          .enabled(if: PeerTool.availableOrCI("python3")))
    func nonCanonicalRCraftedWithThePrivateScalar() throws {
        try Self.requireLibsodium()
        let output = try Self.runPython(Self.craftedRScript, [])
        let values = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        let publicKey = try Self.ed25519PublicKey(hex: try #require(values["publicKey"]))
        let digest = try Support.bytes(hex: try #require(values["digest"]))
        // Cofactorless verification accepts R = identity when it is encoded canonically, as Go's
        // crypto/ed25519 does; this shows that the two refusals below are for the encoding alone.
        #expect(Ed25519ph.isValidSignature(try Support.bytes(hex: try #require(values["canonical"])), digest: digest, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(try Support.bytes(hex: try #require(values["signBit"])), digest: digest, publicKey: publicKey))
        #expect(!Ed25519ph.isValidSignature(try Support.bytes(hex: try #require(values["yPPlus1"])), digest: digest, publicKey: publicKey))
    }

    /// Imports PyNaCl's bindings and defines `ph_sign(sk, m)` and `ph_verify(pk, m, sig)`.
    static let pythonPrelude = """
    import sys
    try:
        import nacl.bindings as b
        from nacl.exceptions import BadSignatureError
    except ImportError:
        sys.stderr.write("FATAL: the Python module 'nacl' is missing; install the PyPI package: pip install pynacl\\n")
        sys.exit(3)

    def ph_sign(sk, m):
        state = b.crypto_sign_ed25519ph_state()
        b.crypto_sign_ed25519ph_update(state, m)
        return b.crypto_sign_ed25519ph_final_create(state, sk)

    def ph_verify(pk, m, sig):
        state = b.crypto_sign_ed25519ph_state()
        b.crypto_sign_ed25519ph_update(state, m)
        try:
            return b.crypto_sign_ed25519ph_final_verify(state, sig, pk)
        except BadSignatureError:
            return False

    """

    /// Runs `script` after ``pythonPrelude`` with the keys tests' shared Python runner.
    static func runPython(_ script: String, _ arguments: [String], files: [String: Data] = [:]) throws -> String {
        try SecretBoxTestSupport.runPython(pythonPrelude + script, arguments, files: files)
    }
}
