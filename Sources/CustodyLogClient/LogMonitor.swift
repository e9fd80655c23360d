import CustodyJSON
import CustodyKeys
import CustodyTransparency
import Foundation

/// Follows a transparency log: verifies every new checkpoint, replays every new entry onto the
/// tree it already trusts, and reports the entries made with watched keys.
///
/// Each ``poll(from:)`` reads the log's checkpoint, checks its signature with the log key, and then
/// rebuilds the new tree from the old one: it loads the right edge of the old tree from the log's
/// tiles (which must give the old, already verified root), appends every new entry read from the
/// entry bundles, and requires the result to be the new signed root. Passing that is stronger than
/// a consistency proof: it shows the new tree extends the old one *with exactly these entries*, so
/// no entry can be hidden from the monitor. Anything else is an ``Alarm``:
/// - a checkpoint for a smaller tree than one already seen (a rollback),
/// - a different root for the same size, or entries that do not lead from the old root to the new
///   one (a fork: the log shows different trees to different readers).
///
/// The monitor keeps no secrets; its ``LogMonitorState`` is what must survive between runs.
public struct LogMonitor: Sendable {
    /// Reads a path relative to the log's base URL (`checkpoint`, `tile/…`); nil for 404.
    public typealias Fetch = @Sendable (String) async throws -> [UInt8]?

    /// Entries whose verifier is one of these keys are reported.
    public let watchedKeys: [PublicKey]
    /// The log's checkpoint key.
    public let logKey: NoteVerifierKey
    /// The checkpoint origin the log must use (the key's name unless given).
    public let origin: String
    private let fetch: Fetch

    /// A monitor of the log read through `fetch`.
    public init(logKey: NoteVerifierKey, origin: String? = nil, watchedKeys: [PublicKey], fetch: @escaping Fetch) {
        self.logKey = logKey
        self.origin = origin ?? logKey.name
        self.watchedKeys = watchedKeys
        self.fetch = fetch
    }

    /// A log misbehaving in a way that only a log operator's mistake or an attack explains.
    public struct Alarm: Error, Sendable, Hashable, CustomStringConvertible {
        /// What was seen.
        public enum Kind: String, Sendable, Hashable {
            /// A signed checkpoint for a smaller tree than one the monitor already verified.
            case rollback
            /// Two different trees for the same size, or new entries that do not extend the old tree.
            case fork
        }

        /// The kind of misbehaviour.
        public let kind: Kind
        /// What exactly was seen, with sizes and roots.
        public let reason: String

        public var description: String { "ALARM (\(kind.rawValue)): \(reason)" }
    }

    /// An entry made by a watched key.
    public struct Match: Sendable, Hashable {
        /// The entry's index in the log.
        public let index: UInt64
        /// The entry's kind (`hashedrekord`).
        public let kind: String
        /// The signed artifact digest, base64, as logged.
        public let digest: String
        /// The watched key's SubjectPublicKeyInfo DER.
        public let key: [UInt8]
    }

    /// What one poll found.
    public struct Report: Sendable {
        /// The state to keep for the next poll (unchanged when nothing new was published).
        public let state: LogMonitorState
        /// Entries by watched keys among the new entries.
        public let matches: [Match]
        /// How many new entries were read.
        public let newEntries: UInt64
    }

    /// Verifies the log's current checkpoint against `state` (nil for a first run, which reads the
    /// whole log) and reads every entry added since.
    ///
    /// - Throws: ``Alarm`` for a rollback or a fork; ``TransparencyError`` for a checkpoint that is
    ///   not signed by the log key, malformed tiles or bundles, or a log that does not serve them;
    ///   what `fetch` throws.
    public func poll(from state: LogMonitorState?) async throws -> Report {
        guard let noteBytes = try await fetch("checkpoint") else {
            throw TransparencyError(code: .invalidCheckpoint, reason: "the log serves no checkpoint")
        }
        let verified = try UntrustedCheckpoint(parsing: noteBytes).verify(logKey: logKey, expectedOrigin: origin)
        let checkpoint = verified.checkpoint
        let new = LogMonitorState(origin: origin, size: checkpoint.size, rootHash: checkpoint.rootHash, checkpoint: String(decoding: noteBytes, as: UTF8.self))
        let old = state ?? LogMonitorState(origin: origin, size: 0, rootHash: .emptyTree, checkpoint: nil)
        if new.size < old.size {
            throw Alarm(
                kind: .rollback,
                reason: "the log signed a checkpoint for \(new.size) entries after one for \(old.size) (root \(old.rootHash.hex))")
        }
        if new.size == old.size {
            guard new.rootHash == old.rootHash else {
                throw Alarm(
                    kind: .fork,
                    reason: "two signed checkpoints for \(new.size) entries with different roots: \(old.rootHash.hex) and \(new.rootHash.hex)")
            }
            return Report(state: state ?? new, matches: [], newEntries: 0)
        }
        var appender = try await appender(for: old)
        var matches: [Match] = []
        var index = old.size
        while index < new.size {
            let bundleIndex = index / UInt64(TileID.fullWidth)
            let bundleStart = bundleIndex * UInt64(TileID.fullWidth)
            let width = UInt16(min(UInt64(TileID.fullWidth), new.size - bundleStart))
            let id = try EntryBundleID(index: bundleIndex, width: width)
            guard let data = try await fetch(id.path) else {
                throw TransparencyError(code: .invalidTile, reason: "the log does not serve \(id.path), which its checkpoint covers")
            }
            let bundle = try EntryBundle(id: id, data: data)
            for (offset, entry) in bundle.entries.enumerated() where bundleStart + UInt64(offset) >= index {
                appender.append(entry: entry)
                if let match = self.match(entry, index: bundleStart + UInt64(offset)) { matches.append(match) }
            }
            index = bundleStart + UInt64(width)
        }
        guard appender.rootHash == new.rootHash else {
            throw Alarm(
                kind: .fork,
                reason: "the \(new.size - old.size) entries the log serves after entry \(old.size) lead from the verified root "
                    + "\(old.rootHash.hex) to \(appender.rootHash.hex), not to the signed root \(new.rootHash.hex)")
        }
        return Report(state: new, matches: matches, newEntries: new.size - old.size)
    }

