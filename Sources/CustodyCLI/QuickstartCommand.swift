import ArgumentParser
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import CustodySign
import CustodyStores
import CustodyVerify
import Foundation

/// `custody quickstart`: the whole sign-and-verify loop on embedded defaults, in a temporary directory.
struct QuickstartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Make an image, a key and a signature, verify it, show tampering being caught, then require two signers.",
        discussion: "Needs no network, no registry and no other tool. Everything is written to a temporary directory."
    )

    @Flag(name: .long, help: "Keep the temporary directory and print its path.") var keep = false

    func run() async throws {
        let console = Console.current
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("custody-quickstart-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(atPath: root) } }
        let identity = try ImageReference.parseNormalized("custody-quickstart:latest")

        console.line("1. Make an image")
        let layout = root + "/image"
        let original = try await SampleImage.write(
            to: try OCILayoutDestination(path: layout, referenceName: "latest"), fileName: "hello.txt", content: "Hello from Custody\n")
        console.line("   oci:\(layout):latest, manifest \(original.digest)")

        console.line("2. Generate an OpenPGP key")
        let key = try OpenPGPSecretKey.generate(.ed25519, userID: "Custody Quickstart <quickstart@example.invalid>")
        let publicKeyPath = root + "/quickstart.pub.asc"
        try Data(try key.armoredPublicKey().utf8).write(to: URL(fileURLWithPath: publicKeyPath))
        console.line("   Ed25519 key \(key.fingerprint), public key \(publicKeyPath)")

        console.line("3. Sign the image as \(identity)")
        let store = try LookasideStore(base: "file://" + root + "/lookaside")
        let signer = SimpleSigner(key: key, creator: "custody \(CustodyVersion.current)")
        let source = try ImageName.ociLayout(path: layout, selector: .name("latest")).openLocalSource()
        let written = try await signer.signImage(source, identity: identity, store: store)
        for entry in written { console.line("   signature stored at \(entry.location)") }

        console.line("4. Verify it with the public key")
        let trusted = try OpenPGPKeyring(bytes: Array(try key.armoredPublicKey().utf8))
        let verifier = ImageSignatureVerifier(simpleSigning: SimpleSigningVerifier(keyring: trusted), cosign: nil)
        let first = try await verifier.verify(source, identity: identity, stores: [store])
        try report(first, expectAccepted: true)

        console.line("5. Tamper: replace the layer and reuse the old signature")
        let tampered = try await SampleImage.write(
            to: try OCILayoutDestination(path: layout, referenceName: "latest"), fileName: "hello.txt", content: "Hello from an attacker\n")
        console.line("   oci:\(layout):latest now has manifest \(tampered.digest)")
        for stored in try await store.signatures(for: original.digest, reference: identity) {
            if let bytes = stored.bytes { _ = try await store.append(bytes, for: tampered.digest, reference: identity) }
        }
        try report(try await verifier.verify(source, identity: identity, stores: [store]), expectAccepted: false)

        console.line("6. Tamper: sign the altered image with a key that is not trusted")
        let intruder = try OpenPGPSecretKey.generate(.ed25519, userID: "Intruder <intruder@example.invalid>")
        _ = try await SimpleSigner(key: intruder, creator: "intruder").signImage(source, identity: identity, store: store)
        try report(try await verifier.verify(source, identity: identity, stores: [store]), expectAccepted: false)

        console.line("7. Require two signers: a 2-of-2 threshold policy")
        let genuine = try await SampleImage.write(
            to: try OCILayoutDestination(path: layout, referenceName: "latest"), fileName: "hello.txt", content: "Hello from Custody\n")
        console.line("   oci:\(layout):latest is back to manifest \(genuine.digest)")
        let second = try OpenPGPSecretKey.generate(.ed25519, userID: "Custody Quickstart Release <release@example.invalid>")
        let secondKeyPath = root + "/release.pub.asc"
        try Data(try second.armoredPublicKey().utf8).write(to: URL(fileURLWithPath: secondKeyPath))
        let policyPath = root + "/policy.json"
        try Data(Self.twoOfTwoPolicy(identity: identity, keys: ["quickstart.pub.asc", "release.pub.asc"]).utf8).write(to: URL(fileURLWithPath: policyPath))
        console.line("   \(policyPath): 2 distinct keys of [\(key.fingerprint), \(second.fingerprint)] must sign \(identity)")
        let evaluator = try PolicyEvaluator(contentsOfFile: policyPath)
        let name = ImageName.ociLayout(path: layout, selector: .name("latest"))
        // The first key's genuine signature is still in the lookaside; a second one by the same key counts once.
        _ = try await signer.signImage(source, identity: identity, store: store)
        try await decide(evaluator, name: name, source: source, store: store, identity: identity, expectAllowed: false)
        console.line("   the second signer signs")
        _ = try await SimpleSigner(key: second, creator: "custody \(CustodyVersion.current)").signImage(source, identity: identity, store: store)
        try await decide(evaluator, name: name, source: source, store: store, identity: identity, expectAllowed: true)

        console.line("Done: the genuine signature was accepted; the replayed and the untrusted ones were rejected; two signers were needed.")
        if keep { console.line("Files kept in \(root)") }
    }

    /// The policy of step 7: the `oci` transport's default scope needs two distinct keys, each
    /// signing `identity`; anything else is rejected.
    static func twoOfTwoPolicy(identity: ImageReference, keys: [String]) -> String {
        let paths = keys.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            {
              "default": [{"type": "reject"}],
              "transports": {
                "oci": {
                  "": [{
                    "type": "threshold",
                    "description": "release needs both the build key and the release key",
                    "threshold": 2,
                    "signers": {"gpg": {"keyPaths": [\(paths)]}},
                    "signedIdentity": {"type": "exactReference", "dockerReference": "\(identity)"}
                  }]
                }
              }
            }

            """
    }

    /// Decides the image under the policy, prints the threshold's report, and checks the outcome.
    private func decide(
        _ evaluator: PolicyEvaluator, name: ImageName, source: any ImageSource, store: any SignatureStore, identity: ImageReference, expectAllowed: Bool
    ) async throws {
        let decision = await evaluator.evaluate(image: name, source: source, stores: [store], readsImageSignatures: false, storeReference: identity)
        for platform in decision.platforms {
            for requirement in platform.requirements {
                Console.current.line("   \(requirement.type): \(requirement.outcome): \(requirement.reason)")
            }
        }
        Console.current.line("   decision: \(decision.outcome)")
        guard decision.isAllowed == expectAllowed else {
            throw ValidationError("quickstart: expected the policy to \(expectAllowed ? "allow" : "deny") the image: \(decision.reasons.joined(separator: "; "))")
        }
    }

    /// Prints each signature's verdict and checks the demo went as expected.
    private func report(_ result: ImageVerificationReport, expectAccepted: Bool) throws {
        for target in result.targets {
            for (location, signature) in target.accepted {
                Console.current.line("   accepted \(URL(fileURLWithPath: location).lastPathComponent): signed by \(signature.signer) as \(signature.dockerReference)")
            }
            for (location, rejection) in target.rejected {
                Console.current.line("   rejected \(URL(fileURLWithPath: location).lastPathComponent): \(rejection.reason)")
            }
        }
        Console.current.line("   decision: \(result.isAccepted ? "accepted" : "denied")")
        guard result.isAccepted == expectAccepted else {
            throw ValidationError("quickstart: expected the image to be \(expectAccepted ? "accepted" : "denied")")
        }
    }
}
