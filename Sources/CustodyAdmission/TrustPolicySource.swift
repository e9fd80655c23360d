import CustodyOCI
import CustodyPolicy
import CustodyVerify
import Foundation
import Synchronization

/// The policy a long-running enforcer decides with, reloaded when its file or any key file it
/// names changes, with generations that tell cached decisions apart.
///
/// - The **policy generation** goes up when the policy file's bytes change (a rewrite with the
///   same bytes changes nothing).
/// - The **trust generation** goes up when the bytes of the key files the policy names change, or
///   the set of files does.
///
/// A cached decision is keyed by both, so a reload invalidates every decision made before it at
/// once, with nothing to sweep. ``refresh()`` compares file identities (`stat`) and reads a file
/// only when its identity changed, so calling it often is cheap.
///
/// A policy that no longer parses, or a key file that can no longer be read, does not replace the
/// loaded policy: the webhook keeps deciding with the last good one, and ``lastError`` (reported
/// by `/healthz` and a metric) says what is wrong. A key file that goes missing while its policy
/// stays makes decisions needing it "could not evaluate", which denies.
public final class TrustPolicySource: Sendable {
    /// The loaded policy and what identifies it.
    public struct Snapshot: Sendable {
        public let evaluator: PolicyEvaluator
        public let policy: AdmissionRecord.Generation
        public let trust: AdmissionRecord.Generation
    }

    /// The policy file, as an absolute path.
    public let path: String

    private struct State {
        var snapshot: Snapshot
        var policyIdentity: FileIdentity?
        var trustIdentities: [String: FileIdentity?]
        var lastError: String?
    }

    private let state: Mutex<State>
    private let reloading = Mutex(false)

    /// Loads the policy at `path` and hashes the key files it names.
    /// - Throws: ``AdmissionError/Code/configuration`` when the policy cannot be read or parsed.
    public init(path given: String) throws(AdmissionError) {
        // Absolute, so that audit records name the file wherever they are replayed from.
        let path = given.hasPrefix("/") ? given : FileManager.default.currentDirectoryPath + "/" + given
        self.path = path
        let identity = FileIdentity(path: path)
        let (evaluator, digest) = try Self.load(path)
        let files = evaluator.policy.trustFilePaths
        // Identities first, then contents: a change in between is seen by the next refresh.
        let identities = Dictionary(uniqueKeysWithValues: files.map { ($0, FileIdentity(path: $0)) })
        let trustDigest = Self.trustDigest(files)
        let snapshot = Snapshot(
            evaluator: evaluator, policy: .init(path: path, sha256: digest, generation: 1), trust: .init(path: nil, sha256: trustDigest, generation: 1))
        state = Mutex(State(snapshot: snapshot, policyIdentity: identity, trustIdentities: identities, lastError: nil))
    }

    /// The policy in force now.
    public var current: Snapshot { state.withLock { $0.snapshot } }

    /// Why the last reload failed, or nil when the loaded policy is the file's current content.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Checks the policy file and the key files, and reloads what changed.
    /// - Returns: whether a generation changed.
    @discardableResult
    public func refresh() -> Bool {
        // One reload at a time; a caller arriving during one leaves it to finish.
        guard reloading.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) else { return false }
        defer { reloading.withLock { $0 = false } }

        let (snapshot, policyIdentity, trustIdentities) = state.withLock { ($0.snapshot, $0.policyIdentity, $0.trustIdentities) }
        let newPolicyIdentity = FileIdentity(path: path)
        var evaluator = snapshot.evaluator
        var policy = snapshot.policy
        var changed = false
        var loadError: String?
        if newPolicyIdentity != policyIdentity || newPolicyIdentity == nil {
            do {
                let (loaded, digest) = try Self.load(path)
                if digest != policy.sha256 {
                    evaluator = loaded
                    policy = .init(path: path, sha256: digest, generation: policy.generation + 1)
                    changed = true
                }
            } catch {
                // The policy in force stays, and so does watching its key files.
                loadError = "keeping the policy loaded before: \(error.reason)"
            }
        }
        let files = evaluator.policy.trustFilePaths
        let identities = Dictionary(uniqueKeysWithValues: files.map { ($0, FileIdentity(path: $0)) })
        var trust = snapshot.trust
        if changed || identities != trustIdentities {
            let digest = Self.trustDigest(files)
            if digest != trust.sha256 {
                trust = .init(path: nil, sha256: digest, generation: trust.generation + 1)
                changed = true
            }
        }
        let missing = files.filter { identities[$0] == nil || identities[$0]! == nil }
        state.withLock { state in
            state.snapshot = Snapshot(evaluator: evaluator, policy: policy, trust: trust)
            // A policy file that does not load is looked at again on every refresh.
            state.policyIdentity = loadError == nil ? newPolicyIdentity : nil
            state.trustIdentities = identities
            state.lastError = loadError ?? (missing.isEmpty ? nil : "key files cannot be read: \(missing.joined(separator: ", "))")
        }
        return changed
    }

    private static func load(_ path: String) throws(AdmissionError) -> (PolicyEvaluator, Digest) {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: PolicyDocument.maxBytes)
        } catch {
            throw AdmissionError(.configuration, "reading policy \(path): \(error)")
        }
        do {
            return (try PolicyEvaluator(policyBytes: bytes, path: path), Digest.compute(bytes))
        } catch {
            throw AdmissionError(.configuration, error.reason)
        }
    }

    /// SHA-256 over each file's path and bytes (a file that cannot be read counts as its path and
    /// a marker, so that it coming back changes the digest).
    private static func trustDigest(_ files: [String]) -> Digest {
        var all: [UInt8] = []
        for file in files {
            all += Array(file.utf8) + [0]
            if let bytes = try? FileReader.readAll(path: file, limit: 16 * 1024 * 1024) {
                all += Array(String(bytes.count).utf8) + [0] + bytes
            } else {
                all += Array("unreadable".utf8) + [0]
            }
        }
        return Digest.compute(all)
    }
}
