/// An error from a log's storage or sequencer: a stale batch, a full queue, an oversized entry, a
/// database failure.
///
/// Equality compares ``code`` only, so tests can write `#expect(throws: LogError(code: .staleSize))`.
/// ``description`` is one line that says what failed.
public struct LogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A batch's `oldSize` is not the stored tree size (another writer integrated first, or the
        /// batch is a replay); nothing was written.
        public static let staleSize = Code(rawValue: "staleSize")
        /// A batch is inconsistent with itself (entry and hash counts differ, or the new size is not
        /// the old size plus the entries).
        public static let invalidBatch = Code(rawValue: "invalidBatch")
        /// The database failed: it could not be opened, a statement failed, or a transaction did not commit.
        public static let storage = Code(rawValue: "storage")
        /// Stored data contradicts itself (a tile of the wrong length, a root that its tiles do not give).
        public static let corrupt = Code(rawValue: "corrupt")
        /// The storage was closed.
        public static let closed = Code(rawValue: "closed")
        /// The storage location is not a valid `sqlite:` path or `postgres://` URL.
        public static let invalidLocation = Code(rawValue: "invalidLocation")
        /// An entry is larger than the limit (``LogSequencer/Configuration/maxEntryBytes``).
        public static let entryTooLarge = Code(rawValue: "entryTooLarge")
        /// The sequencer's queue of pending entries is full; retry later.
        public static let queueFull = Code(rawValue: "queueFull")
        /// The sequencer is shutting down and accepts no more entries.
        public static let shuttingDown = Code(rawValue: "shuttingDown")
        /// A proof was asked for an index or size outside the published tree.
        public static let outOfRange = Code(rawValue: "outOfRange")
        /// The sequencer's configuration is not usable (a zero batch size, for example).
        public static let invalidConfiguration = Code(rawValue: "invalidConfiguration")
        /// The checkpoint could not be made or signed.
        public static let signing = Code(rawValue: "signing")
    }

    /// The kind of failure.
    public var code: Code
    /// What failed, in one line.
    public var reason: String

    /// Makes an error.
    public init(code: Code, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    public var description: String { reason.isEmpty ? code.rawValue : reason }

    public static func == (lhs: LogError, rhs: LogError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
