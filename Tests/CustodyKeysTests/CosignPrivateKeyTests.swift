import CustodyKeys
import CustodyTestSupport
import Crypto
import Foundation
import Testing

@Suite("cosign encrypted private keys")
struct CosignPrivateKeyTests {
    typealias Support = SecretBoxTestSupport

    static let hello = Array("hello".utf8)

    /// A fresh ECDSA P-256 key as PKCS#8 DER.
    static func p256PKCS8() -> [UInt8] {
        [UInt8](P256.Signing.PrivateKey().derRepresentation)
    }

    /// The JSON body of a PEM written by `CosignPrivateKey.encrypt`.
    static func json(of pem: String) throws -> String {
        let body = pem.split(separator: "\n").dropFirst().dropLast().joined()
        let data = try #require(Data(base64Encoded: body))
        return String(decoding: data, as: UTF8.self)
    }

    /// A PEM block of `type` around `json`.
    static func pem(_ json: String, type: String = "ENCRYPTED SIGSTORE PRIVATE KEY") -> String {
        "-----BEGIN \(type)-----\n\(Data(json.utf8).base64EncodedString(options: .lineLength64Characters))\n-----END \(type)-----\n"
    }

    /// A valid key (fixed salt and nonce, passphrase "hello", N = 32768) and its JSON body.
    static func sample() throws -> (pem: String, json: String, der: [UInt8]) {
        let der = p256PKCS8()
        let pem = try CosignPrivateKey.encrypt(
            pkcs8DER: der, passphrase: hello, n: 32768, pemType: .sigstore,
            salt: [UInt8](repeating: 7, count: 32), nonce: [UInt8](repeating: 9, count: 24)
        )
        return (pem, try json(of: pem), der)
    }

    // MARK: upstream vectors

    @Test("cosign's own test keys (pkg/cosign/keys_test.go) decrypt with their passphrase",
          arguments: [
            ("cosign-rsa-labelled.key", CosignPrivateKey.PEMType.cosign, 32768, true),
            ("cosign-ec-labelled.key", CosignPrivateKey.PEMType.cosign, 65536, false),
            ("sigstore.key", CosignPrivateKey.PEMType.sigstore, 32768, true),
          ])
    func upstreamKeys(file: String, type: CosignPrivateKey.PEMType, n: Int, isPKCS8: Bool) throws {
        let pem = String(decoding: try Support.vector(file, in: "cosign"), as: UTF8.self)
        let key = try CosignPrivateKey(pem: pem, passphrase: Self.hello)
        #expect(key.pemType == type)
        #expect(key.scryptN == n)
        #expect(key.pkcs8DER.first == 0x30)
        if isPKCS8 {
            // PKCS#8: SEQUENCE { INTEGER 0, AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, ... }
            #expect(key.pkcs8DER.count == 138)
            let privateKey = try P256.Signing.PrivateKey(derRepresentation: key.pkcs8DER)
            #expect(privateKey.publicKey.derRepresentation.count == 91)
        } else {
            // cosign's fixture holds a SEC1 ECPrivateKey (cosign rejects it after decryption).
            #expect(key.pkcs8DER.count == 121)
            #expect(Array(key.pkcs8DER.prefix(5)) == [0x30, 0x77, 0x02, 0x01, 0x01])
        }
        #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: pem, passphrase: Array("hellO".utf8)) }
        #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: pem, passphrase: []) }
    }

    // MARK: round trips

    @Test("encrypt then decrypt, both PEM types, every accepted N",
          arguments: [(CosignPrivateKey.PEMType.sigstore, 32768), (.cosign, 32768), (.sigstore, 65536), (.cosign, 131072)])
    func roundTrip(type: CosignPrivateKey.PEMType, n: Int) throws {
        let der = Self.p256PKCS8()
        let passphrase = Array("correct horse battery staple".utf8)
        let pem = try CosignPrivateKey.encrypt(pkcs8DER: der, passphrase: passphrase, n: n, pemType: type)
        #expect(pem.hasPrefix("-----BEGIN \(type.rawValue)-----\n"))
        #expect(pem.hasSuffix("-----END \(type.rawValue)-----\n"))
        #expect(pem.split(separator: "\n").allSatisfy { $0.count <= 64 })
        let json = try Self.json(of: pem)
        #expect(json.hasPrefix(#"{"kdf":{"name":"scrypt","params":{"N":\#(n),"r":8,"p":1},"salt":""#))
        let key = try CosignPrivateKey(pem: pem, passphrase: passphrase)
        #expect(key.pkcs8DER == der)
        #expect(key.pemType == type)
        #expect(key.scryptN == n)
    }

