import Crypto
import CustodyKeys
import Foundation
import Testing
import CustodyTransparency

/// C2SP signed notes: the spec's examples, golang.org/x/mod/sumdb/note's and
/// transparency-dev/formats' vectors, signing round trips and strict parsing.
@Suite struct SignedNoteTests {
    // MARK: Published examples

    @Test func c2spExampleKeyVerifiesExampleNote() throws {
        let vkeyText = try Vectors.text("signed-note-example.vkey", in: "c2sp").trimmingCharacters(in: .newlines)
        let key = try NoteVerifierKey(parsing: vkeyText)
        #expect(key.name == "example.com/foo")
        #expect(key.keyID == 0x530d_903a)
        #expect(key.type == .ed25519)
        #expect(key.vkey == vkeyText)
        let note = try UntrustedNote(parsing: try Vectors.bytes("signed-note-example.note", in: "c2sp"))
        #expect(note.untrustedText == "This is an example message.\n")
        let verified = try note.verify(required: [key])
        #expect(verified.verifiedKeys == [key])
        #expect(verified.note.serialized == (try Vectors.text("signed-note-example.note", in: "c2sp")))
    }

    /// The spec's first example has an empty line inside its text; no key is published for it.
    @Test func c2spPoemParsesWithBlankLineInText() throws {
        let text = try Vectors.text("signed-note-quasimodo.note", in: "c2sp")
        let note = try UntrustedNote(parsing: text)
        #expect(note.untrustedText == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].keyName == "quasimodo.example/salvatore")
        #expect(note.signatures[0].signature.count == 64)
        #expect(throws: TransparencyError(code: .unverified)) { try note.verify(required: []) }
        #expect(try SignedNote(text: note.untrustedText, signatures: note.signatures).serialized == text)
    }

