import CSQLite
import CustodyTransparency
import Dispatch
import Synchronization

/// A log kept in one SQLite file: the default storage, with nothing to start.
///
/// Tables: `entries(idx, hash, data)`, `tiles(level, idx, width, data)` (one row per tile
/// coordinate, the widest version), `bundles(idx, width, data)`, a single `state(size, root,
/// checkpoint)` row, and the duplicate index `entry_hashes(hash, idx)` with its boundary row
/// `entry_hashes_state(indexed)` (see ``SQLiteEntryHashIndex``: it is written in sorted runs,
/// not per entry). One process writes the file at a time: the duplicate index keeps its newest
/// entries in memory.
///
/// Durability: the database runs in WAL mode with `synchronous=FULL`, so every commit fsyncs the
/// write-ahead log before ``integrate(_:)`` returns. An integrated batch therefore survives not only
/// `kill -9` of the process (which `synchronous=NORMAL` would already give in WAL mode, the WAL
/// being in the OS page cache) but also a power loss or kernel crash, which NORMAL does not. The
/// cost is one fsync per batch, and the sequencer amortises it over a whole batch of entries.
///
/// Threading: the connection is used only on one serial `DispatchQueue`, so blocking SQLite calls
/// (and the fsync) never occupy a thread of Swift's cooperative pool, and calls are serialised.
///
/// Checkpoints (copying the write-ahead log back into the database file) run on a second
/// connection and queue of their own, at most every ``checkpointInterval``, as SQLite's passive
/// checkpoints, which never block a commit. Left to SQLite, the commit that crosses 1,000 WAL pages
/// would copy them (and fsync the database) itself, on the path every append waits for (every
/// other batch, when the duplicate index was an ordinary index changing a page per entry).
/// A page changed by several batches between two checkpoints is copied once. Should checkpoints
/// fall behind, the writer still checkpoints by itself past ``walPageLimit`` pages.
public final class SQLiteLogStorage: LogStorage {
    /// How long a statement waits for a lock held by another connection to the same file.
    public static let busyTimeoutMilliseconds: Int32 = 5_000
    /// The least time between two background checkpoints.
    public static let checkpointInterval: Duration = .milliseconds(250)
    /// The WAL size, in pages, at which a commit checkpoints by itself (a safety net: the
    /// background checkpoints normally keep the WAL far smaller).
    public static let walPageLimit = 50_000

    /// The database file.
    public let path: String
    private let queue: DispatchQueue
    private let database: SQLiteDatabase
    private let hashIndex: SQLiteEntryHashIndex
    private let checkpointer: Checkpointer

    /// Opens (creating when missing) the log database at `path`.
    ///
    /// - Throws: ``LogError/Code/storage`` when the file cannot be opened, WAL mode cannot be
    ///   enabled, or the schema cannot be created.
    public convenience init(path: String) async throws {
        try await self.init(
            path: path, mergeThreshold: SQLiteEntryHashIndex.defaultMergeThreshold, mergeChunk: SQLiteEntryHashIndex.defaultMergeChunk)
    }

    /// Opens the log with the duplicate index merging runs of `mergeThreshold` entries,
    /// `mergeChunk` per batch (see ``SQLiteEntryHashIndex``; small values test its phases).
    init(path: String, mergeThreshold: Int, mergeChunk: Int) async throws {
        let queue = DispatchQueue(label: "custody.log.sqlite")
        self.path = path
        self.queue = queue
        let (database, hashIndex) = try await Self.run(on: queue) {
            let database = try SQLiteDatabase(path: path)
            do {
                return (database, try SQLiteEntryHashIndex(database: database, mergeThreshold: mergeThreshold, mergeChunk: mergeChunk))
            } catch {
                database.close()
                throw error
            }
        }
        self.database = database
        self.hashIndex = hashIndex
        do {
            self.checkpointer = try await Checkpointer.open(path: path)
        } catch {
            try? await Self.run(on: queue) { database.close() }
            throw error
        }
    }

