import ArgumentParser
import CustodyJSON
import CustodyLogClient
import CustodyTransparency
import Foundation

/// What the `custody log` client commands share: reading `--log-key`, turning refusals into
/// exit status 1, and printing JSON values.
enum LogClientOptions {
    /// A `--log-key` value: a file holding a PEM public key or a note verifier key, or a note
    /// verifier key (`name+hash+base64`) given directly.
    static func logKey(_ value: String) throws -> LogKey {
        if FileManager.default.fileExists(atPath: value) {
            let bytes = try InputFiles.read(value, what: "log key file", limit: LogKey.maxBytes)
            do {
                return try LogKey(parsing: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw LogClientError(.invalidLogKey, "log key file \(value): \(error.reason)")
            }
        }
        guard value.contains("+") else {
            throw LogClientError(.invalidLogKey, "--log-key \(value): no such file, and not a note verifier key (name+hash+base64)")
        }
        return try LogKey(parsing: value)
    }

    /// A client of `server`.
    static func client(_ server: String) throws -> LogClient {
        do {
            return try LogClient(baseURL: server)
        } catch let error as LogClientError {
            throw ValidationError("--server: \(error.reason)")
        }
    }

    /// Runs `body`, turning a ``LogClientError/Code/notVerified`` into a refusal (exit 1).
    static func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as LogClientError where error.code == .notVerified {
            throw CommandDenied(reason: error.reason, label: "refused")
        }
    }

    /// Prints `members` as one line of canonical JSON.
    static func printJSON(_ members: [(String, JSONValue)]) throws {
        guard let object = JSONObject(members: members.map { (key: $0.0, value: $0.1) }) else { return }
        Console.current.line(String(decoding: try CanonicalJSONEncoder.serialize(.object(object)), as: UTF8.self))
    }

    /// A parsed JSON document as a value, for embedding in output.
    static func jsonValue(_ bytes: [UInt8]) -> JSONValue {
        (try? JSONParser().parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
    }

    /// A decimal string, as protobuf JSON writes 64-bit integers.
    static func decimal(_ value: UInt64) -> JSONValue { .string(String(value)) }

    /// Standard base64 with padding.
    static func base64(_ bytes: [UInt8]) -> JSONValue { .string(Data(bytes).base64EncodedString()) }
}
