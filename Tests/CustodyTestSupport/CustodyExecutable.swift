import Foundation

/// The `custody` command-line tool as built by SwiftPM for the current test run.
public enum CustodyExecutable {
    /// The absolute path of the built `custody` binary.
    ///
    /// `CUSTODY_EXECUTABLE` overrides the search. Otherwise the binary is looked for next to the
    /// test bundle: on Linux `swift test` runs `.build/<triple>/debug/CustodyPackageTests.xctest`
    /// and `custody` sits in the same directory (on macOS the bundle is a directory, so its
    /// parents are searched too). Searched: the directory of `Bundle.main`, the directory of
    /// `CommandLine.arguments[0]`, the directories of loaded `.xctest` bundles, and up to three
    /// parents of each.
    public static func path() throws -> String {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["CUSTODY_EXECUTABLE"], !override.isEmpty {
            guard fileManager.isExecutableFile(atPath: override) else {
                throw TestSupportError("CUSTODY_EXECUTABLE=\(override) is not an executable file")
            }
            return override
        }

        var starts: [URL] = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let argument0 = CommandLine.arguments.first, !argument0.isEmpty {
            let cwd = URL(fileURLWithPath: fileManager.currentDirectoryPath, isDirectory: true)
            let executable = URL(fileURLWithPath: argument0, relativeTo: cwd).standardizedFileURL
            starts.append(executable.deletingLastPathComponent())
            starts.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            starts.append(bundle.bundleURL.deletingLastPathComponent())
        }

        var tried: [String] = []
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0...3 {
                let candidate = directory.appendingPathComponent("custody").path
                if !tried.contains(candidate) {
                    tried.append(candidate)
                    var isDirectory: ObjCBool = false
                    if fileManager.fileExists(atPath: candidate, isDirectory: &isDirectory),
                       !isDirectory.boolValue, fileManager.isExecutableFile(atPath: candidate) {
                        return candidate
                    }
                }
                directory.deleteLastPathComponent()
            }
        }
        throw TestSupportError(
            "cannot find the built `custody` binary; looked at:\n" + tried.joined(separator: "\n")
                + "\n(run the tests with `swift test`, or set CUSTODY_EXECUTABLE)"
        )
    }

    /// Runs `custody` with `arguments` and returns its status and output.
    public static func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(path(), arguments)
    }
}
