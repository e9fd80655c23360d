import CustodyTransparency
import Foundation
import PostgresNIO
import Synchronization

/// A log kept in PostgreSQL, for operators who outgrow one machine.
///
/// Same tables as ``SQLiteLogStorage``: `entries(idx, hash, data)`, `tiles(level, idx, width,
/// data)`, `bundles(idx, width, data)` and one `state(size, root, checkpoint)` row. Every
/// ``integrate(_:)`` is one transaction that locks the state row (`SELECT … FOR UPDATE`), checks
/// the stored size, writes the batch and commits with `synchronous_commit = on`, so an
/// acknowledged batch is on disk (the server's WAL is flushed) before the call returns. Two
/// sequencers pointed at the same database cannot both integrate from the same size: the second
/// waits for the lock and then finds the size changed.
public final class PostgresLogStorage: LogStorage {
    /// The port used when the URL names none.
    public static let defaultPort = 5432
    /// The most rows written by one `INSERT` statement (PostgreSQL allows 65,535 parameters).
    public static let maxRowsPerInsert = 1_000

    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let closed = Mutex(false)

    /// Connects to the database named by `url`, `postgres://user:password@host:port/database`
    /// (also `postgresql://`), and creates the tables when missing. TLS is not used; the only
    /// query parameter accepted is `sslmode=disable`.
    ///
    /// - Throws: ``LogError/Code/invalidLocation`` for a malformed URL, ``LogError/Code/storage``
    ///   when the server cannot be reached or the schema cannot be created.
    public init(url: String, maximumConnections: Int = 8) async throws {
        let configuration = try Self.configuration(url: url, maximumConnections: maximumConnections)
        let client = PostgresClient(configuration: configuration)
        self.client = client
        self.runTask = Task { await client.run() }
        do {
            try await createSchema()
        } catch {
            runTask.cancel()
            await runTask.value
            throw error
        }
    }

    /// Reads a `postgres://` URL into a client configuration.
    static func configuration(url text: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        let location = try PostgresLocation(url: text)
        guard (1...1_000).contains(maximumConnections) else {
            throw LogError(code: .invalidLocation, reason: "maximumConnections must be 1 to 1000, not \(maximumConnections)")
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    // MARK: LogStorage

    public func state() async throws -> LogTreeState {
        try await withConnection { connection in try await Self.state(on: connection, lock: false) }
    }

    public func index(ofEntry entryHash: MerkleHash) async throws -> UInt64? {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT idx FROM entries WHERE hash = \(Data(entryHash.bytes)) ORDER BY idx LIMIT 1", logger: connection.logger)
            for try await index in rows.decode(Int64.self) { return UInt64(index) }
            return nil
        }
    }

    public func indexes(ofEntries entryHashes: [MerkleHash]) async throws -> [MerkleHash: UInt64] {
        let unique = Array(Set(entryHashes))
        guard !unique.isEmpty else { return [:] }
        return try await withConnection { connection in
            var found: [MerkleHash: UInt64] = [:]
            var start = 0
            while start < unique.count {
                let chunk = unique[start..<min(unique.count, start + Self.maxRowsPerInsert)]
                var bindings = PostgresBindings()
                for hash in chunk { try bindings.append(Data(hash.bytes)) }
                let placeholders = (1...chunk.count).map { "$\($0)" }.joined(separator: ", ")
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT hash, MIN(idx) FROM entries WHERE hash IN (\(placeholders)) GROUP BY hash", binds: bindings),
                    logger: connection.logger)
                for try await (hash, index) in rows.decode((Data, Int64).self) {
                    if let key = try? MerkleHash(bytes: hash) { found[key] = UInt64(index) }
                }
                start += chunk.count
            }
            return found
        }
    }

    public func integrate(_ batch: LogBatch) async throws {
        _ = try batch.checkedNewSize()
        try await withConnection { connection in
            do {
                try await connection.withTransaction(logger: connection.logger) { connection in
                    try await Self.integrate(batch, on: connection)
                }
            } catch let error as PostgresTransactionError {
                if let logError = error.closureError as? LogError { throw logError }
                throw LogError(code: .storage, reason: "PostgreSQL transaction failed: \(Self.oneLine(error))")
            }
        }
    }

