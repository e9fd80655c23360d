// PolicyEvaluator over whole images: per-platform decisions for an index (instance signatures,
// index signatures with and without `custody.indexSignaturesCoverInstances`), real `dir:` images
// read from disk (Samples/hello copied with ImageCopier, signatures appended with
// DirectoryDestination), identity rules through the evaluator (remapIdentity, exactReference on
// dir:), and every "could not evaluate": missing key file, unreadable store, unreadable
// signature, unreadable image.

import CustodyFormats
import CustodyOCI
import CustodyOpenPGP
import CustodyPolicy
import CustodyStores
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

/// A signature store that cannot be read at all.
struct UnreachableStore: SignatureStore {
    var description: String { "lookaside https://unreachable.example" }

    func signatures(for manifestDigest: Digest, reference: ImageReference?) async throws -> [StoredSignature] {
        throw StoreError(code: .unreadable, reason: "reading https://unreachable.example/signature-1: connection refused")
    }

    func append(_ signature: [UInt8], for manifestDigest: Digest, reference: ImageReference?) async throws -> String {
        throw StoreError(code: .notWritable, reason: "not writable")
    }
}

@Suite("PolicyEvaluator: indexes, dir: images, identities, failures")
struct PolicyEvaluatorImageTests {
    typealias F = PolicyFixtures

    static let signedByA = #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg"}"#
    static let amd64 = Platform(os: "linux", architecture: "amd64")
    static let arm64 = Platform(os: "linux", architecture: "arm64", variant: "v8")

    /// An index of two instances, with signatures for each part.
    private func indexEvidence(index: [[UInt8]], amd64: [[UInt8]], arm64: [[UInt8]]) throws -> ImageEvidence {
        let first = try F.imageManifest("amd64"), second = try F.imageManifest("arm64")
        let root = try F.index([(first, Self.amd64), (second, Self.arm64)])
        return ImageEvidence(
            root: .init(manifest: root, signatures: F.stored(index, prefix: "index ")),
            instances: [
                .init(manifest: first, platform: Self.amd64, signatures: F.stored(amd64, prefix: "amd64 ")),
                .init(manifest: second, platform: Self.arm64, signatures: F.stored(arm64, prefix: "arm64 ")),
            ])
    }

    @Test("an index: each platform manifest is decided with its own signatures")
    func instanceSignatures() throws {
        let amd64 = try F.imageManifest("amd64").digest, arm64 = try F.imageManifest("arm64").digest
        let evaluator = try F.evaluator(default: Self.signedByA)
        let evidence = try indexEvidence(index: [], amd64: [F.simple(0, amd64)], arm64: [F.simple(0, arm64)])
        let decision = evaluator.evaluate(image: try F.image(), evidence: evidence, now: F.now)
        #expect(decision.outcome == .allowed)
        #expect(decision.image.digest == evidence.root.manifest.digest)
        #expect(decision.platforms.map(\.digest) == [amd64, arm64])
        #expect(decision.platforms.map(\.platform) == [Self.amd64, Self.arm64])
        #expect(decision.platforms.allSatisfy { !$0.indexSignaturesCounted })

        // One platform unsigned: that platform, and so the image, is denied.
        let half = try indexEvidence(index: [], amd64: [F.simple(0, amd64)], arm64: [])
        let denied = evaluator.evaluate(image: try F.image(), evidence: half, now: F.now)
        #expect(denied.outcome == .denied)
        #expect(denied.platforms.map(\.outcome) == [.allowed, .denied])
        #expect(denied.reasons == ["linux/arm64/v8 (\(arm64)): $.default[0] signedBy: A signature was required, but no signature exists"])
    }