    private static func run<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteDatabase) throws -> T) async throws -> T {
        let database = self.database
        return try await Self.run(on: queue) { try body(database) }
    }

    public func state() async throws -> LogTreeState {
        try await run { try $0.state() }
    }

    public func index(ofEntry entryHash: MerkleHash) async throws -> UInt64? {
        let hashIndex = hashIndex
        return try await run { try hashIndex.lookup(entryHash, in: $0) }
    }

    public func indexes(ofEntries entryHashes: [MerkleHash]) async throws -> [MerkleHash: UInt64] {
        let hashIndex = hashIndex
        return try await run { database in
            var found: [MerkleHash: UInt64] = [:]
            for hash in entryHashes where found[hash] == nil {
                if let index = try hashIndex.lookup(hash, in: database) { found[hash] = index }
            }
            return found
        }
    }

    /// How many entries the duplicate index has merged into its table (the rest are in memory).
    func mergedEntryCount() async throws -> UInt64 {
        let hashIndex = hashIndex
        return try await run { _ in hashIndex.indexed }
    }

    public func integrate(_ batch: LogBatch) async throws {
        _ = try batch.checkedNewSize()
        let hashIndex = hashIndex
        try await run { try $0.integrate(batch, hashIndex: hashIndex) }
        checkpointer.requestCheckpoint()
    }

    public func tile(_ id: TileID) async throws -> Tile? {
        let row = try await run { database in
            try database.query(
                "SELECT width, data FROM tiles WHERE level = ?1 AND idx = ?2",
                [.int(Int64(id.level)), .int(Int64(bitPattern: id.index))]
            ) { StoredRow(width: Int($0.int64(0)), data: $0.bytes(1)) }.first
        }
        guard let row else { return nil }
        return try StoredTiles.tile(id, storedWidth: row.width, data: row.data)
    }

    public func entryBundle(_ id: EntryBundleID) async throws -> [UInt8]? {
        let row = try await run { database in
            try database.query("SELECT width, data FROM bundles WHERE idx = ?1", [.int(Int64(bitPattern: id.index))]) {
                StoredRow(width: Int($0.int64(0)), data: $0.bytes(1))
            }.first
        }
        guard let row else { return nil }
        return try StoredTiles.bundle(id, storedWidth: row.width, data: row.data)
    }

    public func entry(at index: UInt64) async throws -> [UInt8]? {
        try await run { database in
            try database.query("SELECT data FROM entries WHERE idx = ?1", [.int(Int64(bitPattern: index))]) { $0.bytes(0) }.first
        }
    }

    public func close() async throws {
        await checkpointer.close()
        try await run { $0.close() }
    }
}

/// The second connection that checkpoints the WAL in the background (see ``SQLiteLogStorage``).
///
/// `@unchecked Sendable`: the connection is touched only on `queue`; the schedule is a mutex.
private final class Checkpointer: @unchecked Sendable {
    private let queue: DispatchQueue
    private let database: SQLiteDatabase
    /// Whether a checkpoint is queued or running, and when the last one started.
    private let schedule = Mutex<(busy: Bool, last: ContinuousClock.Instant?)>((false, nil))

    private init(queue: DispatchQueue, database: SQLiteDatabase) {
        self.queue = queue
        self.database = database
    }

    static func open(path: String) async throws -> Checkpointer {
        let queue = DispatchQueue(label: "custody.log.sqlite.checkpoint")
        let database = try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try SQLiteDatabase(checkpointerOf: path) }) }
        }
        return Checkpointer(queue: queue, database: database)
    }

    /// Queues a passive checkpoint unless one is queued or running, or the last one started less
    /// than ``SQLiteLogStorage/checkpointInterval`` ago (the next commit asks again).
    func requestCheckpoint() {
        let now = ContinuousClock.now
        let start = schedule.withLock { state -> Bool in
            guard !state.busy else { return false }
            if let last = state.last, now - last < SQLiteLogStorage.checkpointInterval { return false }
            state = (true, now)
            return true
        }
        guard start else { return }
        queue.async {
            // A failed checkpoint loses nothing (the WAL keeps the pages); the next one retries.
            self.database.checkpointPassively()
            self.schedule.withLock { $0.busy = false }
        }
    }

    /// Waits for a running checkpoint and closes the connection.
    func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                self.database.close()
                continuation.resume()
            }
        }
    }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case int(Int64)
    case blob([UInt8])
    case null
}

