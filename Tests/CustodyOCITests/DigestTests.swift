import CustodyTestSupport
import CustodyJSON
import CustodyOCI
import Foundation
import Testing

private let hex64 = "0123456789abcdef" + String(repeating: "a1b2c3d4", count: 6)
private let hex128 = hex64 + String(repeating: "fedcba98", count: 8)

/// One string that `Digest(parsing:)` must reject, and the error it must give.
struct DigestRejection: Sendable, CustomTestStringConvertible {
    let text: String
    let error: DigestError
    let why: String
    var testDescription: String { "\(why): \(text.prefix(24))… → \(error)" }
}

@Suite("Digest parsing")
struct DigestParsingTests {
    @Test("accepts sha256 and sha512 with their exact lowercase hex", arguments: [
        ("sha256:" + hex64, Digest.Algorithm.sha256, hex64),
        ("sha512:" + hex128, Digest.Algorithm.sha512, hex128),
    ])
    func acceptsValid(text: String, algorithm: Digest.Algorithm, hex: String) throws {
        let digest = try Digest(parsing: text)
        #expect(digest.algorithm == algorithm)
        #expect(digest.encoded == hex)
        #expect(digest.description == text)
        #expect(try Digest(parsing: digest.description) == digest)
    }

    static let rejections: [DigestRejection] = [
        DigestRejection(text: "sha256:" + hex64.uppercased(), error: .invalidFormat, why: "uppercase hex"),
        DigestRejection(text: "sha256:" + String(hex64.dropLast()) + "A", error: .invalidFormat, why: "one uppercase hex digit"),
        DigestRejection(text: "sha256:" + String(hex64.dropLast()) + "g", error: .invalidFormat, why: "non-hex letter"),
        DigestRejection(text: "sha256:" + String(hex64.dropLast()), error: .invalidLength, why: "63 hex digits"),
        DigestRejection(text: "sha256:" + hex64 + "0", error: .invalidLength, why: "65 hex digits"),
        DigestRejection(text: "sha512:" + hex64, error: .invalidLength, why: "sha512 with 64 hex digits"),
        DigestRejection(text: "sha256:" + hex128, error: .invalidLength, why: "sha256 with 128 hex digits"),
        DigestRejection(text: "sha256" + hex64, error: .invalidFormat, why: "missing colon"),
        DigestRejection(text: "", error: .invalidFormat, why: "empty string"),
        DigestRejection(text: ":" + hex64, error: .invalidFormat, why: "empty algorithm"),
        DigestRejection(text: "sha384:" + String(repeating: "ab", count: 48), error: .unsupportedAlgorithm("sha384"), why: "well-formed sha384"),
        DigestRejection(text: "md5:d41d8cd98f00b204e9800998ecf8427e", error: .unsupportedAlgorithm("md5"), why: "well-formed md5"),
        DigestRejection(text: "sha3+256.x_y-z:AbC=_-", error: .unsupportedAlgorithm("sha3+256.x_y-z"), why: "unknown algorithm with separators"),
        DigestRejection(text: "SHA256:" + hex64, error: .invalidFormat, why: "uppercase algorithm"),
        DigestRejection(text: "sha256 :" + hex64, error: .invalidFormat, why: "space before colon"),
        DigestRejection(text: "sha-:" + hex64, error: .invalidFormat, why: "algorithm ends with a separator"),
        DigestRejection(text: "md5:", error: .invalidFormat, why: "unknown algorithm, empty hex"),
        DigestRejection(text: "md5:abc/def", error: .invalidFormat, why: "unknown algorithm, '/' in encoded part"),
    ]

    @Test("rejects malformed digests with the right error", arguments: rejections)
    func rejects(_ row: DigestRejection) {
        #expect(throws: row.error) { try Digest(parsing: row.text) }
    }

