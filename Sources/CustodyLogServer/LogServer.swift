import CustodyJSON
import CustodyKeys
import CustodyLog
import CustodyTransparency
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Settings of a ``LogServer``.
public struct LogServerConfiguration: Sendable {
    /// The address to listen on (default `127.0.0.1`).
    public var host: String
    /// The TCP port; 0 picks a free port, reported to ``LogServer/run(handlingSignals:onListening:)``.
    public var port: Int
    /// The largest accepted `POST` body in bytes (default 64 KiB). Larger bodies are refused
    /// with 413 before they are read.
    public var maxRequestBytes: Int
    /// How long, in seconds, HTTP caches may keep the checkpoint and partial tiles (default 1).
    public var shortCacheSeconds: Int

    /// Makes a configuration; see the properties for the defaults.
    public init(host: String = "127.0.0.1", port: Int = 3000, maxRequestBytes: Int = 64 * 1024, shortCacheSeconds: Int = 1) {
        self.host = host
        self.port = port
        self.maxRequestBytes = maxRequestBytes
        self.shortCacheSeconds = shortCacheSeconds
    }
}

/// The HTTP server of a Custody transparency log: the Rekor v2 write API and the C2SP
/// tlog-tiles read API (see `Docs/log.md`).
///
/// ```swift
/// let server = LogServer(configuration: .init(host: "0.0.0.0", port: 3000),
///                        storage: storage, sequencer: sequencer, logKey: signer.verifierKey)
/// try await server.run()   // until SIGTERM or SIGINT
/// ```
public struct LogServer: Sendable {
    /// The listening and limit settings.
    public let configuration: LogServerConfiguration
    let api: LogAPI
    /// The sequencer this server made; shut down (its accepted entries integrated) when
    /// ``run(handlingSignals:onListening:)`` ends.
    var ownedSequencer: LogSequencer?

    /// Makes a server and its sequencer: what `custody log serve` calls.
    ///
    /// - Parameters:
    ///   - storage: the log's storage (SQLite or PostgreSQL).
    ///   - logName: the checkpoint origin and note key name, such as `log.example.com`.
    ///   - signingKey: signs checkpoints (Ed25519 recommended: Sigstore clients expect it).
    ///   - sequencer: batching limits, including the batch interval (default 250 ms).
    ///   - metrics: where `/metrics` counts are kept (a fresh ``LogMetrics`` when nil).
    /// - Throws: what ``NoteSigner/init(name:signer:type:)`` or ``LogSequencer/init(storage:origin:signer:configuration:)`` throw.
    public init(
        configuration: LogServerConfiguration, storage: any LogStorage, logName: String, signingKey: any Signer,
        sequencer: LogSequencer.Configuration = LogSequencer.Configuration(), metrics: LogMetrics? = nil,
        logger: Logger = Logger(label: "custody.log.server")
    ) async throws {
        let signer = try NoteSigner(name: logName, signer: signingKey)
        let made = try await LogSequencer(storage: storage, origin: logName, signer: signer, configuration: sequencer)
        self.init(
            configuration: configuration, storage: storage, sequencer: made, logKey: signer.verifierKey, metrics: metrics, logger: logger)
        self.ownedSequencer = made
    }

    /// Makes a server on an existing sequencer, which the caller shuts down.
    ///
    /// - Parameters:
    ///   - storage: where the log's tiles, entry bundles and checkpoints are read from.
    ///   - sequencer: appends entries and waits for their integration (it owns the checkpoint
    ///     signing key and the batch interval).
    ///   - logKey: the verifier key of the checkpoint signer; its name is the log's origin, its
    ///     ``NoteVerifierKey/keyHash`` the `logId.keyId` of every answer.
    ///   - metrics: where `/metrics` counts are kept (a fresh ``LogMetrics`` when nil).
    ///   - logger: where request failures are logged.
    public init(
        configuration: LogServerConfiguration, storage: any LogStorage, sequencer: LogSequencer, logKey: NoteVerifierKey,
        metrics: LogMetrics? = nil, logger: Logger = Logger(label: "custody.log.server")
    ) {
        self.configuration = configuration
        self.ownedSequencer = nil
        self.api = LogAPI(
            storage: storage, sequencer: sequencer, logKey: logKey, maxRequestBytes: configuration.maxRequestBytes,
            shortCacheSeconds: configuration.shortCacheSeconds, metrics: metrics ?? LogMetrics(), logger: logger)
    }

    /// The server's metrics, as served at `GET /metrics`.
    public var metrics: LogMetrics { api.metrics }

