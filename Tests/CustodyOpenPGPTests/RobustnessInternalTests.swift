// Hostile input must give an `OpenPGPError`, never a trap: every prefix of valid messages (binary,
// compressed, armored, and containers/image's fixture), ~2000 seeded random mutations of them, and
// random byte strings. A mutated message may still verify only if the signed payload is intact
// (bytes the signature does not cover, such as the literal packet's date, may change).

@testable import CustodyOpenPGP
import Foundation
import Testing

@Suite("Robustness against truncated and mutated input")
struct RobustnessInternalTests {
    struct Corpus {
        let name: String
        let bytes: [UInt8]
        let keyring: OpenPGPKeyring
        let payload: [UInt8]
    }

    private func corpus() throws -> [Corpus] {
        let parts = try SignedParts(TestKey.make(), payload: Array(#"{"critical":{"identity":{"docker-reference":"x"}},"optional":{}}"#.utf8))
        let keyring = try parts.keyring()
        let generated = try GeneratedKeys.key(.ed25519)
        let generatedKeyring = try GeneratedKeys.keyring(generated)
        let signed = try generated.signMessage(parts.payload, at: GeneratedKeys.creation.addingTimeInterval(100))
        return [
            Corpus(name: "one-pass/literal/signature", bytes: parts.standard, keyring: keyring, payload: parts.payload),
            Corpus(name: "signature/literal", bytes: parts.signatureFirst, keyring: keyring, payload: parts.payload),
            Corpus(name: "ZLIB-compressed", bytes: try Msg.compressed(parts.standard, algorithm: 2).encoded(), keyring: keyring, payload: parts.payload),
            Corpus(name: "signMessage output", bytes: signed, keyring: generatedKeyring, payload: parts.payload),
            Corpus(name: "armored signMessage output", bytes: Array(Armor.encode(signed, kind: .message).utf8), keyring: generatedKeyring, payload: parts.payload),
            Corpus(name: "containers/image image.signature", bytes: try CImage.bytes("image.signature"), keyring: try CImage.keyring("public-key.gpg"), payload: Array(CImage.imagePayload.utf8)),
        ]
    }

    /// Verifies and checks the one property every outcome must have.
    /// - Returns: whether the bytes verified.
    @discardableResult
    private func check(_ bytes: [UInt8], _ corpus: Corpus, _ what: @autoclosure () -> String) -> Bool {
        _ = OpenPGPMessage.untrustedIssuer(bytes)
        do {
            let message = try OpenPGPMessage.verify(bytes, keyring: corpus.keyring, now: CImage.now)
            #expect(message.payload == corpus.payload, "\(what()) verified with another payload")
            return true
        } catch {
            _ = error.code  // an OpenPGPError: the only thing verify may throw
            return false
        }
    }

    @Test("every valid corpus message verifies unmodified")
    func corpusVerifies() throws {
        for item in try corpus() {
            #expect(try OpenPGPMessage.verify(item.bytes, keyring: item.keyring, now: CImage.now).payload == item.payload, "\(item.name)")
        }
    }

    @Test("every proper prefix of every corpus message is refused")
    func everyPrefix() throws {
        for item in try corpus() {
            // Armor without its final newline is still complete armor: stop before that prefix.
            let end = Armor.isArmored(item.bytes) ? item.bytes.count - 1 : item.bytes.count
            for length in 0..<end {
                let prefix = Array(item.bytes.prefix(length))
                #expect(throws: OpenPGPError.self, "\(item.name), \(length) of \(item.bytes.count) bytes") {
                    try OpenPGPMessage.verify(prefix, keyring: item.keyring, now: CImage.now)
                }
            }
        }
    }

    @Test("2000 seeded random mutations (flips, overwrites, insertions, deletions) never trap")
    func randomMutations() throws {
        let items = try corpus()
        var generator = SeededGenerator(seed: 0x5EED_C0DE)
        var verified = 0
        for iteration in 0..<2000 {
            let item = items[iteration % items.count]
            var bytes = item.bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<6, using: &generator) {
                case 0: bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
                case 1: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                case 2: bytes[index] = [0x00, 0xFF, 0x7F, 0x80, 0xC0, 0xE0][Int.random(in: 0..<6, using: &generator)]
                case 3: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                case 4 where bytes.count > 1: bytes.remove(at: index)
                default: bytes.replaceSubrange(index..<min(bytes.count, index + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
                }
            }
            if check(bytes, item, "mutation \(iteration) of \(item.name)") { verified += 1 }
        }
        // Most mutations break the message; the few that verify touched only unsigned bytes.
        #expect(verified < 1000)
    }

    @Test("random byte strings with packet-like first bytes never trap")
    func randomBytes() throws {
        let item = try corpus()[0]
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let length = Int.random(in: 0..<300, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty { bytes[0] = [0xA3, 0x90, 0x89, 0xC4, 0xCB, 0xC8, 0xA8, 0xC2][Int.random(in: 0..<8, using: &generator)] }
            check(bytes, item, "random bytes")
            _ = try? OpenPGPKeyring(bytes: bytes)
            _ = try? Armor.decode(bytes)
        }
    }

    @Test("mutated key files never trap either")
    func mutatedKeys() throws {
        let key = try Armor.decode(CImage.bytes("public-key-with-subkey.gpg"))[0].data
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            var bytes = key
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let keyring = try? OpenPGPKeyring(bytes: bytes) {
                _ = try? OpenPGPMessage.verify(CImage.bytes("subkey.signature"), keyring: keyring, now: CImage.now)
            }
        }
    }
}
