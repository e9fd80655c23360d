import CustodyKeys
import CustodyTestSupport
import Crypto
import Foundation
import Testing

/// Helpers shared by the secretbox and cosign-key tests: vector files and the Python peer.
enum SecretBoxTestSupport {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// The file `Vectors/<folder>/<name>`: inside `Bundle.module` normally, otherwise next to this file.
    static func vector(_ name: String, in folder: String) throws -> Data {
        var candidates: [URL] = []
        if let root = Bundle.module.resourceURL {
            candidates.append(root.appendingPathComponent("Vectors/\(folder)/\(name)"))
            candidates.append(root.appendingPathComponent("\(folder)/\(name)"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/\(folder)/\(name)"))
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return try Data(contentsOf: url)
        }
        throw Failure(description: "vector Vectors/\(folder)/\(name) not found")
    }

    static func bytes(hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw Failure(description: "odd-length hex") }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw Failure(description: "bad hex \(hex)")
            }
            out.append(byte)
            index += 2
        }
        return out
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    static func random(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max) }
    }

    /// The PyPI package the Python peer scripts import (`nacl`); CI must `pip install pynacl`.
    static let pythonPrelude = """
    import sys
    try:
        import nacl.secret
    except ImportError:
        sys.stderr.write("FATAL: the Python module 'nacl' is missing; install the PyPI package: pip install pynacl\\n")
        sys.exit(3)

    """

    /// Runs `script` with python3 in a fresh temporary directory; returns stdout. Fails the test
    /// with the full output when the script exits non-zero.
    static func runPython(_ script: String, _ arguments: [String], files: [String: Data] = [:]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("custody-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("peer.py")
        try Data((pythonPrelude + script).utf8).write(to: scriptURL)
        for (name, data) in files { try data.write(to: directory.appendingPathComponent(name)) }
        let result = try runProcess("python3", [scriptURL.path] + arguments, currentDirectory: directory.path)
        guard result.status == 0 else { throw Failure(description: "python3 failed: \(result)") }
        return result.stdoutText
    }
}

private struct LibsodiumVector: Decodable {
    var name: String
    var function: String
    var key: String
    var input: String?
    var nonce: String?
    var message: String?
    var offset: Int?
    var length: Int?
    var expected: String
}

private struct PolyVector: Decodable {
    var name: String
    var key: String
    var message: String
    var expected: String
}

@Suite("NaCl secretbox (XSalsa20-Poly1305)")
struct SecretBoxTests {
    typealias Support = SecretBoxTestSupport

