import Crypto

/// A 32-byte SHA-256 value in an RFC 6962 / RFC 9162 Merkle tree: a leaf hash, an interior node
/// hash or a root hash.
///
/// The tree hashes with domain separation:
/// - a leaf is `SHA-256(0x00 || data)` (``leaf(_:)``);
/// - an interior node is `SHA-256(0x01 || left || right)` (``node(_:_:)``);
/// - the empty tree is `SHA-256("")` (``emptyTree``).
///
/// The value is stored inline (no heap allocation), so arrays of hashes and proof arithmetic stay cheap.
public struct MerkleHash: Sendable, Hashable, CustomStringConvertible {
    /// The length of every hash, in bytes.
    public static let byteCount = 32

    /// The 32 bytes in memory order, as four words.
    ///
    /// Not `SIMD32<UInt8>`: LLVM gives that vector type 32-byte alignment, and with Swift 6.3.1
    /// async function frames holding over-aligned values were laid out past the end of their
    /// task-allocator block, which corrupted the heap in every async caller (the log server).
    private struct Words: Sendable, Hashable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    }

    private var storage: Words

    /// A hash from exactly 32 bytes.
    ///
    /// - Throws: ``TransparencyError`` with code ``TransparencyError/Code/invalidHash`` for any other length.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else {
            throw TransparencyError(code: .invalidHash, reason: "a Merkle hash is 32 bytes, not \(bytes.count)")
        }
        var storage = Words()
        withUnsafeMutableBytes(of: &storage) { raw in
            // Contiguous inputs (arrays, slices of tile data) are copied in one step.
            let copied = bytes.withContiguousStorageIfAvailable { source in
                raw.copyMemory(from: UnsafeRawBufferPointer(source))
            }
            if copied == nil {
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
        }
        self.storage = storage
    }

    /// A hash from 64 hexadecimal digits (either case).
    ///
    /// - Throws: ``TransparencyError/Code/invalidHash``.
    public init(hex: some StringProtocol) throws {
        guard let bytes = Hex.decode(hex), bytes.count == Self.byteCount else {
            throw TransparencyError(code: .invalidHash, reason: "a Merkle hash in hex is 64 hex digits")
        }
        try self.init(bytes: bytes)
    }

    /// A hash from canonical padded standard base64 (44 characters), the form checkpoints and
    /// Sigstore bundles use.
    ///
    /// - Throws: ``TransparencyError/Code/invalidBase64`` for malformed base64,
    ///   ``TransparencyError/Code/invalidHash`` for a decoded length other than 32.
    public init(base64: some StringProtocol) throws {
        guard let bytes = StrictBase64.decode(base64) else {
            throw TransparencyError(code: .invalidBase64, reason: "a Merkle hash is not canonical base64")
        }
        try self.init(bytes: bytes)
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: storage) { Array($0) }
    }

    /// 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// Padded standard base64.
    public var base64: String { StrictBase64.encode(bytes) }

    public var description: String { hex }

    /// Appends the 32 bytes to `buffer`.
    func append(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: storage) { buffer.append(contentsOf: $0) }
    }

    // MARK: Hashing

    /// The root of the empty tree: `SHA-256("")`.
    public static let emptyTree = MerkleHash(digest: SHA256.hash(data: [UInt8]()))

    /// The hash of a leaf with contents `data`: `SHA-256(0x00 || data)`.
    public static func leaf(_ data: some Sequence<UInt8>) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [UInt8(0)])
        let bytes = Array(data)
        hasher.update(data: bytes)
        return MerkleHash(digest: hasher.finalize())
    }

    private static let nodePrefix: [UInt8] = [1]

    /// The hash of an interior node: `SHA-256(0x01 || left || right)`.
    public static func node(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        // No `withUnsafeTemporaryAllocation` here: inlined into async callers it becomes a
        // task-allocator allocation, and such allocations must be freed in strict stack order.
        var hasher = SHA256()
        hasher.update(data: nodePrefix)
        withUnsafeBytes(of: left.storage) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: right.storage) { hasher.update(bufferPointer: $0) }
        return MerkleHash(digest: hasher.finalize())
    }

    private init(digest: SHA256.Digest) {
        var storage = Words()
        digest.withUnsafeBytes { raw in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) }
        }
        self.storage = storage
    }
}