    @Test("an index signature alone covers no instance (containers/image), unless the policy says so")
    func indexSignatures() throws {
        let root = try indexEvidence(index: [], amd64: [], arm64: []).root.manifest
        let signedIndex = try indexEvidence(index: [F.simple(0, root.digest)], amd64: [], arm64: [])
        let strict = try F.evaluator(default: Self.signedByA).evaluate(image: try F.image(), evidence: signedIndex, now: F.now)
        #expect(strict.outcome == .denied)
        #expect(strict.platforms.map { $0.requirements[0].reason } == Array(repeating: "A signature was required, but no signature exists", count: 2))

        let covering = try F.evaluator(#"{"default":[\#(Self.signedByA)],"custody":{"indexSignaturesCoverInstances":true}}"#)
        let covered = covering.evaluate(image: try F.image(), evidence: signedIndex, now: F.now)
        #expect(covered.outcome == .allowed)
        #expect(covered.platforms.allSatisfy { $0.indexSignaturesCounted })
        for platform in covered.platforms {
            let signature = platform.requirements[0].signatures[0]
            #expect(signature.fromIndex)
            #expect(signature.location == "index signature-1")
            #expect(signature.outcome == .accepted)
        }
        // An instance signature presented as the index's does not name the index digest.
        let amd64 = try F.imageManifest("amd64").digest
        let misplaced = try indexEvidence(index: [F.simple(0, amd64)], amd64: [], arm64: [])
        #expect(covering.evaluate(image: try F.image(), evidence: misplaced, now: F.now).outcome == .denied)
    }

    /// Samples/hello (an index of two platforms) copied into a `dir:` image.
    private func helloDirectory(in folder: TemporaryDirectory) async throws -> (path: String, tree: ImageTree) {
        let source = try ImageName(parsing: "oci:\(Fixtures.repositoryRoot)/Samples/hello:latest").openLocalSource()
        let path = folder.file("hello")
        try await ImageCopier.copy(from: source, to: try DirectoryDestination(path: path))
        return (path, try await ImageTree.load(from: DirectorySource(path: path)))
    }

    @Test("a dir: image read from disk, signatures from its files or its store; exactReference names the identity")
    func directoryImage() async throws {
        let folder = try TemporaryDirectory()
        let (path, tree) = try await helloDirectory(in: folder)
        let destination = try DirectoryDestination(appendingTo: path)
        for (position, entry) in tree.signableManifests.enumerated() where position > 0 {
            _ = try await destination.appendSignature(try F.simple(0, entry.manifest.digest, identity: "docker.io/library/hello:1"), for: entry.manifest.digest, instance: true)
        }
        let keys = try F.keys().path
        let exact = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"\#(keys)/a.gpg","signedIdentity":{"type":"exactReference","dockerReference":"hello:1"}}"#)
        let image = ImageName.directory(path: path)

        let fromFiles = await exact.evaluate(image: image, source: DirectorySource(path: path), stores: [], readsImageSignatures: true, now: F.now)
        #expect(fromFiles.outcome == .allowed, "\(fromFiles.reasons)")
        #expect(fromFiles.image.transport == "dir")
        #expect(fromFiles.image.reference == nil)
        #expect(fromFiles.platforms.count == 2)
        #expect(fromFiles.platforms[0].requirements[0].signatures[0].location == "dir:\(path) signature-1")

        let fromStore = await exact.evaluate(
            image: image, source: DirectorySource(path: path), stores: [DirectorySignatureStore(path: path)], readsImageSignatures: false, now: F.now)
        #expect(fromStore.outcome == .allowed, "\(fromStore.reasons)")
        #expect(fromStore.platforms[0].requirements[0].signatures[0].location.hasPrefix(path + "/"))

        // The default rule needs the image's own Docker reference, which a dir: image lacks.
        let byDefault = try await F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"\#(keys)/a.gpg"}"#)
            .evaluate(image: image, source: DirectorySource(path: path), stores: [], readsImageSignatures: true, now: F.now)
        #expect(byDefault.outcome == .denied)
        #expect(byDefault.platforms[0].requirements[0].reason.contains("the image has no Docker reference to compare with"))

        // A dir: scope by path applies to the image.
        let scoped = try F.evaluator(#"{"default":[{"type":"reject"}],"transports":{"dir":{"\#(folder.path)":[{"type":"insecureAcceptAnything"}]}}}"#)
        let inScope = await scoped.evaluate(image: image, source: DirectorySource(path: path), stores: [], readsImageSignatures: true, now: F.now)
        #expect(inScope.outcome == .allowed)
        #expect(inScope.scope?.transport == "dir")
    }

