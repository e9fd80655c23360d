/// Checks a blob against its descriptor while the blob is read.
///
/// Feed every chunk to ``update(_:)``: it fails as soon as the blob grows past the size the
/// descriptor promises, so an oversized or endless blob is never read to the end. ``finish()``
/// then checks the exact size and the digest. Errors name the blob (its expected digest) and
/// both digests.
public struct BlobVerifier {
    /// The descriptor the blob must match.
    public let expected: Descriptor
    private var computer: DigestComputer
    /// Bytes seen so far.
    public private(set) var bytesRead: Int64 = 0

    /// Starts checking a blob against `expected`.
    public init(expected: Descriptor) {
        self.expected = expected
        self.computer = DigestComputer(algorithm: expected.digest.algorithm)
    }

    /// Adds a chunk.
    /// - Throws: ``OCIError`` with code ``OCIError/Code/sizeMismatch`` once the blob is larger than expected.
    public mutating func update(_ chunk: UnsafeRawBufferPointer) throws(OCIError) {
        try account(chunk.count)
        computer.update(chunk)
    }

    /// Adds a chunk.
    /// - Throws: ``OCIError`` with code ``OCIError/Code/sizeMismatch`` once the blob is larger than expected.
    public mutating func update(_ chunk: [UInt8]) throws(OCIError) {
        try account(chunk.count)
        computer.update(chunk)
    }

    private mutating func account(_ count: Int) throws(OCIError) {
        bytesRead += Int64(count)
        guard bytesRead <= expected.size else {
            throw OCIError(
                code: .sizeMismatch,
                reason: "blob \(expected.digest) is larger than the \(expected.size) bytes its descriptor states"
            )
        }
    }

    /// Ends the check.
    /// - Throws: ``OCIError`` with code ``OCIError/Code/sizeMismatch`` or ``OCIError/Code/digestMismatch``.
    public func finish() throws(OCIError) {
        guard bytesRead == expected.size else {
            throw OCIError(
                code: .sizeMismatch,
                reason: "blob \(expected.digest) has \(bytesRead) bytes, its descriptor states \(expected.size)"
            )
        }
        let actual = computer.finalize()
        guard actual == expected.digest else {
            throw OCIError(
                code: .digestMismatch,
                reason: "blob \(expected.digest) is corrupt: its content hashes to \(actual), expected \(expected.digest)"
            )
        }
    }

    /// Checks complete in-memory bytes against `expected`.
    public static func verify(_ bytes: [UInt8], against expected: Descriptor) throws(OCIError) {
        var verifier = BlobVerifier(expected: expected)
        try verifier.update(bytes)
        try verifier.finish()
    }
}