    @Test func goSumdbVectors() async throws {
        let vectors = try Vectors.json("vectors.json", in: "go-sumdb-note")
        let text = try #require(vectors["text"] as? String)
        let peterLine = try #require(vectors["peterSignatureLine"] as? String)
        let enochLine = try #require(vectors["enochSignatureLine"] as? String)
        let peter = try NoteVerifierKey(parsing: try #require(vectors["peterVerifierKey"] as? String))
        let enoch = try NoteVerifierKey(parsing: try #require(vectors["enochVerifierKey"] as? String))
        #expect(peter.keyID == 0xc74f_20a3)
        #expect(enoch.keyID == 0xaf0c_fe78)

        // The private key string gives the published verifier key, and signs the published line.
        let signer = try NoteSigner(privateKeyString: try #require(vectors["peterPrivateKey"] as? String))
        #expect(signer.verifierKey == peter)
        let signed = try await SignedNote.sign(text: text, with: [signer])
        try UntrustedNote(parsing: signed.serialized).verify(required: [peter])
        #if os(Linux)
        // swift-crypto on Linux signs deterministically (RFC 8032), as Go does.
        #expect(signed.serialized == text + "\n" + peterLine)
        #endif

        // One known key: its signature verifies, the other is ignored.
        let both = text + "\n" + peterLine + enochLine
        let onlyPeter = try UntrustedNote(parsing: both).verify(required: [peter])
        #expect(onlyPeter.verifiedKeys == [peter])
        #expect(onlyPeter.signatures.count == 2)
        let all = try UntrustedNote(parsing: both).verify(required: [peter, enoch])
        #expect(all.verifiedKeys == [peter, enoch])
        #expect(throws: TransparencyError(code: .unverified)) { try UntrustedNote(parsing: both).verify(required: []) }

        // A corrupted known signature rejects the note.
        let index = peterLine.index(peterLine.startIndex, offsetBy: 60)
        let corrupted = String(peterLine[..<index]) + "ABCD" + String(peterLine[index...])
        #expect(throws: TransparencyError(code: .invalidSignature)) {
            try UntrustedNote(parsing: text + "\n" + corrupted).verify(required: [peter])
        }
        // A corrupted unknown signature is ignored.
        let enochIndex = enochLine.index(enochLine.startIndex, offsetBy: 60)
        let badEnoch = String(enochLine[..<enochIndex]) + "ABCD" + String(enochLine[enochIndex...])
        let duplicated = text + "\n" + peterLine + peterLine + enochLine + enochLine + badEnoch
        #expect(try UntrustedNote(parsing: duplicated).verify(required: [peter]).verifiedKeys == [peter])

        // Too many signatures.
        #expect(throws: TransparencyError(code: .tooManySignatures)) {
            try UntrustedNote(parsing: text + "\n" + String(repeating: peterLine, count: 101))
        }

        // The keys upstream refuses.
        let bad = try #require(vectors["badVerifierKeys"] as? [String])
        // Upstream's "wrong length" key also has non-canonical base64, which Custody refuses first.
        #expect(throws: TransparencyError(code: .invalidBase64)) { try NoteVerifierKey(parsing: bad[0]) }
        #expect(throws: TransparencyError(code: .unsupportedKey)) { try NoteVerifierKey(parsing: bad[1]) }
    }

    /// Every substring and every one-byte change of a verifier key is refused (as upstream tests).
    @Test func manglingsOfAVerifierKeyAreRefused() {
        let vkey = Array("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW".utf8)
        for start in 0..<vkey.count {
            for end in (start + 1)...vkey.count where start != 0 || end != vkey.count {
                #expect((try? NoteVerifierKey(parsing: String(decoding: vkey[start..<end], as: UTF8.self))) == nil)
            }
        }
        for position in vkey.indices {
            var changed = vkey
            changed[position] &+= 1
            #expect((try? NoteVerifierKey(parsing: String(decoding: changed, as: UTF8.self))) == nil, "byte \(position)")
        }
    }

    @Test func transparencyDevECDSANotes() throws {
        let vectors = try Vectors.json("ecdsa-notes.json", in: "transparency-dev-formats")
        for name in ["sigstore", "pixel"] {
            let vector = try #require(vectors[name] as? [String: String])
            let key = try NoteVerifierKey(parsing: try #require(vector["verifierKey"]))
            #expect(key.type == .ecdsa)
            #expect(key.vkey == vector["verifierKey"])
            // The ECDSA key ID is the start of SHA-256 over the SPKI DER, whatever the name.
            #expect(Array(SHA256.hash(data: key.publicKey.derRepresentation)) == key.keyHash)
            let verified = try UntrustedNote(parsing: try #require(vector["note"])).verify(required: [key])
            #expect(verified.verifiedKeys == [key])
        }
        let sigstore = try #require(vectors["sigstore"] as? [String: String])
        let key = try NoteVerifierKey(parsing: try #require(sigstore["verifierKey"]))
        #expect(key.keyID == 0xc0d2_3d6a)
        // The corruption also overwrites the key ID bytes, so no known key signed it.
        #expect(throws: TransparencyError(code: .unverified)) {
            try UntrustedNote(parsing: try #require(sigstore["badSignatureNote"])).verify(required: [key])
        }
        // Same key under another name: the signature line's name does not match, so it is ignored.
        let renamed = try NoteVerifierKey(parsing: "bananas.sigstore.dev+c0d23d6a+" + key.vkey.split(separator: "+", maxSplits: 2)[2])
        #expect(throws: TransparencyError(code: .unverified)) {
            try UntrustedNote(parsing: try #require(sigstore["note"])).verify(required: [renamed])
        }
    }

    // MARK: Key IDs and verifier keys

    @Test func keyIDDerivations() throws {
        let privateKey = Curve25519.Signing.PrivateKey()
        let raw = Array(privateKey.publicKey.rawRepresentation)
        let name = "example.com/log"
        func expectedID(_ bytes: [UInt8]) -> UInt32 {
            Array(SHA256.hash(data: bytes)).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
        }
        let ed = try NoteVerifierKey(name: name, publicKey: .ed25519(privateKey.publicKey))
        #expect(ed.keyID == expectedID(Array(name.utf8) + [0x0a, 0x01] + raw))
        let cosigner = try NoteVerifierKey(name: name, publicKey: .ed25519(privateKey.publicKey), type: .ed25519Cosignature)
        #expect(cosigner.keyID == expectedID(Array(name.utf8) + [0x0a, 0x04] + raw))
        #expect(cosigner.vkey.hasPrefix(name + "+"))
        #expect(try NoteVerifierKey(parsing: cosigner.vkey) == cosigner)
        // The base64 part may itself contain '+': split off the name and key ID only.
        #expect(StrictBase64Probe.decode(String(cosigner.vkey.split(separator: "+", maxSplits: 2)[2])).first == 0x04)

        let ecdsa = P256.Signing.PrivateKey()
        let ecKey = try NoteVerifierKey(name: name, publicKey: .ecdsaP256(ecdsa.publicKey))
        #expect(ecKey.keyID == expectedID(Array(ecdsa.publicKey.derRepresentation)))
        #expect(try NoteVerifierKey(parsing: ecKey.vkey) == ecKey)

        let rsa = try PrivateKey.generate(.rsa2048)
        let rsaKey = try NoteVerifierKey(name: name, publicKey: rsa.publicKey)
        #expect(rsaKey.type == .rsaPKCS1SHA256)
        #expect(rsaKey.keyID == expectedID(Array(name.utf8) + [0x0a, 0xff] + Array("PKIX-RSA-PKCS#1v1.5".utf8) + rsa.publicKey.derRepresentation))
        #expect(try NoteVerifierKey(parsing: rsaKey.vkey) == rsaKey)

        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteVerifierKey(name: name, publicKey: .ecdsaP384(P384.Signing.PrivateKey().publicKey))
        }
        // No C2SP note type exists for P-521 either: refused as P-384 is, by default and as type 0x02.
        let p521 = try PrivateKey.generate(.ecdsaP521).publicKey
        #expect(NoteSignatureType.default(for: p521) == nil)
        #expect(throws: TransparencyError(code: .unsupportedKey)) { try NoteVerifierKey(name: name, publicKey: p521) }
        #expect(throws: TransparencyError(code: .unsupportedKey)) { try NoteVerifierKey(name: name, publicKey: p521, type: .ecdsa) }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteVerifierKey(parsing: "\(name)+00000000+" + Data([0x02] + p521.derRepresentation).base64EncodedString())
        }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteVerifierKey(name: name, publicKey: .ecdsaP256(ecdsa.publicKey), type: .ed25519)
        }
        for bad in ["", "a b", "a+b", "a\u{00a0}b", "a\tb"] {
            #expect(throws: TransparencyError(code: .invalidKeyName)) { try NoteVerifierKey(name: bad, publicKey: .ed25519(privateKey.publicKey)) }
        }
    }

    @Test func verifierKeyBadInput() throws {
        let good = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        #expect(throws: TransparencyError(code: .keyIDMismatch)) { try NoteVerifierKey(parsing: "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: TransparencyError(code: .keyIDMismatch)) { try NoteVerifierKey(parsing: "example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteVerifierKey(parsing: "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteVerifierKey(parsing: "example.com/foo+530d903a") }
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteVerifierKey(parsing: "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: TransparencyError(code: .invalidBase64)) { try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2") }
        #expect(throws: TransparencyError(code: .invalidBase64)) { try NoteVerifierKey(parsing: good + "\n") }
        #expect(throws: TransparencyError(code: .invalidKeyName)) { try NoteVerifierKey(parsing: "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        // A 31- and a 33-byte Ed25519 key; type 0x03 (reserved).
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U0=") }
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteVerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2kAA==") }
        #expect(throws: TransparencyError(code: .unsupportedKey)) { try NoteVerifierKey(parsing: "example.com/foo+530d903a+A+kyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k") }
        #expect(throws: TransparencyError(code: .tooLarge)) { try NoteVerifierKey(parsing: String(repeating: "a", count: 5000)) }
    }

