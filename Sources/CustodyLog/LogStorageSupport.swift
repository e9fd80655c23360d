import Crypto
import CustodyTransparency

extension LogBatch {
    /// The identity hash of an entry for de-duplication: SHA-256 of its leaf bytes (not the
    /// RFC 6962 leaf hash, which has the 0x00 prefix).
    public static func identityHash(of leaf: some Collection<UInt8>) -> MerkleHash {
        // A SHA-256 digest is always 32 bytes, so this cannot fail.
        try! MerkleHash(bytes: Array(SHA256.hash(data: Array(leaf))))
    }

    /// The new tree size, after checking that the batch agrees with itself.
    func checkedNewSize() throws -> UInt64 {
        guard entries.count == entryHashes.count else {
            throw LogError(code: .invalidBatch, reason: "batch has \(entries.count) entries but \(entryHashes.count) entry hashes")
        }
        let (newSize, overflow) = oldSize.addingReportingOverflow(UInt64(entries.count))
        guard !overflow, newSize == newState.size, newSize <= UInt64(Int64.max) else {
            throw LogError(
                code: .invalidBatch,
                reason: "batch from size \(oldSize) with \(entries.count) entries cannot reach new size \(newState.size)")
        }
        for tile in tiles where tile.hashes.count != Int(tile.id.width) {
            throw LogError(code: .invalidBatch, reason: "tile \(tile.id.path) has \(tile.hashes.count) hashes")
        }
        return newSize
    }
}

/// Answers tile and bundle reads from the widest stored version: every log keeps one row per
/// tile coordinate, and a narrower partial tile is a prefix of a wider one because the tree only grows.
enum StoredTiles {
    /// The tile `id` cut from the stored tile of the same coordinates, or nil when it is narrower.
    static func tile(_ id: TileID, storedWidth: Int, data: [UInt8]) throws -> Tile? {
        guard storedWidth >= Int(id.width) else { return nil }
        guard data.count == storedWidth * MerkleHash.byteCount else {
            throw LogError(code: .corrupt, reason: "stored tile \(id.level)/\(id.index) has \(data.count) bytes for width \(storedWidth)")
        }
        do {
            return try Tile(id: id, data: data.prefix(Int(id.width) * MerkleHash.byteCount))
        } catch {
            throw LogError(code: .corrupt, reason: "stored tile \(id.path): \(error)")
        }
    }

    /// The bundle `id` cut from the stored bundle of the same index, or nil when it is narrower.
    static func bundle(_ id: EntryBundleID, storedWidth: Int, data: [UInt8]) throws -> [UInt8]? {
        guard storedWidth >= Int(id.width) else { return nil }
        if storedWidth == Int(id.width) { return data }
        do {
            let stored = try EntryBundle(id: EntryBundleID(index: id.index, width: UInt16(storedWidth)), data: data)
            return try EntryBundle(entries: Array(stored.entries.prefix(Int(id.width)))).data
        } catch {
            throw LogError(code: .corrupt, reason: "stored bundle \(id.index) of width \(storedWidth): \(error)")
        }
    }
}

/// A stored tile or bundle row: its width and bytes.
struct StoredRow: Sendable {
    let width: Int
    let data: [UInt8]
}
