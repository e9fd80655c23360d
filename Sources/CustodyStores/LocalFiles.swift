import CustodyOCI

/// The file-system operations the stores need, from CustodyOCI's `FileSystem`, with their errors
/// turned into ``StoreError``s of the code each call site reports.
enum LocalFiles {
    typealias Kind = FileSystem.Kind

    /// What is at `path`, following symbolic links.
    static func kind(of path: String) throws -> Kind {
        try mapped(.unreadable) { try FileSystem.kind(of: path) }
    }

    /// The names in a directory (without `.` and `..`); nil when the directory does not exist.
    static func contents(of path: String) throws -> [String]? {
        guard try kind(of: path) != .missing else { return nil }
        return try mapped(.invalidConfiguration) { try FileSystem.contents(of: path) }
    }

    /// Creates `path` and its missing parents (as Go's `os.MkdirAll`; the umask applies).
    static func makeDirectories(_ path: String) throws {
        try mapped(.io) { try FileSystem.makeDirectories(path) }
    }

    /// See `FileSystem.writeToFirstFreeName`: complete files only, never replacing one.
    static func writeToFirstFreeName(_ bytes: [UInt8], in directory: String, candidates: some Sequence<String>) throws -> String? {
        try mapped(.io) { try FileSystem.writeToFirstFreeName(bytes, in: directory, candidates: candidates) }
    }

    private static func mapped<T>(_ code: StoreError.Code, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as OCIError {
            throw StoreError(code: code, reason: error.reason)
        }
    }
}
