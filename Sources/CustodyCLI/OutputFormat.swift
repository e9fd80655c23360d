import ArgumentParser
import CustodyJSON

/// How a command prints its result.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// For people.
    case text
    /// One JSON object on one line, keys sorted (deterministic, for scripts and audit records).
    case json
}

/// The `--output` option shared by commands that print a result.
public struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text or json.")
    public var output: OutputFormat = .text

    public init() {}
}

extension Console {
    /// Writes `value` as one line of canonical JSON.
    func json(_ value: some Encodable) throws {
        line(String(decoding: try CanonicalJSONEncoder().encode(value), as: UTF8.self))
    }
}
