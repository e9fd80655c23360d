import ArgumentParser
import CustodyJSON
import CustodyLogClient
import CustodyTransparency

/// `custody log get`: reads one entry of a log from its entry bundle.
struct LogGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Print one entry of a transparency log: its canonicalized body and leaf hash.",
        discussion: """
            Reads the entry from the log's entry bundle (tile/entries/…). With --log-key, the \
            current checkpoint must be signed by that key and the entry is verified against it: \
            the bundle matches its hash tile, and an inclusion proof built from the tiles leads \
            from the entry's leaf hash to the checkpoint's root. Without --log-key the entry is \
            printed and reported as not verified. Exit status 0, 1 the entry does not verify, 2 error.
            """
    )

    @Option(name: .long, help: "The log's URL, e.g. http://127.0.0.1:3000.") var server: String
    @Option(name: .long, help: "The entry's index.") var index: UInt64
    @Option(name: .customLong("log-key"), help: "The log's checkpoint key: a PEM public key file or a note verifier key.") var logKey: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let client = try LogClientOptions.client(server)
        let trustedKey = try logKey.map(LogClientOptions.logKey)
        try await LogClientOptions.refusing {
            let entry: [UInt8]
            let treeSize: UInt64
            if let trustedKey {
                let checkpoint = try await client.verifiedCheckpoint(logKey: trustedKey)
                entry = try await client.entry(index: index, in: checkpoint)
                treeSize = checkpoint.checkpoint.size
            } else {
                treeSize = try await client.checkpoint().untrustedCheckpoint.size
                guard index < treeSize else {
                    throw LogClientError(.outOfRange, "entry \(index) is not in the log's tree of \(treeSize) entries")
                }
                let bundleID = try EntryBundleID.containing(entry: index, treeSize: treeSize)
                entry = try await client.entryBundle(bundleID).entries[Int(index - bundleID.firstEntry)]
            }
            report(entry, treeSize: treeSize, verified: trustedKey != nil)
        }
    }

    private func report(_ entry: [UInt8], treeSize: UInt64, verified: Bool) {
        let leafHash = MerkleHash.leaf(entry)
        switch output.output {
        case .json:
            try? LogClientOptions.printJSON([
                ("logIndex", LogClientOptions.decimal(index)),
                ("treeSize", LogClientOptions.decimal(treeSize)),
                ("leafHash", .string(leafHash.base64)),
                ("canonicalizedBody", LogClientOptions.base64(entry)),
                ("verified", .bool(verified)),
            ])
        case .text:
            let console = Console.current
            console.line("entry \(index) of \(treeSize)")
            console.line("leaf hash: \(leafHash.hex)")
            console.line(verified ? "verified: included in the checkpoint signed by the log key" : "NOT verified: no --log-key given")
            console.line(String(decoding: entry, as: UTF8.self))
        }
    }
}
