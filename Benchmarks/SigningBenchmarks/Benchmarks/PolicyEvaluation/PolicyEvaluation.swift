// Trust-policy evaluation throughput against the signature checks it is made of.
//
//   "policy: 1000 images x 3 signatures":
//       PolicyEvaluator.evaluate(image:evidence:) over 1,000 different single-platform images, each
//       with 3 simple signatures by 3 different Ed25519 OpenPGP keys, under a policy whose docker
//       scope is a 3-of-3 `threshold` over the 3 keys (so every signature must be checked). The
//       evidence is in memory (ImageEvidence), as the evaluator's in-process entry point takes it:
//       the scope lookup, identity rules, key cache, signature checks and the decision record are
//       all inside the measured loop.
//   "raw: 3000 signature verifications":
//       the same 3,000 signatures checked one by one with SimpleSigningVerifier (OpenPGP
//       verification, claim parsing, digest and identity check) against a keyring of the same 3
//       keys: what the evaluation costs without the policy.
//
// One iteration = 1,000 images (or 3,000 signatures). Goal: policy time <= raw time / 0.9, i.e.
// the evaluation runs at no less than 0.9 of the raw verification rate.
//
//     cd Benchmarks/SigningBenchmarks && swift package --allow-writing-to-package-directory benchmark --target PolicyEvaluation
import Benchmark
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import CustodySign
import CustodyStores
import CustodyVerify
import Foundation

/// The images, signatures, keys and policy, made once at start-up.
struct PolicyFixture: @unchecked Sendable {
    static let imageCount = 1000
    static let repository = "registry.example/bench/app"

    let evaluator: PolicyEvaluator
    let images: [(name: ImageName, evidence: ImageEvidence)]
    let verifier: SimpleSigningVerifier
    let signatures: [(message: [UInt8], digest: Digest, identity: ImageReference)]

    init() {
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("custody-policy-bench-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var keys: [OpenPGPSecretKey] = []
            var keyring = OpenPGPKeyring()
            for number in 1...3 {
                let key = try OpenPGPSecretKey.generate(.ed25519, userID: "Bench Signer \(number) <signer\(number)@example.invalid>")
                let armored = try key.armoredPublicKey()
                try Data(armored.utf8).write(to: URL(fileURLWithPath: "\(directory)/signer\(number).pub.asc"))
                keyring.add(try OpenPGPKeyring(bytes: Array(armored.utf8)))
                keys.append(key)
            }
            let policy = """
                {"default": [{"type": "reject"}],
                 "transports": {"docker": {"\(Self.repository)": [{
                   "type": "threshold", "threshold": 3,
                   "signers": {"gpg": {"keyPaths": ["signer1.pub.asc", "signer2.pub.asc", "signer3.pub.asc"]}}
                 }]}}}
                """
            try Data(policy.utf8).write(to: URL(fileURLWithPath: "\(directory)/policy.json"))
            evaluator = try PolicyEvaluator(contentsOfFile: "\(directory)/policy.json")
            verifier = SimpleSigningVerifier(keyring: keyring)

            var images: [(ImageName, ImageEvidence)] = []
            var signatures: [([UInt8], Digest, ImageReference)] = []
            let signers = keys.map { SimpleSigner(key: $0, creator: "custody benchmark") }
            for index in 0..<Self.imageCount {
                let manifest = try Manifest(bytes: Array(Self.manifestJSON(index).utf8), declaredMediaType: .ociManifest)
                let reference = try ImageReference.parseNormalized("\(Self.repository):v\(index)")
                var stored: [StoredSignature] = []
                for (number, signer) in signers.enumerated() {
                    let message = try signer.sign(manifestDigest: manifest.digest, identity: reference.description)
                    stored.append(.blob(message, location: "signature-\(number + 1)"))
                    signatures.append((message, manifest.digest, reference))
                }
                images.append((.docker(reference), ImageEvidence(root: .init(manifest: manifest, signatures: stored))))
            }
            self.images = images
            self.signatures = signatures
            try? FileManager.default.removeItem(atPath: directory + "/unused")
            // Fail at start-up, not inside the measured loop.
            precondition(evaluator.evaluate(image: images[0].0, evidence: images[0].1).isAllowed, "the fixture image is not allowed")
        } catch {
            fatalError("setting up the policy fixture failed: \(error)")
        }
    }

    /// A small OCI manifest, different for every index.
    static func manifestJSON(_ index: Int) -> String {
        let config = String(format: "%064x", index)
        let layer = String(format: "%064x", index + 1_000_000)
        return #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(config)","size":1234},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:\#(layer)","size":5678}]}"#
    }
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.throughput, .wallClock],
        timeUnits: .milliseconds,
        warmupIterations: 2,
        scalingFactor: .one,
        maxDuration: .seconds(20),
        maxIterations: 50
    )
    let fixture = PolicyFixture()

    Benchmark("policy: 1000 images x 3 signatures", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            for image in fixture.images {
                let decision = fixture.evaluator.evaluate(image: image.name, evidence: image.evidence)
                precondition(decision.isAllowed)
                blackHole(decision)
            }
        }
    }

    Benchmark("raw: 3000 signature verifications", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations {
            for signature in fixture.signatures {
                let verdict = fixture.verifier.verify(signature.message, manifestDigest: signature.digest, identity: .exact(signature.identity))
                guard case .accepted = verdict else { preconditionFailure("a benchmark signature was rejected") }
                blackHole(verdict)
            }
        }
    }
}
