/// The entries of one entry bundle (C2SP tlog-tiles): each entry is written as a big-endian
/// uint16 length followed by that many bytes, and the bundle is the concatenation.
public struct EntryBundle: Sendable, Hashable {
    /// The largest entry a bundle can carry (the uint16 length prefix).
    public static let maxEntryBytes = Int(UInt16.max)

    /// The entries, in log order.
    public let entries: [[UInt8]]

    /// A bundle of 1 to 256 entries, each at most ``maxEntryBytes``.
    ///
    /// - Throws: ``TransparencyError/Code/tooLarge`` for an oversized entry or more than 256
    ///   entries; ``TransparencyError/Code/outOfRange`` for no entries.
    public init(entries: [[UInt8]]) throws {
        guard !entries.isEmpty else {
            throw TransparencyError(code: .outOfRange, reason: "an entry bundle holds at least one entry")
        }
        guard entries.count <= Int(TileID.fullWidth) else {
            throw TransparencyError(code: .tooLarge, reason: "an entry bundle holds at most 256 entries, not \(entries.count)")
        }
        for (offset, entry) in entries.enumerated() where entry.count > Self.maxEntryBytes {
            throw TransparencyError(
                code: .tooLarge, reason: "entry \(offset) is \(entry.count) bytes; the limit is \(Self.maxEntryBytes)")
        }
        self.entries = entries
    }

    /// Parses the served bytes of the bundle `id`: exactly `id.width` entries and nothing after.
    ///
    /// - Throws: ``TransparencyError/Code/truncated`` when the data ends inside a length or an
    ///   entry (fewer entries than the width); ``TransparencyError/Code/trailingData`` when bytes
    ///   follow the last entry.
    public init(id: EntryBundleID, data: some Collection<UInt8>) throws {
        let bytes = Array(data)
        var entries: [[UInt8]] = []
        entries.reserveCapacity(Int(id.width))
        var offset = 0
        while entries.count < Int(id.width) {
            guard offset + 2 <= bytes.count else {
                throw TransparencyError(
                    code: .truncated,
                    reason: "entry bundle \(id.path) ends after \(entries.count) of \(id.width) entries")
            }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard offset + length <= bytes.count else {
                throw TransparencyError(
                    code: .truncated,
                    reason: "entry \(entries.count) of bundle \(id.path) claims \(length) bytes; \(bytes.count - offset) remain")
            }
            entries.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        guard offset == bytes.count else {
            throw TransparencyError(
                code: .trailingData, reason: "entry bundle \(id.path) has \(bytes.count - offset) bytes after its \(id.width) entries")
        }
        self.entries = entries
    }

    /// The bytes a log serves.
    public var data: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.reduce(0) { $0 + 2 + $1.count })
        for entry in entries {
            bytes.append(UInt8(entry.count >> 8))
            bytes.append(UInt8(entry.count & 0xff))
            bytes.append(contentsOf: entry)
        }
        return bytes
    }

    /// The leaf hash of each entry.
    public var leafHashes: [MerkleHash] {
        entries.map { MerkleHash.leaf($0) }
    }

    /// Checks that the entries hash to the level-0 `tile` of the same index: the tile holds exactly
    /// these leaf hashes, in order.
    ///
    /// - Throws: ``TransparencyError/Code/invalidTile`` when the tile is not level 0, has another
    ///   width, or holds other hashes.
    public func verify(against tile: Tile) throws {
        guard tile.id.level == 0, Int(tile.id.width) == entries.count else {
            throw TransparencyError(
                code: .invalidTile, reason: "tile \(tile.id.path) cannot hold the leaf hashes of \(entries.count) entries")
        }
        for (offset, hash) in leafHashes.enumerated() where hash != tile.hashes[offset] {
            throw TransparencyError(
                code: .invalidTile, reason: "entry \(offset) does not hash to position \(offset) of tile \(tile.id.path)")
        }
    }
}