    @Test func privateKeyStrings() throws {
        let privateKey = PrivateKey.ed25519(Curve25519.Signing.PrivateKey())
        for type in [NoteSignatureType.ed25519, .ed25519Cosignature] {
            let text = try NoteSigner.privateKeyString(name: "log.example/a", privateKey: privateKey, type: type)
            let signer = try NoteSigner(privateKeyString: text)
            #expect(signer.verifierKey == (try NoteVerifierKey(name: "log.example/a", publicKey: privateKey.publicKey, type: type)))
        }
        let text = try NoteSigner.privateKeyString(name: "log.example/a", privateKey: privateKey)
        // PRIVATE+KEY+NAME+HEXID+BASE64, where the base64 part may itself contain '+'.
        let parts = text.split(separator: "+", maxSplits: 4)
        #expect(throws: TransparencyError(code: .keyIDMismatch)) {
            try NoteSigner(privateKeyString: "PRIVATE+KEY+log.example/b+\(parts[3])+\(parts[4])")
        }
        #expect(throws: TransparencyError(code: .invalidVerifierKey)) { try NoteSigner(privateKeyString: "PRIVATE+KEY+x+00000000") }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteSigner.privateKeyString(name: "x", privateKey: .ecdsaP256(P256.Signing.PrivateKey()))
        }
    }

    // MARK: Signing and verification policy

    @Test func signAndVerifyEveryType() async throws {
        let text = "example.com/log\n42\n\(MerkleHash.leaf([1]).base64)\n"
        let ed = try NoteSigner(name: "example.com/log", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())))
        let ec = try NoteSigner(name: "example.com/ec", signer: FileSigner(.ecdsaP256(P256.Signing.PrivateKey())))
        let rsa = try NoteSigner(name: "example.com/rsa", signer: FileSigner(try PrivateKey.generate(.rsa2048)))
        let witness = try NoteSigner(
            name: "witness.example/w1", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())), type: .ed25519Cosignature)
        let note = try await SignedNote.sign(text: text, with: [ed, ec, rsa, witness], timestamp: 1_679_315_147)
        let parsed = try UntrustedNote(parsing: note.serialized)
        #expect(parsed.signatures.map(\.keyName) == ["example.com/log", "example.com/ec", "example.com/rsa", "witness.example/w1"])
        let verified = try parsed.verify(required: [ed.verifierKey, ec.verifierKey, rsa.verifierKey, witness.verifierKey])
        #expect(verified.verifiedKeys.count == 4)
        #expect(verified.cosignatureTimestamps[witness.verifierKey] == 1_679_315_147)

        // The cosignature is an Ed25519 signature over the tlog-cosignature v1 message, after an 8-byte time.
        let cosignature = parsed.signatures[3].signature
        #expect(cosignature.count == 72)
        #expect(Array(cosignature.prefix(8)) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb])
        guard case .ed25519(let witnessKey) = witness.verifierKey.publicKey else { Issue.record("not Ed25519"); return }
        #expect(witnessKey.isValidSignature(cosignature.dropFirst(8), for: Array("cosignature/v1\ntime 1679315147\n\(text)".utf8)))
        // ECDSA signatures are DER over SHA-256 of the text.
        guard case .ecdsaP256(let ecKey) = ec.verifierKey.publicKey else { Issue.record("not P-256"); return }
        let ecSignature = try P256.Signing.ECDSASignature(derRepresentation: parsed.signatures[1].signature)
        #expect(ecKey.isValidSignature(ecSignature, for: SHA256.hash(data: Array(text.utf8))))

        // Cosignatures need a checkpoint-like text of three lines.
        await #expect(throws: TransparencyError(code: .invalidCheckpoint)) { try await witness.sign("one line\n") }
        await #expect(throws: TransparencyError(code: .invalidTimestamp)) { try await witness.sign(text, timestamp: UInt64(Int64.max) + 1) }
        await #expect(throws: TransparencyError(code: .duplicateBlankLine)) { try await ed.sign("text\n\n") }
        await #expect(throws: TransparencyError(code: .missingFinalNewline)) { try await ed.sign("text") }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteSigner(name: "x", signer: try FileSigner(try PrivateKey.generate(.rsa2048), algorithm: .rsaPSSSHA256))
        }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteSigner(name: "x", signer: FileSigner(.ecdsaP384(P384.Signing.PrivateKey())))
        }
        #expect(throws: TransparencyError(code: .unsupportedKey)) {
            try NoteSigner(name: "x", signer: FileSigner(try PrivateKey.generate(.ecdsaP521)))
        }
    }

    @Test func verifiersAcceptManySignaturesAndIgnoreUnknownOnes() async throws {
        let text = "many\nsigners\n"
        var signers: [NoteSigner] = []
        for index in 0..<SignedNote.maxSignatures {
            signers.append(try NoteSigner(name: "signer.example/\(index)", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey()))))
        }
        let note = try await SignedNote.sign(text: text, with: signers)
        let parsed = try UntrustedNote(parsing: note.serialized)
        #expect(parsed.signatures.count == 100)
        #expect(try parsed.verify(required: signers.prefix(16).map(\.verifierKey)).verifiedKeys.count == 16)
        #expect(try parsed.verify(required: signers.map(\.verifierKey)).verifiedKeys.count == 100)
        #expect(try parsed.verify(required: [signers[42].verifierKey]).verifiedKeys == [signers[42].verifierKey])
        #expect(throws: TransparencyError(code: .tooManySignatures)) { try note.adding([note.signatures[0]]) }

        // Same name, different key (so different ID): ignored. Same ID, different name: ignored.
        let impostor = try NoteVerifierKey(name: "signer.example/0", publicKey: .ed25519(Curve25519.Signing.PrivateKey().publicKey))
        #expect(throws: TransparencyError(code: .unverified)) { try parsed.verify(required: [impostor]) }
        let renamed = try NoteSignature(keyName: "other.example", keyID: note.signatures[1].keyID, signature: note.signatures[1].signature)
        let renamedNote = try SignedNote(text: text, signatures: [renamed, note.signatures[0]])
        #expect(try UntrustedNote(parsing: renamedNote.serialized).verify(required: [signers[0].verifierKey]).verifiedKeys.count == 1)

        // A required key that did not sign.
        let absent = try NoteSigner(name: "absent.example", signer: FileSigner(.ed25519(Curve25519.Signing.PrivateKey())))
        #expect(throws: TransparencyError(code: .missingRequiredSignature)) {
            try parsed.verify(required: [signers[0].verifierKey, absent.verifierKey])
        }
        // Optional keys are checked only when they signed.
        #expect(try parsed.verify(required: [signers[0].verifierKey], optional: [absent.verifierKey, signers[1].verifierKey]).verifiedKeys.count == 2)
    }

    // MARK: Strict parsing

    @Test func noteBadInput() throws {
        let line = "\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
        let text = "This is an example message.\n"
        func code(_ input: String) -> TransparencyError.Code? {
            do {
                _ = try UntrustedNote(parsing: input)
                return nil
            } catch let error as TransparencyError {
                return error.code
            } catch {
                return nil
            }
        }
        #expect(code(text + "\n" + line) == nil)
        #expect(code(text + "\n\n" + line) == .duplicateBlankLine)
        #expect(code(text + "\n\n\n" + line) == .duplicateBlankLine)
        #expect(code(text + "\n" + line + "trailing text\n") == .trailingData)
        #expect(code(text + "\n" + line + line.replacingOccurrences(of: "\u{2014} ", with: "- ")) == .trailingData)
        #expect(code(text + "\n" + String(line.dropLast())) == .missingFinalNewline)
        #expect(code(text + "\n" + line + "\n") == .missingSignatures)
        #expect(code(text) == .missingSignatures)
        #expect(code(text + "\n") == .missingSignatures)
        #expect(code("\n\n" + line) == .malformedNote)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "aQM=", with: "aQM")) == .invalidBase64)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "aQM=", with: "aQN=")) == .invalidBase64)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "Uw2Q", with: "Uw2_")) == .invalidBase64)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "example.com/foo", with: "example.com+foo")) == .invalidKeyName)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "example.com/foo", with: "example\u{3000}foo")) == .invalidKeyName)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "example.com/foo", with: "example.com foo")) == .invalidSignatureLine)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "example.com/foo ", with: "example.com/foo  ")) == .invalidSignatureLine)
        #expect(code(text + "\n" + line.replacingOccurrences(of: "example.com/foo ", with: "")) == .invalidSignatureLine)
        #expect(code(text + "\n" + "\u{2014} example.com/foo AAAAAA==\n") == .invalidSignatureLine)
        #expect(code(text + "\n" + "\u{2014}example.com/foo AAAAAAAA\n") == .invalidSignatureLine)
        #expect(code("This is\r an example.\n\n" + line) == .invalidEncoding)
        #expect(code("Tab\there.\n\n" + line) == .invalidEncoding)
        #expect((try? UntrustedNote(parsing: [0xff] + Array((text + "\n" + line).utf8))) == nil)
        #expect(throws: TransparencyError(code: .invalidEncoding)) { try UntrustedNote(parsing: [0xc3, 0x28, 0x0a, 0x0a] + Array(line.utf8)) }
        let huge = String(repeating: "x", count: SignedNote.maxBytes) + "\n\n" + line
        #expect(code(huge) == .tooLarge)
        #expect(throws: TransparencyError(code: .tooLarge)) {
            try SignedNote(text: String(repeating: "y", count: SignedNote.maxBytes - 10) + "\n", signatures: try UntrustedNote(parsing: text + "\n" + line).signatures)
        }
        #expect(throws: TransparencyError(code: .missingSignatures)) { try SignedNote(text: text, signatures: []) }
    }
}

/// Reads the base64 part of a verifier key in tests.
enum StrictBase64Probe {
    static func decode(_ text: String) -> [UInt8] {
        [UInt8](Data(base64Encoded: text) ?? Data())
    }
}
