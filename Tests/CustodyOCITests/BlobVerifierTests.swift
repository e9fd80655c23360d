import CustodyOCI
import Testing

@Suite("BlobVerifier")
struct BlobVerifierTests {
    static let blob = randomBytes(10_000, seed: 11)
    static let descriptor = Descriptor(mediaType: ManifestJSON.layerType, bytes: blob)

    @Test("an exact match passes, in one piece or in chunks", arguments: [1, 7, 4096, 10_000])
    func exactMatch(chunkSize: Int) throws {
        var verifier = BlobVerifier(expected: Self.descriptor)
        for start in stride(from: 0, to: Self.blob.count, by: chunkSize) {
            try verifier.update(Array(Self.blob[start..<min(start + chunkSize, Self.blob.count)]))
        }
        #expect(verifier.bytesRead == Int64(Self.blob.count))
        try verifier.finish()
        try BlobVerifier.verify(Self.blob, against: Self.descriptor)
    }

    @Test("the raw-buffer update path gives the same answer")
    func rawBufferUpdate() throws {
        var verifier = BlobVerifier(expected: Self.descriptor)
        try Self.blob.withUnsafeBytes { buffer in
            try verifier.update(UnsafeRawBufferPointer(rebasing: buffer[0..<5000]))
            try verifier.update(UnsafeRawBufferPointer(rebasing: buffer[5000...]))
        }
        try verifier.finish()
    }

    @Test("an empty blob matches the digest of no bytes")
    func emptyBlob() throws {
        try BlobVerifier.verify([], against: Descriptor(mediaType: .ociEmpty, bytes: []))
    }

    @Test("a sha512 descriptor is checked with sha512")
    func sha512Descriptor() throws {
        let descriptor = Descriptor(
            mediaType: ManifestJSON.layerType, digest: Digest.compute(Self.blob, algorithm: .sha512), size: Int64(Self.blob.count)
        )
        try BlobVerifier.verify(Self.blob, against: descriptor)
        var flipped = Self.blob
        flipped[0] ^= 1
        #expect(throws: OCIError(code: .digestMismatch)) { try BlobVerifier.verify(flipped, against: descriptor) }
    }

    @Test("one flipped byte is a digestMismatch naming both digests", arguments: [0, 5000, 9999])
    func flippedByte(at offset: Int) throws {
        var corrupt = Self.blob
        corrupt[offset] ^= 0x01
        let actual = Digest.compute(corrupt)
        do {
            try BlobVerifier.verify(corrupt, against: Self.descriptor)
            Issue.record("a corrupt blob passed")
        } catch {
            #expect(error.code == .digestMismatch)
            #expect(error.reason.contains(Self.descriptor.digest.description))
            #expect(error.reason.contains(actual.description))
        }
    }

    @Test("a short blob is a sizeMismatch at finish")
    func shortBlob() throws {
        var verifier = BlobVerifier(expected: Self.descriptor)
        try verifier.update(Array(Self.blob.dropLast()))
        do {
            try verifier.finish()
            Issue.record("a short blob passed")
        } catch {
            #expect(error.code == .sizeMismatch)
            #expect(error.reason.contains(Self.descriptor.digest.description))
            #expect(error.reason.contains("\(Self.blob.count - 1)"))
        }
        #expect(throws: OCIError(code: .sizeMismatch)) { try BlobVerifier.verify([], against: Self.descriptor) }
    }

    @Test("a long blob fails in update, as soon as it passes the stated size, before finish")
    func longBlob() throws {
        var verifier = BlobVerifier(expected: Self.descriptor)
        try verifier.update(Self.blob)  // exactly the stated size: fine so far
        #expect(throws: OCIError(code: .sizeMismatch)) { try verifier.update([0]) }
        // A single chunk that overshoots fails at once too.
        var other = BlobVerifier(expected: Self.descriptor)
        #expect(throws: OCIError(code: .sizeMismatch)) { try other.update(Self.blob + [0]) }
        #expect(throws: OCIError(code: .sizeMismatch)) { try BlobVerifier.verify(Self.blob + [0], against: Self.descriptor) }
    }

    @Test("a same-length blob with the right size but another content is a digestMismatch, not a sizeMismatch")
    func sameSizeOtherContent() {
        let other = randomBytes(Self.blob.count, seed: 12)
        #expect(throws: OCIError(code: .digestMismatch)) { try BlobVerifier.verify(other, against: Self.descriptor) }
    }
}