    @Test("libsodium/NaCl vectors: HSalsa20, XSalsa20, Poly1305, secretbox")
    func libsodiumVectors() throws {
        let vectors = try JSONDecoder().decode([LibsodiumVector].self, from: Support.vector("vectors.json", in: "libsodium"))
        #expect(vectors.count == 7)
        for vector in vectors {
            let key = try Support.bytes(hex: vector.key)
            let expected = try Support.bytes(hex: vector.expected)
            switch vector.function {
            case "hsalsa20":
                let input = try Support.bytes(hex: try #require(vector.input))
                #expect(XSalsa20.hsalsa20(key: key, input: input) == expected, "\(vector.name)")
            case "secretbox":
                let nonce = try Support.bytes(hex: try #require(vector.nonce))
                let message = try Support.bytes(hex: try #require(vector.message))
                #expect(try SecretBox.seal(message, nonce: nonce, key: key) == expected, "\(vector.name)")
                #expect(try SecretBox.open(expected, nonce: nonce, key: key) == message, "\(vector.name)")
            case "poly1305":
                let message = try Support.bytes(hex: try #require(vector.message))
                #expect(Poly1305.authenticate(message, key: key) == expected, "\(vector.name)")
                #expect(Poly1305.verify(expected, message: message, key: key))
            case "xsalsa20":
                let nonce = try Support.bytes(hex: try #require(vector.nonce))
                let offset = try #require(vector.offset)
                let stream = XSalsa20.xor([UInt8](repeating: 0, count: expected.count), key: key, nonce: nonce, offset: offset)
                #expect(stream == expected, "\(vector.name)")
            case "xsalsa20-sha256":
                let nonce = try Support.bytes(hex: try #require(vector.nonce))
                let stream = XSalsa20.keyStream(count: try #require(vector.length), key: key, nonce: nonce)
                #expect(Array(SHA256.hash(data: stream)) == expected, "\(vector.name)")
            default:
                Issue.record("unknown vector function \(vector.function)")
            }
        }
    }

    @Test("RFC 8439 §2.5.2 Poly1305 vector")
    func rfc8439Poly1305() throws {
        let vectors = try JSONDecoder().decode([PolyVector].self, from: Support.vector("poly1305.json", in: "rfc8439"))
        #expect(vectors.count == 1)
        for vector in vectors {
            let tag = Poly1305.authenticate(try Support.bytes(hex: vector.message), key: try Support.bytes(hex: vector.key))
            #expect(tag == (try Support.bytes(hex: vector.expected)), "\(vector.name)")
        }
    }

    @Test("key stream from an offset equals the tail of the key stream from 0")
    func streamOffsets() {
        let key = Support.random(32), nonce = Support.random(24)
        let whole = XSalsa20.keyStream(count: 300, key: key, nonce: nonce)
        for offset in [1, 31, 32, 63, 64, 65, 128, 200] {
            #expect(XSalsa20.xor([UInt8](repeating: 0, count: 300 - offset), key: key, nonce: nonce, offset: offset) == Array(whole[offset...]))
        }
    }

    @Test("seal/open round trips, box layout tag || ciphertext", arguments: [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4096])
    func roundTrip(length: Int) throws {
        let key = Support.random(32), nonce = Support.random(24), message = Support.random(length)
        let box = try SecretBox.seal(message, nonce: nonce, key: key)
        #expect(box.count == length + SecretBox.tagByteCount)
        #expect(try SecretBox.open(box, nonce: nonce, key: key) == message)
        // The ciphertext is the message exclusive-ored with key stream bytes 32...
        let stream = XSalsa20.keyStream(count: 32 + length, key: key, nonce: nonce)
        #expect(Array(box[16...]) == zip(message, stream[32...]).map { $0 ^ $1 })
        #expect(Array(box[..<16]) == Poly1305.authenticate(Array(box[16...]), key: Array(stream[..<32])))
    }

    @Test("every altered bit, wrong key or wrong nonce fails authentication")
    func tampering() throws {
        let key = Support.random(32), nonce = Support.random(24), message = Support.random(40)
        let box = try SecretBox.seal(message, nonce: nonce, key: key)
        for index in box.indices {
            var altered = box
            altered[index] ^= 0x01
            #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox.open(altered, nonce: nonce, key: key) }
        }
        var otherKey = key
        otherKey[0] ^= 0x80
        #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox.open(box, nonce: nonce, key: otherKey) }
        var otherNonce = nonce
        otherNonce[23] ^= 0x01
        #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox.open(box, nonce: otherNonce, key: key) }
        #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox.open(Array(box.dropLast()), nonce: nonce, key: key) }
        #expect(throws: SecretBoxError.authenticationFailed) { try SecretBox.open(box + [0], nonce: nonce, key: key) }
    }

    @Test("bad key, nonce and box lengths are rejected")
    func lengths() {
        let key = Support.random(32), nonce = Support.random(24)
        #expect(throws: SecretBoxError.invalidKeyLength(31)) { try SecretBox.seal([1], nonce: nonce, key: Array(key.dropLast())) }
        #expect(throws: SecretBoxError.invalidKeyLength(33)) { try SecretBox.open([UInt8](repeating: 0, count: 16), nonce: nonce, key: key + [0]) }
        #expect(throws: SecretBoxError.invalidNonceLength(12)) { try SecretBox.seal([1], nonce: Array(nonce.prefix(12)), key: key) }
        #expect(throws: SecretBoxError.invalidNonceLength(25)) { try SecretBox.open([UInt8](repeating: 0, count: 16), nonce: nonce + [0], key: key) }
        for count in [0, 1, 15] {
            #expect(throws: SecretBoxError.truncated(count)) { try SecretBox.open([UInt8](repeating: 0, count: count), nonce: nonce, key: key) }
        }
        #expect(throws: SecretBoxError.tooLarge(SecretBox.maxMessageBytes + 1)) {
            try SecretBox.seal([UInt8](repeating: 0, count: SecretBox.maxMessageBytes + 1), nonce: nonce, key: key)
        }
    }

    @Test("PyNaCl interop: Custody seals, PyNaCl opens; PyNaCl seals, Custody opens",
          .enabled(if: PeerTool.availableOrCI("python3")))
    func pynaclInterop() throws {
        var ours: [[String: String]] = []
        for length in [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 1000, 5000] {
            let key = Support.random(32), nonce = Support.random(24), message = Support.random(length)
            let box = try SecretBox.seal(message, nonce: nonce, key: key)
            ours.append(["key": Support.hex(key), "nonce": Support.hex(nonce), "message": Support.hex(message), "box": Support.hex(box)])
        }
        let output = try Support.runPython(Self.interopScript, ["custody.json"], files: ["custody.json": try JSONEncoder().encode(ours)])
        let theirs = try JSONDecoder().decode([[String: String]].self, from: Data(output.utf8))
        #expect(theirs.count == 12)
        for entry in theirs {
            let key = try Support.bytes(hex: try #require(entry["key"]))
            let nonce = try Support.bytes(hex: try #require(entry["nonce"]))
            let message = try Support.bytes(hex: try #require(entry["message"]))
            let box = try Support.bytes(hex: try #require(entry["box"]))
            #expect(try SecretBox.open(box, nonce: nonce, key: key) == message)
            #expect(try SecretBox.seal(message, nonce: nonce, key: key) == box)
        }
    }

    static let interopScript = """
    import json, os
    from nacl.exceptions import CryptoError
    ours = json.load(open(sys.argv[1]))
    assert len(ours) == 12, len(ours)
    for entry in ours:
        box = nacl.secret.SecretBox(bytes.fromhex(entry["key"]))
        try:
            opened = box.decrypt(bytes.fromhex(entry["box"]), bytes.fromhex(entry["nonce"]))
        except CryptoError as error:
            sys.exit("PyNaCl could not open a Custody box: %s" % error)
        if opened != bytes.fromhex(entry["message"]):
            sys.exit("PyNaCl opened a Custody box to different bytes")
        # PyNaCl's own box for the same input must be byte-identical (tag || ciphertext).
        again = box.encrypt(bytes.fromhex(entry["message"]), bytes.fromhex(entry["nonce"])).ciphertext
        if again != bytes.fromhex(entry["box"]):
            sys.exit("PyNaCl sealed the same input to different bytes")
    theirs = []
    for length in [0, 1, 15, 16, 17, 31, 32, 33, 64, 100, 1000, 5000]:
        key, nonce, message = os.urandom(32), os.urandom(24), os.urandom(length)
        sealed = nacl.secret.SecretBox(key).encrypt(message, nonce).ciphertext
        theirs.append({"key": key.hex(), "nonce": nonce.hex(), "message": message.hex(), "box": sealed.hex()})
    print(json.dumps(theirs))
    """
}