    // go-digest (digest.go, Digest.Validate) answers ErrDigestInvalidFormat for "sha256:" — an
    // empty encoded part is "not algorithm:hex", which is what DigestError.invalidFormat documents.
    @Test("rejects a known algorithm with empty hex as invalidFormat (as go-digest)")
    func rejectsEmptyHex() {
        #expect(throws: DigestError.invalidFormat) { try Digest(parsing: "sha256:") }
    }

    @Test("init(algorithm:encoded:) applies the same length and case rules")
    func memberwiseInit() throws {
        #expect(try Digest(algorithm: .sha256, encoded: hex64).description == "sha256:" + hex64)
        #expect(throws: DigestError.invalidLength) { try Digest(algorithm: .sha512, encoded: hex64) }
        #expect(throws: DigestError.invalidFormat) { try Digest(algorithm: .sha256, encoded: hex64.uppercased()) }
    }

    @Test("init(algorithm:hashBytes:) writes lowercase hex")
    func hashBytesInit() {
        let digest = Digest(algorithm: .sha256, hashBytes: [0x00, 0x0F, 0xA0, 0xFF] + [UInt8](repeating: 0xAB, count: 28))
        #expect(digest.encoded == "000fa0ff" + String(repeating: "ab", count: 28))
    }

    @Test("errors describe themselves")
    func errorDescriptions() {
        #expect(DigestError.unsupportedAlgorithm("md5").description.contains("\"md5\""))
        #expect(DigestError.invalidFormat.description.contains("sha256:"))
    }
}

@Suite("Digest equality, hashing, ordering and Codable")
struct DigestValueTests {
    @Test("equal digests are equal and hash alike; different ones are not")
    func equalityAndHash() throws {
        let a = try Digest(parsing: "sha256:" + hex64)
        let same = try Digest(algorithm: .sha256, encoded: hex64)
        let lastDiffers = try Digest(parsing: "sha256:" + String(hex64.dropLast()) + "0")
        let firstDiffers = try Digest(parsing: "sha256:f" + String(hex64.dropFirst()))
        #expect(a == same)
        #expect(a.hashValue == same.hashValue)
        #expect(a != lastDiffers)
        #expect(a != firstDiffers)
        #expect(Set([a, same, lastDiffers, firstDiffers]).count == 3)
        #expect(try Digest(parsing: "sha512:" + hex128) != Digest(parsing: "sha256:" + hex64))
    }

    @Test("orders by text")
    func ordering() throws {
        let low = try Digest(parsing: fakeDigestString("0"))
        let high = try Digest(parsing: fakeDigestString("f"))
        #expect(low < high)
        #expect([high, low].sorted() == [low, high])
    }

    @Test("JSONDecoder and JSONEncoder read and write the digest string")
    func foundationCodable() throws {
        let text = "sha256:" + hex64
        let decoded = try JSONDecoder().decode([Digest].self, from: Data("[\"\(text)\"]".utf8))
        #expect(decoded == [try Digest(parsing: text)])
        let encoded = try JSONEncoder().encode(decoded)
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"\(text)\"]")
    }

    @Test("JSONDecoder rejects an invalid digest string and a non-string", arguments: [
        "[\"sha256:\(hex64.uppercased())\"]", "[\"sha256:abc\"]", "[\"md5:d41d8cd98f00b204e9800998ecf8427e\"]", "[42]",
    ])
    func foundationRejects(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Digest].self, from: Data(json.utf8)) }
    }

    @Test("StrictJSONDecoder reads a digest and rejects a bad one")
    func strictDecoder() throws {
        let text = "sha512:" + hex128
        #expect(try StrictJSONDecoder().decode(Digest.self, from: "\"\(text)\"".utf8Bytes) == Digest(parsing: text))
        #expect(throws: JSONError.self) { try StrictJSONDecoder().decode(Digest.self, from: "\"sha512:\(hex64)\"".utf8Bytes) }
    }
}

/// A known-answer vector.
struct HashVector: Sendable, CustomTestStringConvertible {
    let name: String
    let input: String
    let algorithm: Digest.Algorithm
    let expected: String
    var testDescription: String { "\(algorithm) \(name)" }
}

