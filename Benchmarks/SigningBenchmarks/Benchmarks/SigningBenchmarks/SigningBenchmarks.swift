// OpenPGP signature verification throughput (verifications per second), CustodyOpenPGP against
// the raw swift-crypto primitive underneath it.
//
//   "OpenPGP verify RSA-3072" / "OpenPGP verify Ed25519":
//       OpenPGPMessage.verify(message, keyring:) on a simple-signing message (the exact shape skopeo
//       makes: ZIP-compressed one-pass signature + literal data + signature) made once, at start-up,
//       by OpenPGPSecretKey.generate(.rsa3072 / .ed25519, userID:) and signMessage. Each iteration
//       parses the message, inflates it, hashes the payload, looks the issuer up in the keyring and
//       checks the signature.
//   "raw RSA-3072 PKCS#1 verify" / "raw Ed25519 verify":
//       swift-crypto alone: _RSA.Signing.PublicKey.isValidSignature(_:for:padding: .insecurePKCS1v1_5)
//       over a SHA-512 digest, and Curve25519.Signing.PublicKey.isValidSignature(_:for:) over 64 bytes.
//
// The gap between a pair is Custody's own overhead (packet parsing, inflate, hashing, key lookup).
//
//     cd Benchmarks/SigningBenchmarks && swift package --allow-writing-to-package-directory benchmark
import Benchmark
import Crypto
import CustodyOpenPGP
import Foundation
import _CryptoExtras

/// A simple-signing claim of the size skopeo signs.
let claim = Array(#"{"critical":{"identity":{"docker-reference":"registry.example.com/custody/bench:v1"},"image":{"docker-manifest-digest":"sha256:85738d8985b0e78a914f33c9d4a1aab558964d2a7d89324971269b30aae7d610"},"type":"atomic container signature"},"optional":{"creator":"custody benchmark","timestamp":1795282160}}"#.utf8)

/// A key, its public keyring and one message it signed.
struct SignedFixture: Sendable {
    let keyring: OpenPGPKeyring
    let message: [UInt8]

    init(_ algorithm: OpenPGPSecretKey.GeneratedAlgorithm) {
        do {
            let key = try OpenPGPSecretKey.generate(algorithm, userID: "Custody Benchmark <bench@example.invalid>")
            keyring = try OpenPGPKeyring(bytes: Array(key.armoredPublicKey().utf8))
            message = try key.signMessage(claim)
            // Fail at start-up, not inside the measured loop.
            let verified = try OpenPGPMessage.verify(message, keyring: keyring)
            precondition(verified.payload == claim && verified.signerFingerprint == key.fingerprint)
        } catch {
            fatalError("setting up the \(algorithm) fixture failed: \(error)")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000
    )
    let rsa = SignedFixture(.rsa3072)
    let ed25519 = SignedFixture(.ed25519)

    Benchmark("OpenPGP verify RSA-3072", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? OpenPGPMessage.verify(rsa.message, keyring: rsa.keyring))
        }
    }

    Benchmark("OpenPGP verify Ed25519", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? OpenPGPMessage.verify(ed25519.message, keyring: ed25519.keyring))
        }
    }

    // Raw RSA-3072 PKCS#1 v1.5 over a SHA-512 digest (what an OpenPGP RSA signature with hash
    // algorithm 10 checks).
    let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits3072)
    let rsaPublic = rsaKey.publicKey
    let rsaDigest = SHA512.hash(data: claim)
    let rsaSignature = try! rsaKey.signature(for: rsaDigest, padding: .insecurePKCS1v1_5)
    precondition(rsaPublic.isValidSignature(rsaSignature, for: rsaDigest, padding: .insecurePKCS1v1_5))

    Benchmark("raw RSA-3072 PKCS#1 verify", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(rsaPublic.isValidSignature(rsaSignature, for: rsaDigest, padding: .insecurePKCS1v1_5))
        }
    }

    // Raw Ed25519 over 64 bytes (an OpenPGP EdDSA signature signs the hash, at most 64 bytes).
    let edKey = Curve25519.Signing.PrivateKey()
    let edPublic = edKey.publicKey
    let edMessage = Array(SHA512.hash(data: claim))
    let edSignature = try! edKey.signature(for: edMessage)
    precondition(edPublic.isValidSignature(edSignature, for: edMessage))

    Benchmark("raw Ed25519 verify", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(edPublic.isValidSignature(edSignature, for: edMessage))
        }
    }
}