/// The current row of a stepped statement.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// One SQLite connection with its prepared statements.
///
/// `@unchecked Sendable`: ``SQLiteLogStorage`` touches it only on its serial queue.
final class SQLiteDatabase: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// `SQLITE_TRANSIENT`: SQLite copies bound blobs.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// A connection that only checkpoints: no schema, the writer's durability settings.
    init(checkpointerOf path: String) throws {
        handle = try Self.open(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, purpose: " to checkpoint it")
        try configure {
            try execute("PRAGMA synchronous=FULL")
            try execute("PRAGMA wal_autocheckpoint=0")
        }
    }

    /// Opens a connection with the busy timeout set.
    private static func open(_ path: String, flags: Int32, purpose: String = "") throws -> OpaquePointer {
        var opened: OpaquePointer?
        let status = sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw LogError(code: .storage, reason: "cannot open SQLite database \(path)\(purpose): \(message)")
        }
        sqlite3_busy_timeout(opened, SQLiteLogStorage.busyTimeoutMilliseconds)
        return opened
    }

    /// Runs set-up statements on the new connection, closing it when one fails.
    private func configure(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            close()
            throw error
        }
    }

    /// Copies what it can of the WAL into the database file without waiting for any lock.
    func checkpointPassively() {
        guard let handle else { return }
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    init(path: String) throws {
        handle = try Self.open(path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX)
        try configure {
            let mode = try query("PRAGMA journal_mode=WAL", []) { row in String(decoding: row.bytes(0), as: UTF8.self) }
            guard mode.first?.lowercased() == "wal" else {
                throw LogError(code: .storage, reason: "SQLite database \(path) cannot use WAL mode (it reports \(mode.first ?? "nothing"))")
            }
            try execute("PRAGMA synchronous=FULL")
            try execute("PRAGMA wal_autocheckpoint=\(SQLiteLogStorage.walPageLimit)")
            try execute("""
                CREATE TABLE IF NOT EXISTS entries(idx INTEGER PRIMARY KEY, hash BLOB NOT NULL, data BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS tiles(level INTEGER NOT NULL, idx INTEGER NOT NULL, width INTEGER NOT NULL,
                    data BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS bundles(idx INTEGER PRIMARY KEY, width INTEGER NOT NULL, data BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS state(id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL,
                    root BLOB NOT NULL, checkpoint BLOB);
                """)
            try run("INSERT OR IGNORE INTO state(id, size, root, checkpoint) VALUES(0, 0, ?1, NULL)", [.blob(MerkleHash.emptyTree.bytes)])
        }
    }

    // MARK: Log operations

    func state() throws -> LogTreeState {
        let rows = try query("SELECT size, root, checkpoint FROM state WHERE id = 0", []) { row in
            (row.int64(0), row.bytes(1), row.isNull(2) ? nil : row.bytes(2))
        }
        guard let row = rows.first, row.0 >= 0 else {
            throw LogError(code: .corrupt, reason: "the SQLite log has no state row")
        }
        do {
            return LogTreeState(size: UInt64(row.0), rootHash: try MerkleHash(bytes: row.1), checkpoint: row.2)
        } catch {
            throw LogError(code: .corrupt, reason: "the stored root hash is not 32 bytes")
        }
    }

    func integrate(_ batch: LogBatch, hashIndex: SQLiteEntryHashIndex) throws {
        do {
            try transaction {
                let stored = try state().size
                guard stored == batch.oldSize else {
                    throw LogError(code: .staleSize, reason: "batch starts at size \(batch.oldSize) but the log has \(stored) entries")
                }
                for (offset, entry) in batch.entries.enumerated() {
                    try run(
                        "INSERT INTO entries(idx, hash, data) VALUES(?1, ?2, ?3)",
                        [.int(Int64(batch.oldSize) + Int64(offset)), .blob(batch.entryHashes[offset].bytes), .blob(entry)])
                }
                for tile in batch.tiles {
                    try run(
                        """
                        INSERT INTO tiles(level, idx, width, data) VALUES(?1, ?2, ?3, ?4)
                        ON CONFLICT(level, idx) DO UPDATE SET width = excluded.width, data = excluded.data
                        WHERE excluded.width >= tiles.width
                        """,
                        [.int(Int64(tile.id.level)), .int(Int64(tile.id.index)), .int(Int64(tile.id.width)), .blob(tile.data)])
                }
                for bundle in batch.bundles {
                    try run(
                        """
                        INSERT INTO bundles(idx, width, data) VALUES(?1, ?2, ?3)
                        ON CONFLICT(idx) DO UPDATE SET width = excluded.width, data = excluded.data
                        WHERE excluded.width >= bundles.width
                        """,
                        [.int(Int64(bundle.id.index)), .int(Int64(bundle.id.width)), .blob(bundle.data)])
                }
                try hashIndex.mergeStep(in: self, committedSize: batch.oldSize)
                try run(
                    "UPDATE state SET size = ?1, root = ?2, checkpoint = ?3 WHERE id = 0",
                    [.int(Int64(batch.newState.size)), .blob(batch.newState.rootHash.bytes), batch.newState.checkpoint.map { .blob($0) } ?? .null])
            }
        } catch {
            // A commit reported as failed may still have landed (the sequencer then adopts the
            // stored state); the duplicate index must then hold the batch's entries too.
            if (try? state().size) == batch.newState.size {
                hashIndex.committed(batch.entryHashes, oldSize: batch.oldSize)
            } else {
                hashIndex.rolledBack()
            }
            throw error
        }
        hashIndex.committed(batch.entryHashes, oldSize: batch.oldSize)
    }

    /// Runs `body` in an immediate transaction: committed when it returns, rolled back when it
    /// (or the commit) throws.
    func transaction(_ body: () throws -> Void) throws {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            if handle != nil, sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
    }

    // MARK: Statements

    private func open() throws -> OpaquePointer {
        guard let handle else { throw LogError(code: .closed, reason: "the SQLite log storage is closed") }
        return handle
    }

    private func failure(_ what: String) -> LogError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        return LogError(code: .storage, reason: "SQLite \(what): \(message)")
    }

    /// Runs SQL without parameters or results (several statements allowed).
    func execute(_ sql: String) throws {
        let handle = try open()
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else {
            throw failure("cannot run \(sql.prefix(40))")
        }
    }

    /// Runs a cached prepared statement that returns no rows.
    func run(_ sql: String, _ parameters: [SQLiteValue]) throws {
        _ = try query(sql, parameters) { _ in () }
    }

    /// Runs a cached prepared statement and maps each row.
    func query<T>(_ sql: String, _ parameters: [SQLiteValue], _ map: (SQLiteRow) throws -> T) throws -> [T] {
        let handle = try open()
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
        } else {
            var prepared: OpaquePointer?
            guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil) == SQLITE_OK, let prepared else {
                throw failure("cannot prepare \(sql.prefix(40))")
            }
            statements[sql] = prepared
            statement = prepared
        }
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in parameters.enumerated() {
            let position = Int32(offset + 1)
            let status: Int32
            switch value {
            case .int(let number):
                status = sqlite3_bind_int64(statement, position, number)
            case .null:
                status = sqlite3_bind_null(statement, position)
            case .blob(let bytes) where bytes.isEmpty:
                status = sqlite3_bind_zeroblob(statement, position, 0)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), Self.transient)
                }
            }
            guard status == SQLITE_OK else { throw failure("cannot bind parameter \(position)") }
        }
        var results: [T] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw failure("statement failed (\(status)): \(sql.prefix(40))") }
            results.append(try map(SQLiteRow(statement: statement)))
        }
        return results
    }
}
