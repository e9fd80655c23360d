import Foundation

/// A fresh directory under the system temporary directory, for one test.
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let path: String

    /// Creates a new, empty directory.
    public init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("custody-tests-\(UUID().uuidString)", isDirectory: true)
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `path/relative`.
    public func file(_ relative: String) -> String { "\(path)/\(relative)" }

    /// Writes `bytes` to `path/relative`, creating parent directories.
    @discardableResult
    public func write(_ bytes: [UInt8], to relative: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: target, contents: Data(bytes)) else {
            throw TestSupportError("cannot write \(target)")
        }
        return target
    }

    /// Writes UTF-8 `text` to `path/relative`.
    @discardableResult
    public func write(_ text: String, to relative: String) throws -> String {
        try write(Array(text.utf8), to: relative)
    }

    /// Creates the directory `path/relative` and its parents.
    public func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: file(relative), withIntermediateDirectories: true)
    }

    /// The names in `path/relative`, sorted.
    public func names(in relative: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: file(relative)).sorted()
    }

    /// The bytes of `path/relative`.
    public func read(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: file(relative))))
    }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a fresh temporary directory and deletes it afterwards, whatever happens.
@discardableResult
public func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try await body(directory)
}