    /// Serves until the task is cancelled, or, with `handlingSignals`, until SIGTERM or SIGINT
    /// starts a graceful shutdown (in-flight requests finish; new connections are refused).
    ///
    /// - Parameters:
    ///   - handlingSignals: whether SIGTERM and SIGINT shut the server down gracefully.
    ///   - onListening: called once with the bound port (useful with port 0).
    public func run(handlingSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let router = Router(context: BasicRequestContext.self)
        api.register(on: router)
        let api = self.api
        let serverName = "custody-log"
        let app = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                LogHTTP1Channel(responder: responder) { EntryAppendHandler(api: api, serverName: serverName) }
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: api.logger)
        do {
            if handlingSignals {
                try await app.runService()
            } else {
                try await app.run()
            }
        } catch {
            await ownedSequencer?.shutdown()
            throw error
        }
        await ownedSequencer?.shutdown()
    }
}

/// The request handlers, independent of how the server is started.
struct LogAPI: Sendable {
    let storage: any LogStorage
    let sequencer: LogSequencer
    let logKey: NoteVerifierKey
    let maxRequestBytes: Int
    let shortCacheSeconds: Int
    let metrics: LogMetrics
    let logger: Logger

    static let immutable = "public, max-age=31536000, immutable"

    func register(on router: Router<BasicRequestContext>) {
        for prefix in ["", "api/v2/"] {
            router.get("\(prefix)checkpoint") { _, _ in await respond("/\(prefix)checkpoint") { try await checkpoint() } }
            router.get("\(prefix)tile/**") { request, _ in
                await respond("/\(prefix)tile/**") { try await tile(path: String(request.uri.path.dropFirst(1 + prefix.utf8.count))) }
            }
        }
        router.post("api/v2/log/entries") { request, _ in await respond("/api/v2/log/entries") { try await createEntry(request) } }
        router.get("api/v2/log/publicKey") { _, _ in
            await respond("/api/v2/log/publicKey") {
                text(logKey.publicKey.pemRepresentation, type: "application/x-pem-file", cache: "public, max-age=3600")
            }
        }
        router.get("api/v2/log/verifierKey") { _, _ in
            await respond("/api/v2/log/verifierKey") { text(logKey.vkey + "\n", type: "text/plain; charset=utf-8", cache: "public, max-age=3600") }
        }
        router.get("healthz") { _, _ in await respond("/healthz") { try await health() } }
        router.get("metrics") { _, _ in await respond("/metrics") { await metricsText() } }
    }

    /// Runs a handler, turning every thrown error into a JSON error response, and counts the
    /// answer under `route` in the metrics.
    func respond(_ route: String, _ handler: () async throws -> Response) async -> Response {
        let response: Response
        do {
            response = try await handler()
        } catch {
            response = failure(error).response
        }
        metrics.request(route: route, status: response.status.code)
        return response
    }

    /// What a client is told for `error`: a ``LogAPIError`` as it is; anything else is logged
    /// and answered with a 500 that names no internals.
    func failure(_ error: any Error) -> LogAPIError {
        if let apiError = error as? LogAPIError { return apiError }
        logger.error("request failed", metadata: ["error": "\(error)"])
        return LogAPIError(status: 500, code: "internal", message: "the log could not answer; see its logs")
    }

    /// The answer to a body over ``maxRequestBytes``.
    var tooLarge: LogAPIError {
        LogAPIError(status: 413, code: "requestTooLarge", message: "the request body is over \(maxRequestBytes) bytes")
    }

    // MARK: Write API