    @Test("defaults: N = 32768, fresh salt and nonce each time, empty passphrase allowed")
    func defaults() throws {
        let der = Self.p256PKCS8()
        let first = try CosignPrivateKey.encrypt(pkcs8DER: der, passphrase: [])
        let second = try CosignPrivateKey.encrypt(pkcs8DER: der, passphrase: [])
        #expect(first != second)
        #expect(try Self.json(of: first).contains(#""N":32768,"#))
        let key = try CosignPrivateKey(pem: first, passphrase: [])
        #expect(key.pkcs8DER == der && key.scryptN == CosignPrivateKey.defaultScryptN && key.pemType == .cosign)
        #expect(throws: CosignPrivateKeyError.unsupportedKDFParameters("N=16384, r=8, p=1")) {
            try CosignPrivateKey.encrypt(pkcs8DER: der, passphrase: [], n: 16384)
        }
    }

    @Test("surrounding whitespace and CRLF line ends are accepted")
    func whitespace() throws {
        let sample = try Self.sample()
        #expect(try CosignPrivateKey(pem: "\n  \n" + sample.pem + "\n\n", passphrase: Self.hello).pkcs8DER == sample.der)
        #expect(try CosignPrivateKey(pem: sample.pem.replacingOccurrences(of: "\n", with: "\r\n"), passphrase: Self.hello).pkcs8DER == sample.der)
    }

    // MARK: rejections

    @Test("wrong passphrase and altered ciphertext are a clear authentication error")
    func wrongPassphrase() throws {
        let sample = try Self.sample()
        #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: sample.pem, passphrase: Array("goodbye".utf8)) }
        #expect(CosignPrivateKeyError.wrongPassphrase.description.contains("wrong passphrase"))
        // A ciphertext cut short (but still longer than the tag) fails authentication too.
        let ciphertext = try #require(sample.json.range(of: #""ciphertext":""#))
        let base64Start = ciphertext.upperBound
        let full = String(sample.json[base64Start...].dropLast(2))
        let bytes = try #require(Data(base64Encoded: full))
        let shorter = sample.json.replacingOccurrences(of: full, with: bytes.dropLast(10).base64EncodedString())
        #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: Self.pem(shorter), passphrase: Self.hello) }
        let tagOnly = sample.json.replacingOccurrences(of: full, with: Data(bytes.prefix(16)).base64EncodedString())
        #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: Self.pem(tagOnly), passphrase: Self.hello) }
        let truncated = sample.json.replacingOccurrences(of: full, with: Data(bytes.prefix(15)).base64EncodedString())
        #expect(throws: CosignPrivateKeyError.self) { try CosignPrivateKey(pem: Self.pem(truncated), passphrase: Self.hello) }
        do {
            _ = try CosignPrivateKey(pem: Self.pem(truncated), passphrase: Self.hello)
        } catch {
            guard case .malformed(let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reason.contains("shorter than the 16-byte tag"))
        }
    }

    @Test("KDF and cipher names and parameters other than cosign's are rejected")
    func kdfAndCipher() throws {
        let json = try Self.sample().json
        let cases: [(String, String, CosignPrivateKeyError)] = [
            (#""name":"scrypt""#, #""name":"pbkdf2""#, .unsupportedKDF("pbkdf2")),
            (#""name":"scrypt""#, #""name":"Scrypt""#, .unsupportedKDF("Scrypt")),
            (#""name":"nacl/secretbox""#, #""name":"aes-gcm""#, .unsupportedCipher("aes-gcm")),
            (#""N":32768"#, #""N":16384"#, .unsupportedKDFParameters("N=16384, r=8, p=1")),
            (#""N":32768"#, #""N":262144"#, .unsupportedKDFParameters("N=262144, r=8, p=1")),
            (#""N":32768"#, #""N":32767"#, .unsupportedKDFParameters("N=32767, r=8, p=1")),
            (#""r":8"#, #""r":16"#, .unsupportedKDFParameters("N=32768, r=16, p=1")),
            (#""p":1"#, #""p":2"#, .unsupportedKDFParameters("N=32768, r=8, p=2")),
        ]
        for (from, to, expected) in cases {
            let altered = json.replacingOccurrences(of: from, with: to)
            #expect(altered != json)
            #expect(throws: expected, "\(to)") { try CosignPrivateKey(pem: Self.pem(altered), passphrase: Self.hello) }
        }
    }

    @Test("malformed JSON: unknown, missing or mistyped members, wrong sizes, bad base64")
    func malformedJSON() throws {
        let json = try Self.sample().json
        let salt = Data([UInt8](repeating: 7, count: 32)).base64EncodedString()
        let nonce = Data([UInt8](repeating: 9, count: 24)).base64EncodedString()
        let cases: [(String, String)] = [
            (#"{"kdf""#, #"{"extra":1,"kdf""#),                       // unknown top-level member
            (#""r":8,"#, ""),                                          // missing r
            (#""r":8"#, #""r":8,"q":1"#),                              // unknown param
            (#""N":32768"#, #""n":32768"#),                            // wrong case (Go would accept)
            (#""N":32768"#, #""N":"32768""#),                          // string
            (#""N":32768"#, #""N":32768.5"#),                          // not an integer
            (#""N":32768"#, #""N":true"#),                             // boolean
            (#","cipher":{"name":"nacl/secretbox","nonce":"\#(nonce)"}"#, ""), // missing cipher
            (salt, "!!notbase64!!"),                                   // bad base64 salt
            (salt, Data([UInt8](repeating: 7, count: 16)).base64EncodedString()), // 16-byte salt
            (nonce, "@@@"),                                            // bad base64 nonce
            (nonce, Data([UInt8](repeating: 9, count: 12)).base64EncodedString()), // 12-byte nonce
            (#""ciphertext":""#, #""ciphertext":"%"#),                // bad base64 ciphertext
            (json, "[]"),                                              // not an object
            (json, json + "x"),                                        // trailing garbage in JSON
            (json, "{"),                                               // truncated JSON
        ]
        for (from, to) in cases {
            let altered = json.replacingOccurrences(of: from, with: to)
            #expect(altered != json)
            #expect(throws: CosignPrivateKeyError.self, "\(to)") { try CosignPrivateKey(pem: Self.pem(altered), passphrase: Self.hello) }
            do {
                _ = try CosignPrivateKey(pem: Self.pem(altered), passphrase: Self.hello)
            } catch {
                guard case .malformed = error else { Issue.record("\(to): expected .malformed, got \(error)"); continue }
            }
        }
    }

    @Test("PEM framing: wrong type, trailing data, second block, headers, bad base64, limit")
    func pemFraming() throws {
        let sample = try Self.sample()
        for label in ["PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "encrypted sigstore private key"] {
            #expect(throws: CosignPrivateKeyError.wrongPEMType(label)) {
                try CosignPrivateKey(pem: Self.pem(sample.json, type: label), passphrase: Self.hello)
            }
        }
        let malformed: [String] = [
            "",
            "not a key",
            sample.pem + "trailing",
            sample.pem + sample.pem,
            "garbage\n" + sample.pem,
            sample.pem.replacingOccurrences(of: "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----", with: "-----END ENCRYPTED COSIGN PRIVATE KEY-----"),
            sample.pem.replacingOccurrences(of: "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n", with: ""),
            sample.pem.replacingOccurrences(of: "-----\n", with: "-----\nProc-Type: 4,ENCRYPTED\n", options: [], range: sample.pem.range(of: "-----\n")),
            sample.pem.replacingOccurrences(of: "-----\n", with: "-----\n*&^%\n", options: [], range: sample.pem.range(of: "-----\n")),
        ]
        for text in malformed {
            #expect(throws: CosignPrivateKeyError.self) { try CosignPrivateKey(pem: text, passphrase: Self.hello) }
            do {
                _ = try CosignPrivateKey(pem: text, passphrase: Self.hello)
            } catch {
                guard case .malformedPEM = error else { Issue.record("expected .malformedPEM, got \(error) for \(text.prefix(40))"); continue }
            }
        }
        let huge = String(repeating: " ", count: CosignPrivateKey.maxPEMBytes) + sample.pem
        #expect(throws: CosignPrivateKeyError.tooLarge(huge.utf8.count)) { try CosignPrivateKey(pem: huge, passphrase: Self.hello) }
    }

    // MARK: Python cross-check of the whole format

    @Test("Python (hashlib.scrypt + PyNaCl) reads Custody's keys and Custody reads Python's",
          .enabled(if: PeerTool.availableOrCI("python3")))
    func pythonCrossCheck() throws {
        let der = Self.p256PKCS8()
        let passphrase = Array("pässwörd \u{1F511}".utf8)
        for (type, n) in [(CosignPrivateKey.PEMType.sigstore, 32768), (.cosign, 65536)] {
            let pem = try CosignPrivateKey.encrypt(pkcs8DER: der, passphrase: passphrase, n: n, pemType: type)
            let output = try Support.runPython(
                Self.cosignScript, ["decrypt", "key.pem", Support.hex(passphrase)], files: ["key.pem": Data(pem.utf8)]
            )
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(type.rawValue) \(n) \(Support.hex(der))")

            let written = try Support.runPython(Self.cosignScript, ["encrypt", Support.hex(der), Support.hex(passphrase), String(n), type.rawValue])
            let key = try CosignPrivateKey(pem: written, passphrase: passphrase)
            #expect(key.pkcs8DER == der && key.pemType == type && key.scryptN == n)
            #expect(throws: CosignPrivateKeyError.wrongPassphrase) { try CosignPrivateKey(pem: written, passphrase: Self.hello) }
        }
    }

    /// `decrypt <pem file> <passphrase hex>` prints "<PEM type> <N> <plaintext hex>";
    /// `encrypt <der hex> <passphrase hex> <N> <PEM type>` prints a PEM key, both written from the
    /// go-securesystemslib format description with hashlib.scrypt and PyNaCl.
    static let cosignScript = """
    import base64, hashlib, json, os, textwrap

    def derive(passphrase, salt, n, r, p):
        return hashlib.scrypt(passphrase, salt=salt, n=n, r=r, p=p, maxmem=512 * 1024 * 1024, dklen=32)

    if sys.argv[1] == "decrypt":
        lines = open(sys.argv[2]).read().strip().splitlines()
        label = lines[0][len("-----BEGIN "):-len("-----")]
        assert lines[-1] == "-----END %s-----" % label, lines[-1]
        doc = json.loads(base64.b64decode("".join(lines[1:-1])))
        assert doc["kdf"]["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox", doc
        params = doc["kdf"]["params"]
        key = derive(bytes.fromhex(sys.argv[3]), base64.b64decode(doc["kdf"]["salt"]), params["N"], params["r"], params["p"])
        plain = nacl.secret.SecretBox(key).decrypt(base64.b64decode(doc["ciphertext"]), base64.b64decode(doc["cipher"]["nonce"]))
        print(label, params["N"], plain.hex())
    elif sys.argv[1] == "encrypt":
        der, passphrase, n, label = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        salt, nonce = os.urandom(32), os.urandom(24)
        box = nacl.secret.SecretBox(derive(passphrase, salt, n, 8, 1)).encrypt(der, nonce).ciphertext
        doc = {"kdf": {"name": "scrypt", "params": {"N": n, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
               "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
               "ciphertext": base64.b64encode(box).decode()}
        body = base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()
        print("-----BEGIN %s-----" % label)
        print("\\n".join(textwrap.wrap(body, 64)))
        print("-----END %s-----" % label)
    else:
        sys.exit("usage: decrypt|encrypt ...")
    """
}
