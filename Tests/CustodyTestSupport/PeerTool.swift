import Foundation

/// Finds the real peer tools (skopeo, umoci, gpg, openssl, …) that interop tests compare against.
///
/// Tests that need a peer tool use the trait `.enabled(if: PeerTool.availableOrCI("skopeo", "umoci"))`:
/// on a developer machine without the tool the test is skipped, but under CI (`CI=true`) it always
/// runs, so a missing tool makes it FAIL instead of silently skipping.
public enum PeerTool {
    /// The absolute path of `name`, searched in `PATH` like a shell does; nil when not found.
    /// A name containing "/" is checked as a path as-is.
    public static func path(_ name: String) -> String? {
        guard !name.isEmpty else { return nil }
        if name.contains("/") {
            return isExecutableFile(name) ? name : nil
        }
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(name)" : "\(directory)/\(name)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// True when the environment variable `CI` is exactly "true" (set by CI systems).
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// True when every named tool is found in `PATH`.
    public static func available(_ names: String...) -> Bool {
        names.allSatisfy { path($0) != nil }
    }

    /// True when every named tool is found, or when running under CI (where a missing tool must
    /// make the test fail, never skip it).
    public static func availableOrCI(_ names: String...) -> Bool {
        isCI || names.allSatisfy { path($0) != nil }
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return false
        }
        return FileManager.default.isExecutableFile(atPath: path)
    }
}
