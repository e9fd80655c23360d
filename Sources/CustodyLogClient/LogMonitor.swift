import CustodyJSON
import CustodyKeys
import CustodyTransparency
import Foundation

/// Follows a transparency log: verifies every new checkpoint, replays every new entry onto the
/// tree it already trusts, and reports the entries made with watched keys or in the name of
/// watched identities.
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

    /// Entries whose verifier is one of these keys, or a certificate for one of them, are reported.
    public let watchedKeys: [PublicKey]
    /// Entries whose verifier is a certificate naming one of these identities are reported.
    public let watchedIdentities: [IdentityWatch]
    /// The log's checkpoint key.
    public let logKey: NoteVerifierKey
    /// The checkpoint origin the log must use (the key's name unless given).
    public let origin: String
    private let fetch: Fetch

    /// A monitor of the log read through `fetch`.
    public init(
        logKey: NoteVerifierKey, origin: String? = nil, watchedKeys: [PublicKey], watchedIdentities: [IdentityWatch] = [],
        fetch: @escaping Fetch
    ) {
        self.logKey = logKey
        self.origin = origin ?? logKey.name
        self.watchedKeys = watchedKeys
        self.watchedIdentities = watchedIdentities
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

    /// A signer identity to watch for in logged certificates (the keyless case: a certificate
    /// issued in the team's name that the team did not ask for).
    ///
    /// The identity is matched against the certificate's email addresses and URIs: exactly, or
    /// as a regular expression that must match the whole name (for CI workflow URIs that end in a
    /// changing ref). With an issuer, the certificate must also name that OpenID Connect issuer.
    public struct IdentityWatch: Sendable, Hashable, CustomStringConvertible {
        /// How ``identity`` is compared.
        public enum Mode: String, Sendable, Hashable { case exact, regularExpression }
        /// The identity, or the pattern.
        public let identity: String
        /// How it is compared.
        public let mode: Mode
        /// The OIDC issuer the certificate must name, if any.
        public let issuer: String?

        /// A watch; a regular expression is checked here.
        ///
        /// - Throws: `TransparencyError` with code `invalidEncoding` for a pattern that does not compile.
        public init(identity: String, mode: Mode = .exact, issuer: String? = nil) throws {
            if mode == .regularExpression {
                do {
                    _ = try Regex(identity)
                } catch {
                    throw TransparencyError(code: .invalidEncoding, reason: "identity pattern '\(identity.prefix(80))' is not a regular expression: \(error)")
                }
            }
            self.identity = identity
            self.mode = mode
            self.issuer = issuer
        }

        public var description: String {
            (mode == .exact ? identity : "/\(identity)/") + (issuer.map { " (issuer \($0))" } ?? "")
        }

        /// Whether `certificate` names this identity (and issuer).
        func matches(_ certificate: UntrustedCertificate, pattern: Regex<AnyRegexOutput>?) -> Bool {
            if let issuer, certificate.oidcIssuer != issuer { return false }
            if let pattern {
                return certificate.identities.contains { (try? pattern.wholeMatch(in: $0)) != nil }
            }
            return certificate.names(identity)
        }
    }

    /// An entry made by a watched key or in a watched identity's name.
    public struct Match: Sendable, Hashable {
        /// The entry's index in the log.
        public let index: UInt64
        /// The entry's kind (`hashedrekord`).
        public let kind: String
        /// The signed artifact digest, base64, as logged.
        public let digest: String
        /// The signing key's SubjectPublicKeyInfo DER (a certificate's subject key).
        public let key: [UInt8]
        /// The certificate the entry names the signer by, if it does.
        public let certificate: UntrustedCertificate?
        /// What made the entry a match: `key` or the watched identity.
        public let watched: String
    }

    /// What one poll found.    /// What one poll found.
    public struct Report: Sendable {
        /// The state to keep for the next poll (unchanged when nothing new was published).
        public let state: LogMonitorState
        /// Entries by watched keys or identities among the new entries.
        public let matches: [Match]
        /// How many new entries were read.
        public let newEntries: UInt64
        /// New entries that are not hashedrekord v0.0.2 entries this monitor can read (still part
        /// of the replayed tree, but whoever made them is unknown), by index.
        public var unreadable: [UInt64] = []
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
        // Compiled once per poll (a compiled Regex is not Sendable); checked in init.
        let patterns = watchedIdentities.map { watch in watch.mode == .regularExpression ? try? Regex(watch.identity) : nil }
        var matches: [Match] = []
        var unreadable: [UInt64] = []
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
                switch self.match(entry, index: bundleStart + UInt64(offset), patterns: patterns) {
                case .match(let match): matches.append(match)
                case .unreadable: unreadable.append(bundleStart + UInt64(offset))
                case .none: break
                }
            }
            index = bundleStart + UInt64(width)
        }
        guard appender.rootHash == new.rootHash else {
            throw Alarm(
                kind: .fork,
                reason: "the \(new.size - old.size) entries the log serves after entry \(old.size) lead from the verified root "
                    + "\(old.rootHash.hex) to \(appender.rootHash.hex), not to the signed root \(new.rootHash.hex)")
        }
        return Report(state: new, matches: matches, newEntries: new.size - old.size, unreadable: unreadable)
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

    /// What one entry is to the monitor.
    enum EntryFinding {
        case match(Match)
        /// Not a hashedrekord v0.0.2 entry with a readable key or certificate.
        case unreadable
        case none
    }

    /// Whether `entry` was made by a watched key or in a watched identity's name.
    func match(_ entry: [UInt8], index: UInt64, patterns: [Regex<AnyRegexOutput>?]) -> EntryFinding {
        guard let rekord = try? UntrustedHashedRekord(body: entry) else { return .unreadable }
        guard let (key, certificate) = try? rekord.verifier.signer() else { return .unreadable }
        let spki = key.derRepresentation
        let watched: String
        if watchedKeys.contains(where: { $0.derRepresentation == spki }) {
            watched = "key"
        } else if let certificate,
                  let hit = zip(watchedIdentities, patterns).first(where: { $0.0.matches(certificate, pattern: $0.1) }) {
            watched = hit.0.description
        } else {
            return .none
        }
        return .match(Match(
            index: index, kind: "hashedrekord", digest: StrictBase64.encode(rekord.digest), key: spki,
            certificate: certificate, watched: watched))
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
