import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ed25519ph: prehashed Ed25519 (RFC 8032 section 5.1) with an empty context.
///
/// The message signed is SHA-512 of the artifact, and the signature binds the domain separator
/// `dom2(1, "")` = `"SigEd25519 no Ed25519 collisions" || 0x01 || 0x00`, so an Ed25519ph
/// signature is never a valid pure Ed25519 signature and the reverse. Because the scheme signs a
/// SHA-512 digest, a verifier that only sees the digest (a transparency log) can check it with
/// ``isValidSignature(_:digest:publicKey:)``. Keys are ordinary Ed25519 keys
/// (``PrivateKey/ed25519(_:)``, ``PublicKey/ed25519(_:)``).
///
/// swift-crypto has no Ed25519ph, so this uses libsodium (`libsodium.so.23`, Debian 12's
/// `libsodium23`), loaded at run time with `dlopen` the first time it is needed. It is not a build
/// dependency: without libsodium, ``isAvailable`` is false, ``sign(artifact:with:)`` throws
/// ``KeyError/Code/unsupportedAlgorithm`` and the verifications return false.
///
/// Verification is cofactorless, as Go's `crypto/ed25519`: `[S]B == R + [k]A` is checked
/// exactly. It is strict: S must be below the group order L, R must be canonically encoded, and
/// the public key must be a canonical point of the prime-order subgroup (libsodium's
/// `crypto_core_ed25519_is_valid_point`, so small-order and mixed-order keys are refused).
public enum Ed25519ph {
    /// The length of a signature, R || S, in bytes.
    public static let signatureBytes = 64
    /// The length of the SHA-512 digest ``isValidSignature(_:digest:publicKey:)`` takes, in bytes.
    public static let digestBytes = 64

    /// True when libsodium could be loaded, so that Ed25519ph signing and verification work.
    public static var isAvailable: Bool {
        if case .success = loaded { return true }
        return false
    }