    public func tile(_ id: TileID) async throws -> Tile? {
        let row: StoredRow? = try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT width, data FROM tiles WHERE level = \(Int64(id.level)) AND idx = \(Int64(bitPattern: id.index))",
                logger: connection.logger)
            for try await (width, data) in rows.decode((Int64, Data).self) { return StoredRow(width: Int(width), data: Array(data)) }
            return nil
        }
        guard let row else { return nil }
        return try StoredTiles.tile(id, storedWidth: row.width, data: row.data)
    }

    public func entryBundle(_ id: EntryBundleID) async throws -> [UInt8]? {
        let row: StoredRow? = try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT width, data FROM bundles WHERE idx = \(Int64(bitPattern: id.index))", logger: connection.logger)
            for try await (width, data) in rows.decode((Int64, Data).self) { return StoredRow(width: Int(width), data: Array(data)) }
            return nil
        }
        guard let row else { return nil }
        return try StoredTiles.bundle(id, storedWidth: row.width, data: row.data)
    }

    public func entry(at index: UInt64) async throws -> [UInt8]? {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT data FROM entries WHERE idx = \(Int64(bitPattern: index))", logger: connection.logger)
            for try await data in rows.decode(Data.self) { return Array(data) }
            return nil
        }
    }

    public func close() async throws {
        let wasClosed = closed.withLock { value in
            defer { value = true }
            return value
        }
        guard !wasClosed else { return }
        runTask.cancel()
        await runTask.value
    }

    // MARK: Queries

    private func createSchema() async throws {
        try await withConnection { connection in
            do {
                try await connection.withTransaction(logger: connection.logger) { connection in
                    // Serialise schema creation between processes starting together.
                    try await connection.query("SELECT pg_advisory_xact_lock(7306317)", logger: connection.logger)
                    for statement in [
                        "CREATE TABLE IF NOT EXISTS entries(idx BIGINT PRIMARY KEY, hash BYTEA NOT NULL, data BYTEA NOT NULL)",
                        "CREATE INDEX IF NOT EXISTS entries_hash ON entries(hash)",
                        "CREATE TABLE IF NOT EXISTS tiles(level BIGINT NOT NULL, idx BIGINT NOT NULL, width BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY(level, idx))",
                        "CREATE TABLE IF NOT EXISTS bundles(idx BIGINT PRIMARY KEY, width BIGINT NOT NULL, data BYTEA NOT NULL)",
                        "CREATE TABLE IF NOT EXISTS state(id INT PRIMARY KEY CHECK (id = 0), size BIGINT NOT NULL, root BYTEA NOT NULL, checkpoint BYTEA)",
                    ] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: connection.logger)
                    }
                    try await connection.query(
                        "INSERT INTO state(id, size, root, checkpoint) VALUES (0, 0, \(Data(MerkleHash.emptyTree.bytes)), NULL) ON CONFLICT (id) DO NOTHING",
                        logger: connection.logger)
                }
            } catch let error as PostgresTransactionError {
                throw LogError(code: .storage, reason: "cannot create the PostgreSQL log schema: \(Self.oneLine(error))")
            }
        }
    }

    private static func state(on connection: PostgresConnection, lock: Bool) async throws -> LogTreeState {
        let query: PostgresQuery = lock
            ? "SELECT size, root, checkpoint FROM state WHERE id = 0 FOR UPDATE"
            : "SELECT size, root, checkpoint FROM state WHERE id = 0"
        let rows = try await connection.query(query, logger: connection.logger)
        for try await (size, root, checkpoint) in rows.decode((Int64, Data, Data?).self) {
            guard size >= 0, let rootHash = try? MerkleHash(bytes: root) else {
                throw LogError(code: .corrupt, reason: "the PostgreSQL log's state row is malformed")
            }
            return LogTreeState(size: UInt64(size), rootHash: rootHash, checkpoint: checkpoint.map { Array($0) })
        }
        throw LogError(code: .corrupt, reason: "the PostgreSQL log has no state row")
    }

    private static func integrate(_ batch: LogBatch, on connection: PostgresConnection) async throws {
        try await connection.query("SET LOCAL synchronous_commit = on", logger: connection.logger)
        let stored = try await state(on: connection, lock: true).size
        guard stored == batch.oldSize else {
            throw LogError(code: .staleSize, reason: "batch starts at size \(batch.oldSize) but the log has \(stored) entries")
        }
        var rows: [[any PostgresThrowingDynamicTypeEncodable & Sendable]] = []
        for (offset, entry) in batch.entries.enumerated() {
            rows.append([Int64(batch.oldSize) + Int64(offset), Data(batch.entryHashes[offset].bytes), Data(entry)])
        }
        try await insert(into: "entries(idx, hash, data)", rows: rows, suffix: "", on: connection)
        try await insert(
            into: "tiles(level, idx, width, data)",
            rows: batch.tiles.map { [Int64($0.id.level), Int64($0.id.index), Int64($0.id.width), Data($0.data)] },
            suffix: " ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, data = excluded.data WHERE excluded.width >= tiles.width",
            on: connection)
        try await insert(
            into: "bundles(idx, width, data)",
            rows: batch.bundles.map { [Int64($0.id.index), Int64($0.id.width), Data($0.data)] },
            suffix: " ON CONFLICT (idx) DO UPDATE SET width = excluded.width, data = excluded.data WHERE excluded.width >= bundles.width",
            on: connection)
        let checkpoint = batch.newState.checkpoint.map { Data($0) }
        try await connection.query(
            """
            UPDATE state SET size = \(Int64(batch.newState.size)), root = \(Data(batch.newState.rootHash.bytes)),
            checkpoint = \(checkpoint) WHERE id = 0
            """,
            logger: connection.logger)
    }

    /// Inserts rows with multi-row `INSERT … VALUES` statements of at most ``maxRowsPerInsert`` rows.
    private static func insert(
        into table: String, rows: [[any PostgresThrowingDynamicTypeEncodable & Sendable]], suffix: String, on connection: PostgresConnection
    ) async throws {
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + maxRowsPerInsert)]
            var bindings = PostgresBindings()
            var tuples: [String] = []
            for row in chunk {
                var placeholders: [String] = []
                for value in row {
                    try bindings.append(value)
                    placeholders.append("$\(bindings.count)")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO \(table) VALUES " + tuples.joined(separator: ", ") + suffix
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: connection.logger)
            start += chunk.count
        }
    }

    // MARK: Connections

    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard !closed.withLock({ $0 }) else {
            throw LogError(code: .closed, reason: "the PostgreSQL log storage is closed")
        }
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as LogError {
            throw error
        } catch {
            throw LogError(code: .storage, reason: "PostgreSQL: \(Self.oneLine(error))")
        }
    }

    private static func oneLine(_ error: any Error) -> String {
        String(reflecting: error).split(whereSeparator: \.isNewline).joined(separator: " ").prefix(500).description
    }
}

/// The parts of a `postgres://user:password@host:port/database` URL.
struct PostgresLocation: Sendable, Hashable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String

    /// Parses the URL strictly; the only query parameter accepted is `sslmode=disable`.
    ///
    /// - Throws: ``LogError/Code/invalidLocation``.
    init(url text: String) throws {
        func invalid(_ why: String) -> LogError {
            LogError(code: .invalidLocation, reason: "invalid PostgreSQL URL: \(why)")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "postgres" || scheme == "postgresql"
        else { throw invalid("expected postgres://user:password@host:port/database") }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the path must be exactly one database name") }
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode", item.value == "disable" else {
                throw invalid("unsupported parameter '\(item.name)' (only sslmode=disable; TLS is not supported)")
            }
        }
        self.host = host
        self.port = components.port ?? PostgresLogStorage.defaultPort
        self.user = user
        self.password = components.password
        self.database = database
    }
}
