import Foundation

/// Real container-image fixtures built by `Scripts/make-fixtures.sh` (umoci + skopeo).
///
/// The script runs at most ONCE per test process, into a fresh temporary directory, the first
/// time any test asks for it; later calls (from any thread) get the same directory. See the
/// comment block at the top of the script for the list of fixtures and their reference strings.
/// The directory is removed when the process exits, unless `CUSTODY_KEEP_FIXTURES=1` is set (for
/// debugging: its path is printed to stderr).
public enum Fixtures {
    /// The repository root, derived from this file's location (Tests/CustodyTestSupport/Fixtures.swift).
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/CustodyTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .path

    /// The path of the fixture-building script.
    public static var scriptPath: String { repositoryRoot + "/Scripts/make-fixtures.sh" }

    /// The directory holding every fixture; builds them on first use.
    /// Throws (every time it is called) if building them failed, with the script's output.
    public static func directory() throws -> String {
        try built.get()
    }

    /// The absolute path of one fixture, e.g. `try Fixtures.path("oci-single")`.
    public static func path(_ name: String) throws -> String {
        try directory() + "/" + name
    }

    // Swift runs a static `let` initialiser exactly once, lazily and thread-safely (swift_once),
    // so concurrent tests share one build.
    private static let built: Result<String, any Error> = Result { try build() }

    private static func build() throws -> String {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: scriptPath) else {
            throw TestSupportError("fixture script not found at \(scriptPath)")
        }
        let output = fileManager.temporaryDirectory
            .appendingPathComponent("custody-fixtures-\(UUID().uuidString)", isDirectory: true)
            .path
        let result = try runProcess("bash", [scriptPath, output])
        guard result.status == 0 else {
            try? fileManager.removeItem(atPath: output)
            throw TestSupportError("""
                Scripts/make-fixtures.sh failed (status \(result.status)); are umoci, skopeo and \
                python3 installed? (bash Scripts/test.sh installs them)
                --- stderr ---
                \(result.stderrText)
                --- stdout ---
                \(result.stdoutText)
                """)
        }
        if ProcessInfo.processInfo.environment["CUSTODY_KEEP_FIXTURES"] == "1" {
            FileHandle.standardError.write(Data("custody test fixtures kept in \(output)\n".utf8))
        } else {
            atexit {
                // `built` is already initialised when this runs, so this never rebuilds.
                if case .success(let directory) = Fixtures.built {
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
        }
        return output
    }
}
