import ArgumentParser
import CustodyJSON
import CustodyLogClient
import CustodyTransparency

/// `custody log proof`: inclusion and consistency proofs built from a log's tiles.
struct LogProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Build an inclusion or consistency proof from a log's tiles and verify it.",
        discussion: """
            --index N proves entry N is in the tree of --tree-size leaves (default: the current \
            checkpoint's size); --consistency OLD [NEW] proves the tree of OLD leaves is a prefix \
            of the tree of NEW leaves (default: the current size). The proofs are computed on this \
            side from the log's tiles and checked against the current checkpoint, which must be \
            signed by --log-key. Exit status 0 verified, 1 something does not verify, 2 error.
            """
    )

    @Option(name: .long, help: "The log's URL, e.g. http://127.0.0.1:3000.") var server: String
    @Option(name: .customLong("log-key"), help: "The log's checkpoint key: a PEM public key file or a note verifier key.") var logKey: String
    @Option(name: .long, help: "The entry to prove included.") var index: UInt64?
    @Option(name: .customLong("tree-size"), help: "With --index: the tree size of the proof.") var treeSize: UInt64?
    @Option(name: .long, parsing: .upToNextOption, help: "OLD [NEW]: prove the tree of OLD leaves is a prefix of the tree of NEW.")
    var consistency: [UInt64] = []
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (index != nil) != !consistency.isEmpty else { throw ValidationError("give exactly one of --index and --consistency") }
        guard consistency.count <= 2 else { throw ValidationError("--consistency takes OLD and an optional NEW") }
        if treeSize != nil, index == nil { throw ValidationError("--tree-size goes with --index") }
    }

    func run() async throws {
        let client = try LogClientOptions.client(server)
        let key = try LogClientOptions.logKey(logKey)
        try await LogClientOptions.refusing {
            let checkpoint = try await client.verifiedCheckpoint(logKey: key)
            if let index {
                report(try await client.inclusionProof(index: index, treeSize: treeSize, in: checkpoint), checkpoint: checkpoint.checkpoint)
            } else {
                let proof = try await client.consistencyProof(oldSize: consistency[0], newSize: consistency.count > 1 ? consistency[1] : nil, in: checkpoint)
                report(proof, checkpoint: checkpoint.checkpoint)
            }
        }
    }

    private func checkpointJSON(_ checkpoint: Checkpoint) -> JSONValue {
        .object(JSONObject(members: [
            (key: "origin", value: .string(checkpoint.origin)),
            (key: "treeSize", value: LogClientOptions.decimal(checkpoint.size)),
            (key: "rootHash", value: .string(checkpoint.rootHash.base64)),
        ])!)
    }

    private func report(_ proof: LogInclusionProof, checkpoint: Checkpoint) {
        switch output.output {
        case .json:
            try? LogClientOptions.printJSON([
                ("kind", .string("inclusion")),
                ("logIndex", LogClientOptions.decimal(proof.index)),
                ("treeSize", LogClientOptions.decimal(proof.treeSize)),
                ("rootHash", .string(proof.rootHash.base64)),
                ("leafHash", .string(proof.leafHash.base64)),
                ("hashes", .array(proof.hashes.map { .string($0.base64) })),
                ("checkpoint", checkpointJSON(checkpoint)),
                ("verified", .bool(true)),
            ])
        case .text:
            let console = Console.current
            console.line("inclusion proof of entry \(proof.index) in tree size \(proof.treeSize): verified")
            console.line("leaf hash: \(proof.leafHash.hex)")
            console.line("root hash: \(proof.rootHash.hex)")
            for hash in proof.hashes { console.line("  \(hash.hex)") }
            console.line("checkpoint: \(checkpoint.origin) size \(checkpoint.size), signed by the log key")
        }
    }

    private func report(_ proof: LogConsistencyProof, checkpoint: Checkpoint) {
        switch output.output {
        case .json:
            try? LogClientOptions.printJSON([
                ("kind", .string("consistency")),
                ("oldSize", LogClientOptions.decimal(proof.oldSize)),
                ("newSize", LogClientOptions.decimal(proof.newSize)),
                ("oldRootHash", .string(proof.oldRootHash.base64)),
                ("newRootHash", .string(proof.newRootHash.base64)),
                ("hashes", .array(proof.hashes.map { .string($0.base64) })),
                ("checkpoint", checkpointJSON(checkpoint)),
                ("verified", .bool(true)),
            ])
        case .text:
            let console = Console.current
            console.line("consistency proof from tree size \(proof.oldSize) to \(proof.newSize): verified")
            console.line("old root: \(proof.oldRootHash.hex)")
            console.line("new root: \(proof.newRootHash.hex)")
            for hash in proof.hashes { console.line("  \(hash.hex)") }
            console.line("checkpoint: \(checkpoint.origin) size \(checkpoint.size), signed by the log key")
        }
    }
}