    /// `POST /api/v2/log/entries` through the router. ``EntryAppendHandler`` serves the same
    /// path ahead of the router with ``checkEntry(body:)`` and ``appendChecked(_:leaf:started:)``.
    func createEntry(_ request: Request) async throws -> Response {
        let started = ContinuousClock.now
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxRequestBytes {
            throw tooLarge
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxRequestBytes)
        } catch {
            throw tooLarge
        }
        let checked = try checkEntry(body: body.readableBytesView)
        let answer = try await appendChecked(checked.entry, leaf: checked.leaf, started: started)
        return bytes(answer, type: "application/json", cache: "no-store", status: .created)
    }

    /// Parses a request body and checks its signature, giving the entry and its leaf bytes.
    ///
    /// - Throws: ``LogAPIError``: the errors of ``EntryRequest/init(body:maxBytes:)`` and 413
    ///   `entryTooLarge` for a leaf over the entry-bundle limit.
    func checkEntry(body: some Collection<UInt8>) throws(LogAPIError) -> (entry: EntryRequest, leaf: [UInt8]) {
        let entry = try EntryRequest(body: body, maxBytes: maxRequestBytes)
        let leaf = entry.canonicalizedBody
        guard leaf.count <= EntryBundle.maxEntryBytes else {
            throw LogAPIError(status: 413, code: "entryTooLarge", message: "the entry is over \(EntryBundle.maxEntryBytes) bytes")
        }
        return (entry, leaf)
    }

    /// Appends a checked entry, waits until a signed checkpoint covers it, and gives the answer:
    /// the `TransparencyLogEntry` JSON with its inclusion proof.
    func appendChecked(_ entry: EntryRequest, leaf: [UInt8], started: ContinuousClock.Instant) async throws -> [UInt8] {
        let (index, state, isNew, batchProof) = try await appendOrFind(leaf)
        let proof = try await inclusionProof(index: index, leaf: leaf, state: state, built: batchProof)
        let answer = TransparencyLogEntry(
            logIndex: index, logKeyHash: logKey.keyHash, kind: entry.kindVersion.kind, version: entry.kindVersion.version,
            proof: proof, canonicalizedBody: leaf)
        metrics.appended(isNew: isNew, duration: ContinuousClock.now - started)
        return answer.canonicalBytes
    }

    /// The entry's index and an integrated state with a checkpoint that covers it (the sequencer
    /// gives the existing index when the log already holds the same leaf bytes), and whether this
    /// request added it, with the inclusion proof in that state when the sequencer built it.
    func appendOrFind(_ leaf: [UInt8]) async throws -> (UInt64, LogTreeState, Bool, [MerkleHash]?) {
        let appended: LogSequencer.AppendResult
        do {
            appended = try await sequencer.appendEntry(leaf)
        } catch {
            throw Self.appendFailure(error)
        }
        guard appended.index < appended.state.size, appended.state.checkpoint != nil else {
            throw LogAPIError(status: 500, code: "internal", message: "the log acknowledged an entry without a covering checkpoint")
        }
        return (appended.index, appended.state, appended.isNew, appended.inclusionProof)
    }

    /// What a client is told when the sequencer refuses: back-pressure and shutdown are 503,
    /// an oversized entry 413; anything else is passed on (a 500).
    static func appendFailure(_ error: any Error) -> any Error {
        guard let logError = error as? LogError else { return error }
        switch logError.code {
        case .queueFull, .shuttingDown:
            return LogAPIError(status: 503, code: logError.code.rawValue, message: "\(logError); retry later")
        case .entryTooLarge:
            return LogAPIError(status: 413, code: "entryTooLarge", message: "\(logError)")
        default:
            return logError
        }
    }

    /// An inclusion proof for `index` in a published state: the proof the sequencer `built` with
    /// the entry's batch when there is one (the sequencer checks each batch's proofs at both ends
    /// against the new root before handing them out), else one built from the stored tiles and
    /// checked against the state's root before it is returned.
    func inclusionProof(index: UInt64, leaf: [UInt8], state initial: LogTreeState, built: [MerkleHash]? = nil) async throws -> InclusionProofAnswer {
        if let built, let checkpoint = initial.checkpoint {
            return InclusionProofAnswer(index: index, treeSize: initial.size, rootHash: initial.rootHash, hashes: built, checkpoint: checkpoint)
        }
        var state = initial
        // A newer batch can replace a partial tile while the proof is built; then the proof is
        // built again against the newer state.
        for attempt in 0..<4 {
            let storage = storage
            let size = state.size
            do {
                guard let checkpoint = state.checkpoint else { throw LogAPIError(status: 500, code: "internal", message: "no checkpoint") }
                let hashes = try await TiledTreeReader.inclusionProof(index: index, treeSize: size) { id in
                    if let tile = try await recentOrStoredTile(id) { return tile.data }
                    throw TransparencyError(code: .missingHash, reason: "tile \(id.path) is not stored")
                }
                try UntrustedInclusionProof(index: index, treeSize: size, hashes: hashes).verify(
                    leafHash: MerkleHash.leaf(leaf), rootHash: state.rootHash)
                return InclusionProofAnswer(index: index, treeSize: size, rootHash: state.rootHash, hashes: hashes, checkpoint: checkpoint)
            } catch {
                if attempt == 3 { throw error }
                state = try await storage.state()
            }
        }
        throw LogAPIError(status: 500, code: "internal", message: "no inclusion proof")
    }

    // MARK: Read API

    func checkpoint() async throws -> Response {
        guard let note = try await storage.state().checkpoint else {
            throw LogAPIError(status: 404, code: "noCheckpoint", message: "the log has not published a checkpoint yet")
        }
        return bytes(note, type: "text/plain; charset=utf-8", cache: "public, max-age=\(shortCacheSeconds)")
    }

    func tile(path: String) async throws -> Response {
        let resource: TileResource
        do {
            resource = try TileResource(path: path)
        } catch {
            throw LogAPIError.badRequest("invalidTilePath", "\(error)")
        }
        // The tree size this process published (no storage read); the stored size when that is
        // too small for the request, as when another process writes the same PostgreSQL log.
        var size = await sequencer.publishedState.size
        for attempt in 0..<3 {
            if attempt > 0 || !Self.fits(resource, treeSize: size) { size = try await storage.state().size }
            let served: [UInt8]?
            let isFull: Bool
            switch resource {
            case .hashes(let id):
                isFull = id.isFull
                served = try await hashTile(id, treeSize: size)
            case .entries(let id):
                isFull = id.isFull
                served = try await entryBundle(id, treeSize: size)
            }
            if let served {
                return bytes(served, type: "application/octet-stream", cache: isFull ? Self.immutable : "public, max-age=\(shortCacheSeconds)")
            }
        }
        throw LogAPIError(status: 503, code: "retry", message: "the log is changing too fast to serve this tile; retry")
    }

    /// A hash tile's bytes, nil when the storage moved on while reading (retry), or 404 when
    /// the tree has no such tile at `treeSize`.
    func hashTile(_ id: TileID, treeSize: UInt64) async throws -> [UInt8]? {
        guard let current = TileID.tile(level: id.level, index: id.index, treeSize: treeSize), current.width >= id.width else {
            throw notInTree(id.path, treeSize)
        }
        guard let tile = try await recentOrStoredTile(current) else { return nil }
        // A narrower partial tile is a prefix of any wider one.
        return Array(tile.data.prefix(Int(id.width) * MerkleHash.byteCount))
    }

    /// Whether the tree of `treeSize` entries has `resource` (at least as wide as asked).
    static func fits(_ resource: TileResource, treeSize: UInt64) -> Bool {
        switch resource {
        case .hashes(let id): TileID.tile(level: id.level, index: id.index, treeSize: treeSize).map { $0.width >= id.width } ?? false
        case .entries(let id): TileID.tile(level: 0, index: id.index, treeSize: treeSize).map { $0.width >= id.width } ?? false
        }
    }

    /// A tile from the sequencer's recent batches, else from the storage.
    func recentOrStoredTile(_ id: TileID) async throws -> Tile? {
        if let tile = await sequencer.recentTile(id) { return tile }
        return try await storage.tile(id)
    }

    /// An entry bundle's bytes, as ``hashTile(_:treeSize:)``.
    func entryBundle(_ id: EntryBundleID, treeSize: UInt64) async throws -> [UInt8]? {
        guard let level0 = TileID.tile(level: 0, index: id.index, treeSize: treeSize), level0.width >= id.width else {
            throw notInTree(id.path, treeSize)
        }
        let current = try EntryBundleID(index: id.index, width: level0.width)
        guard let data = try await storage.entryBundle(current) else { return nil }
        if current.width == id.width { return data }
        let bundle = try EntryBundle(id: current, data: data)
        return try EntryBundle(entries: Array(bundle.entries.prefix(Int(id.width)))).data
    }

    func notInTree(_ path: String, _ size: UInt64) -> LogAPIError {
        LogAPIError(status: 404, code: "notFound", message: "\(path) is outside the tree of \(size) entries")
    }

    func metricsText() async -> Response {
        await metrics.observe(sequencer)
        return text(metrics.text(), type: "text/plain; version=0.0.4; charset=utf-8", cache: "no-store")
    }

    func health() async throws -> Response {
        do {
            let state = try await storage.state()
            return json(.object(JSONObject(members: [("status", .string("ok")), ("treeSize", .string(String(state.size)))])!), status: .ok)
        } catch {
            throw LogAPIError(status: 503, code: "unhealthy", message: "the storage does not answer: \(error)")
        }
    }

    // MARK: Responses

    func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        let body = (try? CanonicalJSONEncoder.serialize(value)) ?? []
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func text(_ text: String, type: String, cache: String) -> Response {
        bytes(Array(text.utf8), type: type, cache: cache)
    }

    func bytes(_ bytes: [UInt8], type: String, cache: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = cache
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
