#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few path rules the policy needs: lexical cleaning as Go's `filepath.Clean`, key paths
/// relative to the policy's folder, and the fully resolved paths containers/image uses as the
/// policy identity of local images (`explicitfilepath.ResolvePathToFullyExplicit`).
enum FilePathRules {
    /// `path` with repeated and trailing slashes, `.` components and resolvable `..` components
    /// removed, without looking at the file system (Go's `filepath.Clean`).
    static func cleaned(_ path: String) -> String {
        if path.isEmpty { return "." }
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !isAbsolute {
                    parts.append(component)
                }
            default: parts.append(component)
            }
        }
        let joined = parts.joined(separator: "/")
        if isAbsolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The current directory, or `/` when it cannot be found.
    static var currentDirectory: String {
        let path = FileManager.default.currentDirectoryPath
        return path.hasPrefix("/") ? path : "/"
    }

    /// `directory` as an absolute, cleaned path (a relative one is taken from the current directory).
    static func absoluteDirectory(_ directory: String) -> String {
        if directory.hasPrefix("/") { return cleaned(directory) }
        return cleaned(currentDirectory + "/" + directory)
    }

    /// A key, certificate or keyring path of the policy: an absolute path is kept as written; a
    /// relative one is joined to `baseDirectory` (already absolute) and cleaned.
    static func resolve(_ path: String, against baseDirectory: String) -> String {
        path.hasPrefix("/") ? path : cleaned(baseDirectory + "/" + path)
    }

    /// `path` made absolute, cleaned, and with every symbolic link resolved; when the path does
    /// not exist, its parent must, and the last component is kept as written.
    /// - Returns: the resolved path, or a one-line reason why it cannot be resolved.
    static func fullyResolved(_ path: String) -> Result<String, PathFailure> {
        let absolute = cleaned(path.hasPrefix("/") ? path : currentDirectory + "/" + path)
        var info = stat()
        if lstat(absolute, &info) == 0 { return realPath(absolute) }
        guard errno == ENOENT else { return .failure(PathFailure(systemMessage(for: absolute))) }
        guard let slash = absolute.lastIndex(of: "/") else { return .failure(PathFailure("\(absolute): not an absolute path")) }
        let parent = slash == absolute.startIndex ? "/" : String(absolute[..<slash])
        let last = String(absolute[absolute.index(after: slash)...])
        switch realPath(parent) {
        case .success(let resolvedParent): return .success(resolvedParent == "/" ? "/" + last : resolvedParent + "/" + last)
        case .failure(let failure): return .failure(failure)
        }
    }

    /// The parent directories of an absolute path, nearest first, without `/`:
    /// `/srv/images/app` gives `/srv/images`, `/srv`.
    static func parents(of path: String) -> [String] {
        var result: [String] = []
        var current = Substring(path)
        while let slash = current.lastIndex(of: "/"), slash != current.startIndex {
            current = current[..<slash]
            result.append(String(current))
        }
        return result
    }

    /// Why a path could not be resolved.
    struct PathFailure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    private static func realPath(_ path: String) -> Result<String, PathFailure> {
        guard let resolved = realpath(path, nil) else { return .failure(PathFailure(systemMessage(for: path))) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    private static func systemMessage(for path: String) -> String {
        "\(path): \(String(cString: strerror(errno)))"
    }
}