    /// A tile appender holding the verified old tree, from the log's right-edge tiles.
    private func appender(for old: LogMonitorState) async throws -> TileAppender {
        guard old.size > 0 else { return TileAppender() }
        var tiles: [Tile] = []
        for id in TileID.rightEdge(treeSize: old.size) {
            guard let data = try await fetch(id.path) else {
                throw Alarm(kind: .fork, reason: "the log no longer serves \(id.path) of the tree of \(old.size) entries it signed")
            }
            tiles.append(try Tile(id: id, data: data))
        }
        let appender = try TileAppender(treeSize: old.size, rightEdge: tiles)
        guard appender.rootHash == old.rootHash else {
            throw Alarm(
                kind: .fork,
                reason: "the log's tiles for its tree of \(old.size) entries give root \(appender.rootHash.hex), "
                    + "not the verified \(old.rootHash.hex)")
        }
        return appender
    }

    /// The match for `entry` when a watched key made it. Entries that are not hashedrekord JSON
    /// are not matches (they are still part of the replayed tree).
    func match(_ entry: [UInt8], index: UInt64) -> Match? {
        guard let value = try? JSONParser().parse(entry), case .object(let root) = value,
              case .string(let kind)? = root["kind"],
              case .object(let spec)? = root["spec"],
              case .object(let rekord)? = spec["hashedRekordV002"],
              case .object(let signature)? = rekord["signature"],
              case .object(let verifier)? = signature["verifier"],
              case .object(let publicKey)? = verifier["publicKey"],
              case .string(let raw)? = publicKey["rawBytes"],
              let keyData = Data(base64Encoded: raw)
        else { return nil }
        let keyBytes = Array(keyData)
        guard watchedKeys.contains(where: { $0.derRepresentation == keyBytes }) else { return nil }
        var digest = ""
        if case .object(let data)? = rekord["data"], case .string(let value)? = data["digest"] { digest = value }
        return Match(index: index, kind: kind, digest: digest, key: keyBytes)
    }
}

/// What a ``LogMonitor`` keeps between runs: the last verified tree of the log.
///
/// Stored as JSON (``json`` / ``init(json:)``), written by the caller atomically.
public struct LogMonitorState: Sendable, Hashable {
    /// The largest state file accepted.
    public static let maxFileBytes = 64 * 1024

    /// The log's checkpoint origin.
    public let origin: String
    /// The verified tree size.
    public let size: UInt64
    /// The verified root hash.
    public let rootHash: MerkleHash
    /// The signed checkpoint note it came from (evidence, should the log later contradict it).
    public let checkpoint: String?

    /// A state.
    public init(origin: String, size: UInt64, rootHash: MerkleHash, checkpoint: String?) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.checkpoint = checkpoint
    }

    /// Reads a state file strictly.
    ///
    /// - Throws: ``TransparencyError/Code/invalidEncoding`` for anything but the exact members.
    public init(json bytes: [UInt8]) throws {
        func malformed(_ why: String) -> TransparencyError {
            TransparencyError(code: .invalidEncoding, reason: "the monitor state file is malformed: \(why)")
        }
        guard bytes.count <= Self.maxFileBytes else { throw malformed("over \(Self.maxFileBytes) bytes") }
        guard let value = try? JSONParser().parse(bytes), case .object(let object) = value else { throw malformed("not a JSON object") }
        let allowed: Set<String> = ["version", "origin", "size", "rootHash", "checkpoint"]
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) { throw malformed("unknown member '\(unknown.prefix(40))'") }
        guard case .string("custody.log-monitor/v1")? = object["version"] else { throw malformed("version is not custody.log-monitor/v1") }
        guard case .string(let origin)? = object["origin"] else { throw malformed("no origin") }
        guard case .string(let sizeText)? = object["size"], let size = UInt64(sizeText) else { throw malformed("size is not a decimal string") }
        guard case .string(let rootText)? = object["rootHash"], let root = try? MerkleHash(hex: rootText) else { throw malformed("rootHash is not 64 hex digits") }
        var checkpoint: String?
        switch object["checkpoint"] {
        case .string(let text)?: checkpoint = text
        case .null?, nil: checkpoint = nil
        default: throw malformed("checkpoint is not a string")
        }
        self.init(origin: origin, size: size, rootHash: root, checkpoint: checkpoint)
    }

    /// The state file's bytes (canonical JSON).
    public var json: [UInt8] {
        let members: [(key: String, value: JSONValue)] = [
            ("version", .string("custody.log-monitor/v1")),
            ("origin", .string(origin)),
            ("size", .string(String(size))),
            ("rootHash", .string(rootHash.hex)),
            ("checkpoint", checkpoint.map { .string($0) } ?? .null),
        ]
        // Distinct literal keys and plain strings always serialize.
        return (try? CanonicalJSONEncoder.serialize(.object(JSONObject(members: members)!))) ?? []
    }
}
