// TrustPolicySource: the policy file and the key files it names are watched; the policy
// generation goes up only when the policy's bytes change, the trust generation only when the
// key files' bytes (or the set of files) change; a broken policy keeps the last good one and
// says why in lastError until it is fixed.
//
// Every rewrite below changes the file's size or waits a little first, so that the file's
// identity (inode, size, mtime with nanoseconds) differs even on a coarse clock.

import CustodyAdmission
import CustodyKeys
import CustodyOCI
import CustodyPolicy
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

@Suite("TrustPolicySource: reloading the policy and its keys")
struct TrustPolicySourceTests {
    /// A folder with `key.pub` (a P-256 public key, PEM), `other.pub` and `policy.json` requiring
    /// a sigstore signature by `key.pub`.
    struct Setup {
        let directory: TemporaryDirectory
        var policyPath: String { directory.file("policy.json") }
        var keyPath: String { directory.file("key.pub") }
        var otherKeyPath: String { directory.file("other.pub") }

        init() throws {
            directory = try TemporaryDirectory()
            try directory.write(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation, to: "key.pub")
            try directory.write(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation, to: "other.pub")
            try write(policy)
        }

        /// The policy requiring a signature by `key.pub`.
        var policy: String {
            #"{"default":[{"type":"reject"}],"transports":{"docker":{"registry.example":[{"type":"sigstoreSigned","keyPath":"\#(keyPath)"}]}}}"#
        }

        /// The same requirement, another scope added (other bytes, same key files).
        var changedPolicy: String {
            #"{"default":[{"type":"reject"}],"transports":{"docker":{"registry.example":[{"type":"sigstoreSigned","keyPath":"\#(keyPath)"}],"quay.example":[{"type":"reject"}]}}}"#
        }

        /// A policy naming `other.pub` instead.
        var otherKeyPolicy: String {
            #"{"default":[{"type":"reject"}],"transports":{"docker":{"registry.example":[{"type":"sigstoreSigned","keyPath":"\#(otherKeyPath)"}]}}}"#
        }

        func write(_ text: String) throws {
            // A short pause first: the file's identity must change even when the size does not.
            Thread.sleep(forTimeInterval: 0.01)
            try directory.write(text, to: "policy.json")
        }

        func writeKey(_ text: String, to name: String = "key.pub") throws {
            Thread.sleep(forTimeInterval: 0.01)
            try directory.write(text, to: name)
        }
    }