    @Test("remapIdentity: a mirror's image accepts signatures made for the upstream name")
    func remapIdentity() throws {
        let manifest = try F.imageManifest("app")
        let signature = try F.simple(0, manifest.digest, identity: "registry.example/team/app:1.0")
        let remap = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"a.gpg","signedIdentity":{"type":"remapIdentity","prefix":"mirror.example/team","signedPrefix":"registry.example/team"}}"#)
        let mirror = try F.image("docker://mirror.example/team/app:1.0")
        #expect(remap.evaluate(image: mirror, evidence: F.single(manifest, [signature]), now: F.now).outcome == .allowed)
        let plain = try F.evaluator(default: Self.signedByA)
        let denied = plain.evaluate(image: mirror, evidence: F.single(manifest, [signature]), now: F.now)
        #expect(denied.outcome == .denied)
        #expect(denied.requirement(0).signatures[0].reason.hasPrefix("Signature for identity \"registry.example/team/app:1.0\" is not accepted"))
    }

    @Test("a missing key file: that requirement could not be evaluated, with the I/O error")
    func missingKeyFile() throws {
        let manifest = try F.imageManifest("app")
        let decision = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPaths":["a.gpg","missing.gpg"]}"#)
            .evaluate(image: try F.image(), evidence: F.single(manifest, [try F.simple(0, manifest.digest)]), now: F.now)
        #expect(decision.outcome == .couldNotEvaluate)
        #expect(decision.requirement(0).outcome == .couldNotEvaluate)
        #expect(decision.requirement(0).reason.hasPrefix("cannot read key file: "))
        #expect(decision.requirement(0).reason.contains("missing.gpg"))
        #expect(decision.requirement(0).reason.contains("No such file or directory"))
        #expect(decision.reasons[0].hasPrefix("$.default[0] signedBy: cannot read key file"))
    }

    @Test("key files without keys: No public keys imported; a bad file next to a good one is ignored and noted")
    func keyFilesWithoutKeys() throws {
        let manifest = try F.imageManifest("app")
        let evidence = F.single(manifest, [try F.simple(0, manifest.digest)])
        let nothing = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"garbage.gpg"}"#).evaluate(image: try F.image(), evidence: evidence, now: F.now)
        #expect(nothing.outcome == .couldNotEvaluate)
        #expect(nothing.requirement(0).reason.hasPrefix("No public keys imported (\(try F.keys().path)/garbage.gpg: "))
        let mixed = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPaths":["garbage.gpg","a.gpg"]}"#).evaluate(image: try F.image(), evidence: evidence, now: F.now)
        #expect(mixed.outcome == .allowed)
        #expect(mixed.requirement(0).reason.contains("(ignored: \(try F.keys().path)/garbage.gpg: "))
        let pem = try F.evaluator(default: #"{"type":"sigstoreSigned","keyPaths":["p1.pub","a.gpg"]}"#).evaluate(image: try F.image(), evidence: evidence, now: F.now)
        #expect(pem.outcome == .couldNotEvaluate)
        #expect(pem.requirement(0).reason.hasPrefix("cannot load public key \(try F.keys().path)/a.gpg: "))
    }

    @Test("a key file replaced on disk takes effect at the next evaluation by the same evaluator")
    func keyFileReplaced() throws {
        let folder = try TemporaryDirectory()
        try folder.write(try F.gpg(0).armoredPublicKey(), to: "trusted.gpg")
        let evaluator = try F.evaluator(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"trusted.gpg"}"#, folder: folder.path)
        let manifest = try F.imageManifest("app")
        let evidence = F.single(manifest, [try F.simple(1, manifest.digest)])
        #expect(evaluator.evaluate(image: try F.image(), evidence: evidence, now: F.now).outcome == .denied)
        #expect(evaluator.evaluate(image: try F.image(), evidence: evidence, now: F.now).outcome == .denied)
        try folder.write(try F.gpg(1).armoredPublicKey(), to: "trusted.gpg")
        let after = evaluator.evaluate(image: try F.image(), evidence: evidence, now: F.now)
        #expect(after.outcome == .allowed)
        #expect(after.requirement(0).trustedKeys == [try F.name(gpg: 1)])
    }

    @Test("an unreadable store: the image could not be evaluated")
    func unreadableStore() async throws {
        let folder = try TemporaryDirectory()
        let (path, _) = try await helloDirectory(in: folder)
        let decision = try await F.evaluator(default: Self.signedByA).evaluate(
            image: .directory(path: path), source: DirectorySource(path: path), stores: [UnreachableStore()], readsImageSignatures: true, now: F.now)
        #expect(decision.outcome == .couldNotEvaluate)
        #expect(decision.platforms.isEmpty)
        #expect(decision.reasons == ["could not read the image or its signatures: reading https://unreachable.example/signature-1: connection refused"])
        #expect(decision.scope == PolicyDecision.Scope(transport: nil, scope: nil, path: "$.default"))
    }

    @Test("an unreadable image: could not evaluate, unless the scope denies whatever the image holds")
    func unreadableImage() async throws {
        let folder = try TemporaryDirectory()
        let image = ImageName.directory(path: folder.file("absent"))
        let accept = try await F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#)
            .evaluate(image: image, source: DirectorySource(path: folder.file("absent")), stores: [], now: F.now)
        #expect(accept.outcome == .couldNotEvaluate)
        #expect(accept.reasons[0].hasPrefix("could not read the image or its signatures: "))
        let reject = try await F.evaluator(default: #"{"type":"insecureAcceptAnything"}"#, #"{"type":"reject"}"#)
            .evaluate(image: image, source: DirectorySource(path: folder.file("absent")), stores: [], now: F.now)
        #expect(reject.outcome == .denied)
        #expect(reject.reasons.first == "$.default[1] reject: Running image \(image) is rejected by policy.")
    }

    @Test("an unreadable signature: could not evaluate when nothing else satisfies the requirement; harmless otherwise")
    func unreadableSignature() throws {
        let manifest = try F.imageManifest("app")
        let unreadable = StoredSignature.unreadable(location: "/sigs/signature-2", reason: "permission denied")
        let evaluator = try F.evaluator(default: Self.signedByA)
        let alone = evaluator.evaluate(
            image: try F.image(), evidence: ImageEvidence(root: .init(manifest: manifest, signatures: [.blob(try F.simple(1, manifest.digest), location: "/sigs/signature-1"), unreadable])),
            now: F.now)
        #expect(alone.outcome == .couldNotEvaluate)
        #expect(alone.requirement(0).signatures.map(\.outcome) == [.rejected, .unreadable])
        #expect(alone.requirement(0).reason.contains("/sigs/signature-2: permission denied"))
        let withGood = evaluator.evaluate(
            image: try F.image(), evidence: ImageEvidence(root: .init(manifest: manifest, signatures: [unreadable, .blob(try F.simple(0, manifest.digest), location: "/sigs/signature-3")])),
            now: F.now)
        #expect(withGood.outcome == .allowed)
    }

    @Test("every requirement reports every signature of its manifest, by location, with a reason")
    func everySignatureReported() async throws {
        let manifest = try F.imageManifest("app")
        let blobs = [try F.simple(0, manifest.digest), try F.simple(1, manifest.digest), try await F.cosign(0, manifest.digest), Array("junk".utf8)]
        let evaluator = try F.evaluator(
            default: Self.signedByA, #"{"type":"sigstoreSigned","keyPath":"p1.pub"}"#, PolicyEvaluatorExtensionTests.twoOfThree)
        let decision = evaluator.evaluate(image: try F.image(), evidence: F.single(manifest, blobs), now: F.now)
        for requirement in decision.platforms[0].requirements {
            #expect(requirement.signatures.map(\.location) == ["signature-1", "signature-2", "signature-3", "signature-4"], "\(requirement.path)")
            #expect(requirement.signatures.allSatisfy { !$0.reason.isEmpty })
            #expect(requirement.signatures.map(\.format) == [.simple, .simple, .cosign, .unknown])
        }
    }
}
