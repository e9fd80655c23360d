import AsyncHTTPClient
import CustodyKeys
import CustodyLog
import CustodyTransparency
import Foundation
import NIOCore

/// `log-bench populate --sqlite PATH --entries N --key LOG.pem --name NAME`
/// `log-bench proofs --server URL --key LOG.pem --name NAME --count N`
@main
enum LogBench {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            guard let command = arguments.first else { throw BenchError("usage: log-bench populate|proofs …") }
            let options = try Options(Array(arguments.dropFirst()))
            switch command {
            case "populate": try await Populate(options: options).run()
            case "proofs": try await Proofs(options: options).run()
            default: throw BenchError("unknown command \(command)")
            }
        } catch {
            FileHandle.standardError.write(Data("log-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    /// The leaf bytes of entry `index` in a populated log (the proof client recomputes them).
    static func leaf(_ index: UInt64) -> [UInt8] { Array("{\"bench-entry\":\(index)}".utf8) }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--name value` pairs.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else { throw BenchError("expected --option value, got \(name)") }
            values[String(name.dropFirst(2))] = value
        }
    }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw BenchError("--\(name) is required") }
        return value
    }

    func integer(_ name: String) throws -> UInt64 {
        guard let value = UInt64(try string(name)) else { throw BenchError("--\(name) must be a number") }
        return value
    }

    func signer() throws -> NoteSigner {
        let pem = try String(contentsOfFile: try string("key"), encoding: .utf8)
        return try NoteSigner(name: try string("name"), signer: FileSigner(try PrivateKey(pemEncoded: pem)))
    }
}

/// Writes N entries into an empty SQLite log in batches of 65,536 (full entry bundles), each batch
/// with its changed tiles and a signed checkpoint, through the same `LogStorage.integrate` the
/// sequencer uses.
struct Populate {
    static let batchSize: UInt64 = 65_536
    let options: Options

    func run() async throws {
        let total = try options.integer("entries")
        let signer = try options.signer()
        let name = try options.string("name")
        let storage = try await SQLiteLogStorage(path: try options.string("sqlite"))
        guard try await storage.state().size == 0 else { throw BenchError("the log is not empty") }
        var appender = TileAppender()
        var size: UInt64 = 0
        let started = ContinuousClock.now
        while size < total {
            let count = min(Self.batchSize, total - size)
            var entries: [[UInt8]] = []
            var hashes: [MerkleHash] = []
            entries.reserveCapacity(Int(count))
            for index in size..<(size + count) {
                let leaf = LogBench.leaf(index)
                appender.append(entry: leaf)
                entries.append(leaf)
                hashes.append(LogBatch.identityHash(of: leaf))
            }
            var bundles: [(id: EntryBundleID, data: [UInt8])] = []
            var offset = 0
            while offset < entries.count {
                let chunk = Array(entries[offset..<min(entries.count, offset + 256)])
                let id = try EntryBundleID(index: (size + UInt64(offset)) / 256, width: UInt16(chunk.count))
                bundles.append((id, try EntryBundle(entries: chunk).data))
                offset += chunk.count
            }
            let newSize = size + count
            let root = appender.rootHash
            let note = try await Checkpoint(origin: name, size: newSize, rootHash: root).sign(with: [signer])
            try await storage.integrate(LogBatch(
                oldSize: size, entries: entries, entryHashes: hashes, tiles: appender.takeChangedTiles(), bundles: bundles,
                newState: LogTreeState(size: newSize, rootHash: root, checkpoint: Array(note.serialized.utf8))))
            size = newSize
            if size % (16 * Self.batchSize) == 0 || size == total {
                print("populated \(size) entries in \(ContinuousClock.now - started)")
            }
        }
        try await storage.close()
    }
}

/// Inclusion proofs for random entries, each built from tiles fetched over HTTP (no client cache)
/// and verified against the log's signed checkpoint; prints latency percentiles.
struct Proofs {
    let options: Options

    func run() async throws {
        let server = try options.string("server")
        let count = Int(try options.integer("count"))
        let logKey = try options.signer().verifierKey
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await measure(TileFetcher(client: client, base: server), count: count, logKey: logKey)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func measure(_ fetcher: TileFetcher, count: Int, logKey: NoteVerifierKey) async throws {
        let note = try await fetcher.get("checkpoint")
        let checkpoint = try UntrustedCheckpoint(parsing: note).verify(logKey: logKey).checkpoint
        let size = checkpoint.size
        guard size > 0 else { throw BenchError("the log is empty") }
        print("tree size \(size)")
        // Warm the connection pool; not measured.
        for _ in 0..<20 { _ = try await prove(UInt64.random(in: 0..<size), size: size, root: checkpoint.rootHash, fetcher: fetcher) }
        var latencies: [Duration] = []
        latencies.reserveCapacity(count)
        var tilesFetched = 0
        for _ in 0..<count {
            let index = UInt64.random(in: 0..<size)
            let started = ContinuousClock.now
            tilesFetched += try await prove(index, size: size, root: checkpoint.rootHash, fetcher: fetcher)
            latencies.append(ContinuousClock.now - started)
        }
        latencies.sort()
        func percentile(_ p: Double) -> String {
            let position = min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)
            return Self.milliseconds(latencies[max(0, position)])
        }
        print("proofs \(count), tiles fetched \(tilesFetched) (\(Double(tilesFetched) / Double(count)) per proof)")
        print("latency ms: p50 \(percentile(0.50)) p90 \(percentile(0.90)) p99 \(percentile(0.99)) max \(Self.milliseconds(latencies.last!))")
    }

    /// Builds and verifies the proof of entry `index`; returns how many tiles it fetched.
    private func prove(_ index: UInt64, size: UInt64, root: MerkleHash, fetcher: TileFetcher) async throws -> Int {
        let counter = Counter()
        let proof = try await TiledTreeReader.inclusionProof(index: index, treeSize: size) { id in
            await counter.increment()
            return Array(try await fetcher.get(id.path).utf8Bytes)
        }
        try MerkleProof.verifyInclusion(
            leafHash: MerkleHash.leaf(LogBench.leaf(index)), index: index, treeSize: size, proof: proof, rootHash: root)
        return await counter.value
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.3f", Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
    }
}

actor Counter {
    private(set) var value = 0
    func increment() { value += 1 }
}

/// GETs over one shared HTTP/1.1 client with keep-alive.
struct TileFetcher: Sendable {
    let client: HTTPClient
    let base: String

    func get(_ path: String) async throws -> ByteBuffer {
        let request = HTTPClientRequest(url: base + "/" + path)
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw BenchError("GET \(path): \(response.status)") }
        return body
    }
}

extension ByteBuffer {
    var utf8Bytes: [UInt8] { Array(readableBytesView) }
}

extension UntrustedCheckpoint {
    init(parsing buffer: ByteBuffer) throws {
        try self.init(parsing: Array(buffer.readableBytesView))
    }
}