    @Test("loading: both generations start at 1, with the policy's path and SHA-256")
    func initial() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let current = source.current
        #expect(source.path == setup.policyPath)
        #expect(current.policy.generation == 1)
        #expect(current.trust.generation == 1)
        #expect(current.policy.path == setup.policyPath)
        #expect(current.policy.sha256 == Digest.compute(Array(setup.policy.utf8)))
        #expect(current.trust.path == nil)
        #expect(current.evaluator.policy.trustFilePaths == [setup.keyPath])
        #expect(current.evaluator.policyFile.path == setup.policyPath)
        #expect(source.lastError == nil)
    }

    @Test("the trust digest covers the key files' bytes: another key, another digest")
    func trustDigest() throws {
        let one = try Setup()
        let two = try Setup()
        defer {
            one.directory.remove()
            two.directory.remove()
        }
        let first = try TrustPolicySource(path: one.policyPath).current.trust.sha256
        #expect(try TrustPolicySource(path: one.policyPath).current.trust.sha256 == first)
        #expect(try TrustPolicySource(path: two.policyPath).current.trust.sha256 != first)
    }

    @Test("a policy that cannot be read or parsed fails to load with a configuration error")
    func initFailures() throws {
        try withTemporaryDirectorySync { directory in
            let bad = try directory.write(#"{"default":[{"type":"nonsense"}]}"#, to: "bad.json")
            do throws(AdmissionError) {
                _ = try TrustPolicySource(path: bad)
                Issue.record("an invalid policy loaded")
            } catch {
                #expect(error.code == .configuration)
            }
            do throws(AdmissionError) {
                _ = try TrustPolicySource(path: directory.file("missing.json"))
                Issue.record("a missing policy loaded")
            } catch {
                #expect(error.code == .configuration)
            }
            let good = try directory.write(#"{"default":[{"type":"reject"}]}"#, to: "good.json")
            #expect(try TrustPolicySource(path: good).current.policy.generation == 1)
        }
    }

    @Test("refresh with nothing changed: false, generations unchanged")
    func unchanged() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        #expect(source.refresh() == false)
        #expect(source.refresh() == false)
        #expect(source.current.policy.generation == 1)
        #expect(source.current.trust.generation == 1)
        #expect(source.lastError == nil)
    }

    @Test("rewriting the policy with identical bytes changes nothing")
    func identicalRewrite() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let before = source.current.policy
        try setup.write(setup.policy)
        #expect(source.refresh() == false)
        #expect(source.current.policy == before)
        #expect(source.current.trust.generation == 1)
        // Rewriting a key file with identical bytes changes nothing either.
        try setup.writeKey(String(decoding: try setup.directory.read("key.pub"), as: UTF8.self))
        #expect(source.refresh() == false)
        #expect(source.current.trust.generation == 1)
    }

    @Test("changing the policy: policy generation 2, trust generation unchanged")
    func policyChanged() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let trust = source.current.trust
        try setup.write(setup.changedPolicy)
        #expect(source.refresh() == true)
        #expect(source.current.policy.generation == 2)
        #expect(source.current.policy.sha256 == Digest.compute(Array(setup.changedPolicy.utf8)))
        #expect(source.current.trust == trust)
        #expect(source.current.evaluator.policy.transports.first?.scopes.count == 2)
        // Seen once: the next refresh changes nothing.
        #expect(source.refresh() == false)
        #expect(source.current.policy.generation == 2)
        // Going back to the first bytes is another change.
        try setup.write(setup.policy)
        #expect(source.refresh() == true)
        #expect(source.current.policy.generation == 3)
    }

    @Test("changing a key file's bytes: trust generation 2, policy generation unchanged")
    func keyChanged() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let policy = source.current.policy
        let trust = source.current.trust
        try setup.writeKey(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation)
        #expect(source.refresh() == true)
        #expect(source.current.trust.generation == 2)
        #expect(source.current.trust.sha256 != trust.sha256)
        #expect(source.current.policy == policy)
        #expect(source.refresh() == false)
        #expect(source.current.trust.generation == 2)
    }

    @Test("a key file not named by the policy is not watched")
    func unrelatedKey() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try setup.writeKey(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation, to: "other.pub")
        #expect(source.refresh() == false)
        #expect(source.current.trust.generation == 1)
    }

    @Test("a policy naming other key files: both generations go up")
    func otherKeyFiles() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try setup.write(setup.otherKeyPolicy)
        #expect(source.refresh() == true)
        #expect(source.current.policy.generation == 2)
        #expect(source.current.trust.generation == 2)
        #expect(source.current.evaluator.policy.trustFilePaths == [setup.otherKeyPath])
        // Now other.pub is watched and key.pub is not.
        try setup.writeKey(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation, to: "key.pub")
        #expect(source.refresh() == false)
        try setup.writeKey(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation, to: "other.pub")
        #expect(source.refresh() == true)
        #expect(source.current.trust.generation == 3)
        #expect(source.current.policy.generation == 2)
    }

    @Test("an invalid policy keeps the old one and sets lastError; fixing it clears lastError")
    func invalidThenFixed() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let before = source.current.policy

        try setup.write(#"{"default":[{"type":"signedBy","keyType":"GPGKeys"}], "#)
        #expect(source.refresh() == false)
        #expect(source.current.policy == before)
        #expect(source.current.evaluator.policy.trustFilePaths == [setup.keyPath])
        let error = try #require(source.lastError)
        #expect(error.contains("keeping the policy loaded before"))
        // Still broken on the next look.
        #expect(source.refresh() == false)
        #expect(source.lastError != nil)

        try setup.write(setup.changedPolicy)
        #expect(source.refresh() == true)
        #expect(source.lastError == nil)
        #expect(source.current.policy.generation == 2)
    }

    @Test("an invalid policy fixed back to the loaded bytes: no new generation, lastError cleared")
    func invalidThenRestored() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try setup.write(#"{"default":[{"type":"reject"}],"default":[]}"#)
        #expect(source.refresh() == false)
        #expect(source.lastError != nil)
        try setup.write(setup.policy)
        #expect(source.refresh() == false)
        #expect(source.lastError == nil)
        #expect(source.current.policy.generation == 1)
        #expect(source.current.trust.generation == 1)
    }

    @Test("a deleted policy file keeps the old policy and sets lastError")
    func deletedPolicy() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try FileManager.default.removeItem(atPath: setup.policyPath)
        #expect(source.refresh() == false)
        #expect(source.lastError != nil)
        #expect(source.current.policy.generation == 1)
        try setup.write(setup.policy)
        #expect(source.refresh() == false)
        #expect(source.lastError == nil)
    }

    @Test("a key file that goes missing: trust generation up and lastError; back again: up again, cleared")
    func missingKey() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        let original = try setup.directory.read("key.pub")
        try FileManager.default.removeItem(atPath: setup.keyPath)
        #expect(source.refresh() == true)
        #expect(source.current.trust.generation == 2)
        #expect(source.current.policy.generation == 1)
        let error = try #require(source.lastError)
        #expect(error.contains(setup.keyPath))
        #expect(source.refresh() == false)
        #expect(source.lastError != nil)

        try setup.directory.write(original, to: "key.pub")
        #expect(source.refresh() == true)
        #expect(source.current.trust.generation == 3)
        #expect(source.lastError == nil)
    }

    @Test("a key file changed while the policy file is broken is seen: the trust generation goes up")
    func keyChangedWhilePolicyBroken() throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try setup.write("{ not a policy")
        #expect(source.refresh() == false)
        // The key the loaded policy trusts is replaced (a rotation after a compromise).
        try setup.writeKey(try PrivateKey.generate(.ecdsaP256).publicKey.pemRepresentation)
        source.refresh()
        #expect(source.current.trust.generation == 2)
        #expect(source.lastError != nil)
    }

    @Test("concurrent refreshes of one change count it once")
    func concurrentRefresh() async throws {
        let setup = try Setup()
        defer { setup.directory.remove() }
        let source = try TrustPolicySource(path: setup.policyPath)
        try setup.write(setup.changedPolicy)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { source.refresh() } }
        }
        source.refresh()
        #expect(source.current.policy.generation == 2)
    }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards.
func withTemporaryDirectorySync<T>(_ body: (TemporaryDirectory) throws -> T) throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try body(directory)
}