@Suite("Digest computation")
struct DigestComputationTests {
    // Known answers from FIPS 180-2 (Appendix B for SHA-256, Appendix C for SHA-512: "abc" and the
    // 448-bit two-block message) and the NIST CAVP / FIPS examples for the empty message.
    static let vectors: [HashVector] = [
        HashVector(name: "empty", input: "", algorithm: .sha256,
                   expected: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        HashVector(name: "abc", input: "abc", algorithm: .sha256,
                   expected: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        HashVector(name: "448-bit", input: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", algorithm: .sha256,
                   expected: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        HashVector(name: "empty", input: "", algorithm: .sha512,
                   expected: "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
        HashVector(name: "abc", input: "abc", algorithm: .sha512,
                   expected: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
        HashVector(name: "448-bit", input: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", algorithm: .sha512,
                   expected: "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445"),
    ]

    @Test("known-answer vectors", arguments: vectors)
    func knownAnswers(_ vector: HashVector) throws {
        let digest = Digest.compute(vector.input.utf8Bytes, algorithm: vector.algorithm)
        #expect(digest == (try Digest(algorithm: vector.algorithm, encoded: vector.expected)))
        #expect(digest.matches(vector.input.utf8Bytes))
        #expect(!digest.matches((vector.input + "x").utf8Bytes))
    }

    // FIPS 180-2, Appendix B.3: one million repetitions of 'a'.
    @Test("SHA-256 of one million 'a' (FIPS 180-2 B.3), in one piece and in 1000-byte pieces")
    func millionA() {
        let expected = "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var computer = DigestComputer(algorithm: .sha256)
        for _ in 0..<1000 { computer.update(block) }
        #expect(computer.finalize().description == expected)
        #expect(Digest.compute([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).description == expected)
    }

    @Test("a computer fed random-size chunks gives the one-shot digest", arguments: Digest.Algorithm.allCases)
    func streamingEqualsOneShot(algorithm: Digest.Algorithm) {
        let data = randomBytes(300_007, seed: 42)
        var generator = SeededGenerator(seed: 7)
        var computer = DigestComputer(algorithm: algorithm)
        #expect(computer.algorithm == algorithm)
        var offset = 0
        var usePointer = false
        while offset < data.count {
            let end = min(data.count, offset + Int.random(in: 0...9000, using: &generator))
            let chunk = Array(data[offset..<end])
            if usePointer {
                chunk.withUnsafeBytes { computer.update($0) }
            } else {
                computer.update(chunk)
            }
            usePointer.toggle()
            offset = end
        }
        #expect(computer.finalize() == Digest.compute(data, algorithm: algorithm))
    }

    @Test("compute(fileAt:) on a 3 MiB + 17 byte file equals the in-memory digest", arguments: Digest.Algorithm.allCases)
    func fileDigest(algorithm: Digest.Algorithm) async throws {
        try await withTemporaryDirectory { directory in
            let data = randomBytes(3 * 1024 * 1024 + 17, seed: 3)
            let path = try directory.write(data, to: "blob")
            #expect(try Digest.compute(fileAt: path, algorithm: algorithm) == Digest.compute(data, algorithm: algorithm))
            let empty = try directory.write([], to: "empty")
            #expect(try Digest.compute(fileAt: empty, algorithm: algorithm) == Digest.compute([], algorithm: algorithm))
        }
    }

    @Test("compute(fileAt:) on a missing file throws notFound naming the path")
    func missingFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("does-not-exist")
            #expect(throws: OCIError(code: .notFound)) { try Digest.compute(fileAt: path) }
            let error = await ociError { _ = try Digest.compute(fileAt: path) }
            #expect(error?.reason.contains(path) == true)
        }
    }

    @Test("compute(fileAt:) on a directory throws io")
    func directoryIsNotAFile() async throws {
        try await withTemporaryDirectory { directory in
            #expect(throws: OCIError(code: .io)) { try Digest.compute(fileAt: directory.path) }
        }
    }
}
