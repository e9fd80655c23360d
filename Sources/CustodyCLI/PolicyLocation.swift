import ArgumentParser
import CustodyPolicy
import Foundation

/// Where a command's trust policy comes from: `--policy`, else where containers tools look.
enum PolicyLocation {
    /// The policy file: `explicit`, else `$HOME/.config/containers/policy.json` when it exists,
    /// else `/etc/containers/policy.json` when it exists. There is no built-in fallback.
    /// - Throws: when no file is found (as containers/image: "no policy.json file found at any of
    ///   the following: …").
    static func path(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let explicit { return explicit }
        var candidates: [String] = []
        if let home = environment["HOME"], !home.isEmpty { candidates.append(home + "/.config/containers/policy.json") }
        candidates.append("/etc/containers/policy.json")
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw PolicyError(
            code: .io,
            reason: "no policy.json file found at any of the following: \(candidates.map { "\"\($0)\"" }.joined(separator: ", ")); give one with --policy")
    }
}
