// Shared helpers of the CustodyTransparency tests: the vectors copied into Vectors/ (each folder
// has a SOURCE.md), a seeded random generator, and small conversions.

import CustodyTransparency
import Foundation

enum Vectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The directory `Vectors/<relativePath>`: inside `Bundle.module` normally, otherwise next to this file.
    static func directory(_ relativePath: String) throws -> URL {
        if let root = Bundle.module.resourceURL {
            for candidate in [root.appendingPathComponent("Vectors/\(relativePath)"), root.appendingPathComponent(relativePath)]
            where isDirectory(candidate) {
                return candidate
            }
        }
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(relativePath)")
        if isDirectory(sourceTree) { return sourceTree }
        throw Missing(description: "vector directory Vectors/\(relativePath) not found in Bundle.module or the source tree")
    }

    /// The bytes of `Vectors/<folder>/<name>`.
    static func bytes(_ name: String, in folder: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory(folder).appendingPathComponent(name)))
    }

    /// The text of `Vectors/<folder>/<name>`.
    static func text(_ name: String, in folder: String) throws -> String {
        String(decoding: try bytes(name, in: folder), as: UTF8.self)
    }

    /// The JSON object in `Vectors/<folder>/<name>`.
    static func json(_ name: String, in folder: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(try bytes(name, in: folder))) as? [String: Any] else {
            throw Missing(description: "\(folder)/\(name) is not a JSON object")
        }
        return object
    }

    /// Every `.json` file under `Vectors/<folder>`, recursively, as (relative path, object), sorted by path.
    static func jsonFiles(under folder: String) throws -> [(String, [String: Any])] {
        let root = try directory(folder)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var result: [(String, [String: Any])] = []
        for case let url as URL in enumerator where url.pathExtension == "json" {
            let relative = String(url.path.dropFirst(root.path.count + 1))
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw Missing(description: "\(relative) is not a JSON object")
            }
            result.append((relative, object))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }
}

/// SplitMix64: a small deterministic generator, so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func base64Bytes(_ text: String) -> [UInt8]? {
    Data(base64Encoded: text).map { [UInt8]($0) }
}

extension MerkleHash {
    /// The hash with bit `bit` (0 = most significant bit of byte 0) flipped.
    func flipping(bit: Int) -> MerkleHash {
        var bytes = self.bytes
        bytes[bit / 8] ^= 0x80 >> UInt8(bit % 8)
        return try! MerkleHash(bytes: bytes)
    }
}

/// The RFC 6962 reference tree of 8 leaves (transparency-dev/merkle `testonly/constants.go`,
/// commit 417fb0c3): the leaf inputs, every complete node hash by level, and the root of every
/// prefix from size 0 to 8.
enum ReferenceTree {
    static let leaves: [[UInt8]] = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map(hexBytes)

    static let nodes: [[String]] = [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ]

    static let roots: [String] = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
}

/// A straightforward recursive RFC 9162 MTH, as the specification states it (for cross-checks).
func referenceRoot(_ hashes: ArraySlice<MerkleHash>) -> MerkleHash {
    switch hashes.count {
    case 0: return MerkleHash.emptyTree
    case 1: return hashes.first!
    default:
        var split = 1
        while split * 2 < hashes.count { split *= 2 }
        let middle = hashes.startIndex + split
        return MerkleHash.node(referenceRoot(hashes[..<middle]), referenceRoot(hashes[middle...]))
    }
}

/// Leaf hashes of a deterministic tree: leaf i has contents "leaf <i>".
func sampleLeafHashes(_ count: Int) -> [MerkleHash] {
    (0..<count).map { MerkleHash.leaf(Array("leaf \($0)".utf8)) }
}

/// The value, or a thrown error naming what was missing (for digging into vector JSON).
func need<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw Vectors.Missing(description: "missing or malformed: \(what)") }
    return value
}
