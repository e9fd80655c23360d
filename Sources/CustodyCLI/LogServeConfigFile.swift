import CustodyJSON
import Foundation

/// The `--config` file of `custody log serve`: the same settings as the flags, as one strict JSON
/// object. Flags given on the command line override the file.
///
/// ```json
/// {"storage": "sqlite:/var/lib/custody/log.sqlite", "key": "/etc/custody/log.key",
///  "name": "log.example.com", "listen": "0.0.0.0:3000", "batchIntervalMilliseconds": 250}
/// ```
///
/// Members: `storage`, `key`, `passphraseFile`, `name`, `listen` (strings) and
/// `batchIntervalMilliseconds` (an integer); every one optional, no other member accepted.
/// Relative paths (`key`, `passphraseFile`, a `sqlite:` path) are read from the file's folder.
struct LogServeConfigFile: Equatable {
    /// The largest configuration file read.
    static let maxBytes = 64 * 1024

    var storage: String?
    var key: String?
    var passphraseFile: String?
    var name: String?
    var listen: String?
    var batchIntervalMilliseconds: Int?

    /// Reads and checks the file at `path`.
    ///
    /// - Throws: ``CouldNotEvaluate`` naming the file and the member at fault.
    init(path: String) throws {
        let bytes = try InputFiles.read(path, what: "log configuration file", limit: Self.maxBytes)
        try self.init(json: bytes, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path, name: path)
    }

    init(json bytes: [UInt8], folder: String, name: String) throws {
        func invalid(_ why: String) -> CouldNotEvaluate { CouldNotEvaluate(reason: "log configuration \(name): \(why)") }
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: Self.maxBytes, maxDepth: 2)).parse(bytes)
        } catch {
            throw invalid("not one strict JSON document: \(error)")
        }
        guard case .object(let object) = value else { throw invalid("must be a JSON object") }
        func string(_ key: String) throws -> String? {
            switch object[key] {
            case nil: return nil
            case .string(let text)?: return text
            default: throw invalid("\(key) must be a string")
            }
        }
        func path(_ key: String) throws -> String? {
            try string(key).map { $0.hasPrefix("/") ? $0 : folder + "/" + $0 }
        }
        let known: Set<String> = ["storage", "key", "passphraseFile", "name", "listen", "batchIntervalMilliseconds"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw invalid("unknown member '\(unknown.prefix(64))' (known: \(known.sorted().joined(separator: ", ")))")
        }
        storage = try string("storage").map { value in
            guard value.hasPrefix("sqlite:"), !value.hasPrefix("sqlite:/") else { return value }
            return "sqlite:" + folder + "/" + value.dropFirst("sqlite:".count)
        }
        key = try path("key")
        passphraseFile = try path("passphraseFile")
        self.name = try string("name")
        listen = try string("listen")
        switch object["batchIntervalMilliseconds"] {
        case nil: batchIntervalMilliseconds = nil
        case .number(let number)?:
            guard let milliseconds = number.int64, let value = Int(exactly: milliseconds) else {
                throw invalid("batchIntervalMilliseconds must be an integer")
            }
            batchIntervalMilliseconds = value
        default: throw invalid("batchIntervalMilliseconds must be an integer")
        }
    }
}
