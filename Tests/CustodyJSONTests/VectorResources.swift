// Finds the upstream test vectors copied into this target (`resources: [.copy("Vectors")]`).
// Each folder under Vectors/ has a SOURCE.md naming the upstream repository, commit, path and
// licence of its files.

import Foundation

enum VectorResources {
    struct MissingVector: Error, CustomStringConvertible {
        let description: String
    }

    /// The directory `Vectors/<relativePath>`: inside `Bundle.module` normally, otherwise (for a
    /// toolchain that lays resources out differently) next to this source file.
    static func directory(_ relativePath: String) throws -> URL {
        if let root = Bundle.module.resourceURL {
            for candidate in [root.appendingPathComponent("Vectors/\(relativePath)"), root.appendingPathComponent(relativePath)]
            where isDirectory(candidate) {
                return candidate
            }
        }
        let sourceTree = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Vectors/\(relativePath)")
        if isDirectory(sourceTree) { return sourceTree }
        throw MissingVector(description: "vector directory Vectors/\(relativePath) not found in Bundle.module or the source tree")
    }

    /// The bytes of `Vectors/<relativePath>/<name>`, looked up with `Bundle.module.url(forResource:…)`.
    static func bytes(_ name: String, in relativePath: String) throws -> [UInt8] {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        let url = try Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Vectors/\(relativePath)")
            ?? directory(relativePath).appendingPathComponent(name)
        return try [UInt8](Data(contentsOf: url))
    }

    /// The names of the regular files in `Vectors/<relativePath>` with extension `ext`, sorted.
    static func fileNames(in relativePath: String, withExtension ext: String) throws -> [String] {
        let directory = try directory(relativePath)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { ($0 as NSString).pathExtension == ext }
            .sorted()
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}