    /// Signs `artifact` with Ed25519ph (RFC 8032 section 5.1, empty context).
    ///
    /// Ed25519 signing is deterministic: the same key and artifact always give the same 64 bytes.
    ///
    /// - Parameters:
    ///   - artifact: The bytes to sign; they are hashed with SHA-512 as part of the scheme.
    ///   - key: An Ed25519 key (``PrivateKey/ed25519(_:)``).
    /// - Returns: The 64-byte signature R || S.
    /// - Throws: ``KeyError`` with code ``KeyError/Code/algorithmMismatch`` for a key that is not
    ///   Ed25519, ``KeyError/Code/unsupportedAlgorithm`` when libsodium cannot be loaded, or
    ///   ``KeyError/Code/signingFailed`` when libsodium reports a failure.
    public static func sign(artifact: [UInt8], with key: PrivateKey) throws -> [UInt8] {
        guard case .ed25519(let signingKey) = key else {
            throw KeyError(code: .algorithmMismatch, reason: "cannot sign with ed25519ph using a \(key.algorithm) key")
        }
        let sodium = try loaded.get()
        let seed = signingKey.rawRepresentation
        let publicKey = signingKey.publicKey.rawRepresentation
        guard seed.count == 32, publicKey.count == 32 else {
            throw KeyError(code: .signingFailed, reason: "Ed25519 key has an unexpected length")
        }

        // libsodium's secret key is seed || public key. It lives in memory we own, so it can be
        // wiped with sodium_memzero (which the optimiser cannot remove) after use.
        let secretKey = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        defer {
            sodium.memzero(secretKey.baseAddress, 64)
            secretKey.deallocate()
        }
        for (offset, byte) in seed.enumerated() { secretKey[offset] = byte }
        for (offset, byte) in publicKey.enumerated() { secretKey[32 + offset] = byte }

        // crypto_sign_ed25519ph_state (a SHA-512 state: 208 bytes in libsodium 1.0.18).
        let stateBytes = max(sodium.stateBytes, 1)
        let state = UnsafeMutableRawPointer.allocate(byteCount: stateBytes, alignment: 16)
        defer {
            sodium.memzero(state, stateBytes)
            state.deallocate()
        }

        guard sodium.phInit(state) == 0 else {
            throw KeyError(code: .signingFailed, reason: "crypto_sign_ed25519ph_init failed")
        }
        let updated = artifact.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
            return sodium.phUpdate(state, base, UInt64(buffer.count))
        }
        guard updated == 0 else {
            throw KeyError(code: .signingFailed, reason: "crypto_sign_ed25519ph_update failed")
        }
        var signature = [UInt8](repeating: 0, count: signatureBytes)
        var signatureLength: UInt64 = 0
        let created = signature.withUnsafeMutableBufferPointer { out in
            sodium.phFinalCreate(state, out.baseAddress, &signatureLength, secretKey.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
        guard created == 0, signatureLength == UInt64(signatureBytes) else {
            throw KeyError(code: .signingFailed, reason: "crypto_sign_ed25519ph_final_create failed")
        }
        return signature
    }

    /// Checks an Ed25519ph signature given only the SHA-512 digest of the artifact.
    ///
    /// This is the form a transparency log uses: it never sees the artifact. Returns false, never
    /// throws or traps, for any malformed input: a digest that is not 64 bytes, a signature that is
    /// not 64 bytes, a key that is not Ed25519, S ≥ L, a non-canonical or invalid R, a public key
    /// that is not a canonical point of the prime-order subgroup, or when libsodium is unavailable.
    ///
    /// - Parameters:
    ///   - signature: R || S, 64 bytes.
    ///   - digest: SHA-512 of the artifact, 64 bytes.
    ///   - publicKey: An Ed25519 key (``PublicKey/ed25519(_:)``).
    public static func isValidSignature(_ signature: [UInt8], digest: [UInt8], publicKey: PublicKey) -> Bool {
        guard signature.count == signatureBytes, digest.count == digestBytes,
              case .ed25519(let key) = publicKey,
              case .success(let sodium) = loaded
        else { return false }
        let a = Array(key.rawRepresentation)
        let r = Array(signature[0..<32])
        let s = Array(signature[32..<64])
        guard a.count == 32, isBelowGroupOrder(s), isCanonicalEncoding(r) else { return false }
        guard a.withUnsafeBufferPointer({ sodium.isValidPoint($0.baseAddress) }) == 1 else { return false }

        // k = SHA-512(dom2(1, "") || R || A || PH(M)) mod L
        let h = Array(SHA512.hash(data: dom2 + r + a + digest))
        var k = [UInt8](repeating: 0, count: 32)
        k.withUnsafeMutableBufferPointer { out in
            h.withUnsafeBufferPointer { sodium.scalarReduce(out.baseAddress, $0.baseAddress) }
        }

        var sB = [UInt8](repeating: 0, count: 32)
        let sBStatus = sB.withUnsafeMutableBufferPointer { out in
            s.withUnsafeBufferPointer { sodium.scalarmultBaseNoclamp(out.baseAddress, $0.baseAddress) }
        }
        guard sBStatus == 0 else { return false }

        var kA = [UInt8](repeating: 0, count: 32)
        let kAStatus = kA.withUnsafeMutableBufferPointer { out in
            k.withUnsafeBufferPointer { kp in
                a.withUnsafeBufferPointer { sodium.scalarmultNoclamp(out.baseAddress, kp.baseAddress, $0.baseAddress) }
            }
        }
        guard kAStatus == 0 else { return false }

        var sum = [UInt8](repeating: 0, count: 32)
        let addStatus = sum.withUnsafeMutableBufferPointer { out in
            r.withUnsafeBufferPointer { rp in
                kA.withUnsafeBufferPointer { sodium.add(out.baseAddress, rp.baseAddress, $0.baseAddress) }
            }
        }
        guard addStatus == 0 else { return false }
        // Both sides are canonical encodings from libsodium, so equal points have equal bytes.
        return sum == sB
    }

    /// Checks an Ed25519ph signature over `artifact`: hashes it with SHA-512 and calls
    /// ``isValidSignature(_:digest:publicKey:)``.
    ///
    /// - Parameters:
    ///   - signature: R || S, 64 bytes.
    ///   - artifact: The signed bytes.
    ///   - publicKey: An Ed25519 key (``PublicKey/ed25519(_:)``).
    /// - Returns: false for any invalid or malformed input, never throwing or trapping.
    public static func isValidSignature(_ signature: [UInt8], artifact: [UInt8], publicKey: PublicKey) -> Bool {
        isValidSignature(signature, digest: Array(SHA512.hash(data: artifact)), publicKey: publicKey)
    }

    // MARK: - Encoding checks

    /// dom2(1, "") of RFC 8032 section 5.1: the prefix, phflag 1, an empty context (length 0).
    static let dom2: [UInt8] = Array("SigEd25519 no Ed25519 collisions".utf8) + [0x01, 0x00]

    /// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// True when the 32-byte little-endian integer `s` is below L (RFC 8032's S < L check).
    static func isBelowGroupOrder(_ s: [UInt8]) -> Bool {
        guard s.count == 32 else { return false }
        for index in stride(from: 31, through: 0, by: -1) where s[index] != groupOrder[index] {
            return s[index] < groupOrder[index]
        }
        return false  // equal to L
    }

    /// True when `point` is a canonical encoding: y < p = 2^255 - 19, and no sign bit on a point
    /// with x = 0 (y = 1 or y = p - 1). libsodium's point addition accepts non-canonical
    /// encodings; Go's `crypto/ed25519` refuses a non-canonical R, and so does this.
    static func isCanonicalEncoding(_ point: [UInt8]) -> Bool {
        guard point.count == 32 else { return false }
        var y = point
        let sign = y[31] >> 7
        y[31] &= 0x7f
        // y >= p: bytes 1...30 all 0xff, byte 31 = 0x7f and byte 0 >= 0xed.
        let topAllOnes = y[31] == 0x7f && y[1...30].allSatisfy { $0 == 0xff }
        if topAllOnes && y[0] >= 0xed { return false }
        if sign == 1 {
            let isOne = y[0] == 1 && y[1...].allSatisfy { $0 == 0 }
            let isMinusOne = topAllOnes && y[0] == 0xec
            if isOne || isMinusOne { return false }
        }
        return true
    }

    // MARK: - libsodium, loaded at run time

    /// libsodium loaded once (Swift initialises a static `let` lazily and atomically), or why not.
    private static let loaded: Result<Sodium, KeyError> = Sodium.load()
}

/// The libsodium functions Ed25519ph needs, resolved with `dlsym`.
private struct Sodium: @unchecked Sendable {
    // @unchecked: C function pointers into a library that is never unloaded; they hold no state.
    typealias InitFunction = @convention(c) () -> Int32
    typealias SizeFunction = @convention(c) () -> Int
    typealias MemzeroFunction = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void
    typealias PhInitFunction = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias PhUpdateFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, UInt64) -> Int32
    typealias PhFinalCreateFunction = @convention(c) (
        UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt64>?, UnsafePointer<UInt8>?
    ) -> Int32
    typealias PointCheckFunction = @convention(c) (UnsafePointer<UInt8>?) -> Int32
    typealias ReduceFunction = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>?) -> Void
    typealias BaseMultFunction = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>?) -> Int32
    typealias BinaryFunction = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?) -> Int32

    let stateBytes: Int
    let memzero: MemzeroFunction
    let phInit: PhInitFunction
    let phUpdate: PhUpdateFunction
    let phFinalCreate: PhFinalCreateFunction
    let isValidPoint: PointCheckFunction
    let scalarReduce: ReduceFunction
    let scalarmultBaseNoclamp: BaseMultFunction
    let scalarmultNoclamp: BinaryFunction
    let add: BinaryFunction

    /// The library names tried, in order.
    static var libraryNames: [String] {
        #if os(macOS)
        ["libsodium.23.dylib", "libsodium.dylib"]
        #else
        ["libsodium.so.23", "libsodium.so"]
        #endif
    }

    static func unavailable(_ detail: String) -> KeyError {
        KeyError(code: .unsupportedAlgorithm, reason: "Ed25519ph needs libsodium (libsodium23), which cannot be loaded: \(detail)")
    }

    static func load() -> Result<Sodium, KeyError> {
        var failures: [String] = []
        var handle: UnsafeMutableRawPointer?
        for name in libraryNames {
            if let opened = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                handle = opened
                break
            }
            failures.append(dlerror().map { String(cString: $0) } ?? "\(name): cannot be opened")
        }
        // The handle is never closed: the function pointers below stay valid for the process.
        guard let handle else { return .failure(unavailable(failures.joined(separator: "; "))) }

        func symbol<Function>(_ name: String, _ type: Function.Type) throws(KeyError) -> Function {
            guard let address = dlsym(handle, name) else { throw unavailable("symbol \(name) not found") }
            return unsafeBitCast(address, to: type)
        }
        do throws(KeyError) {
            let initialise = try symbol("sodium_init", InitFunction.self)
            let stateBytes = try symbol("crypto_sign_ed25519ph_statebytes", SizeFunction.self)
            let sodium = Sodium(
                stateBytes: stateBytes(),
                memzero: try symbol("sodium_memzero", MemzeroFunction.self),
                phInit: try symbol("crypto_sign_ed25519ph_init", PhInitFunction.self),
                phUpdate: try symbol("crypto_sign_ed25519ph_update", PhUpdateFunction.self),
                phFinalCreate: try symbol("crypto_sign_ed25519ph_final_create", PhFinalCreateFunction.self),
                isValidPoint: try symbol("crypto_core_ed25519_is_valid_point", PointCheckFunction.self),
                scalarReduce: try symbol("crypto_core_ed25519_scalar_reduce", ReduceFunction.self),
                scalarmultBaseNoclamp: try symbol("crypto_scalarmult_ed25519_base_noclamp", BaseMultFunction.self),
                scalarmultNoclamp: try symbol("crypto_scalarmult_ed25519_noclamp", BinaryFunction.self),
                add: try symbol("crypto_core_ed25519_add", BinaryFunction.self))
            // A SHA-512 state is 208 bytes in 1.0.18; refuse anything absurd rather than trust it.
            guard sodium.stateBytes > 0, sodium.stateBytes <= 4096 else {
                return .failure(unavailable("crypto_sign_ed25519ph_statebytes() returned \(sodium.stateBytes)"))
            }
            // sodium_init: 0 = initialised now, 1 = already initialised, -1 = failure.
            let status = initialise()
            guard status == 0 || status == 1 else { return .failure(unavailable("sodium_init() returned \(status)")) }
            return .success(sodium)
        } catch {
            return .failure(error)
        }
    }
}
