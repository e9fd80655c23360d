import Crypto
import CustodyJSON
import CustodyKeys
import CustodyRegistry
import CustodyTestSupport
import CustodyTransparency
import Foundation
import Testing

@testable import CustodyLogClient

/// Appends to a real in-process log over HTTP, verifies the answers offline, and builds proofs
/// from the log's tiles.
@Suite("log client")
struct LogClientTests {
    static func artifact(_ label: String = UUID().uuidString) -> [UInt8] { Array("artifact \(label)".utf8) }

    /// Appends one artifact signed with a fresh key of `type`.
    static func append(_ type: KeyType, to client: LogClient, artifact: [UInt8] = artifact()) async throws
        -> (request: HashedRekordRequest, entry: UntrustedLogEntry)
    {
        let request = try HashedRekordRequest(artifact: artifact, privateKey: try PrivateKey.generate(type))
        return (request, try await client.append(request.json))
    }

    @Test("P-256, P-384 and RSA entries are appended and verify offline with the verifier key or the PEM key")
    func appendAndVerify() async throws {
        try await TestLog.with { log in try await appendAndVerify(log) }
    }

    func appendAndVerify(_ log: TestLog) async throws {
        let client = try LogClient(baseURL: log.url + "/")
        let pem = try LogKey(parsing: log.logKey.publicKey.pemRepresentation)
        let vkey = try LogKey(parsing: log.logKey.vkey + "\n")
        var expectedDetails: [HashedRekordKeyDetails] = []
        for type in [KeyType.ecdsaP256, .ecdsaP384, .rsa2048, .rsa3072] {
            let artifact = Self.artifact()
            let (request, entry) = try await Self.append(type, to: client, artifact: artifact)
            expectedDetails.append(request.keyDetails)
            #expect(entry.canonicalizedBody == request.expectedCanonicalizedBody)
            #expect(entry.kind == "hashedrekord" && entry.version == "0.0.2")
            let verified = try entry.verify(logKey: vkey)
            #expect(verified.index == entry.logIndex)
            #expect(verified.leafHash == MerkleHash.leaf(request.expectedCanonicalizedBody))
            #expect(verified.checkpoint.origin == TestLog.logName)
            #expect(try entry.verify(logKey: pem, origin: TestLog.logName).index == entry.logIndex)
            let rekord = try entry.hashedRekord()
            try rekord.verify(artifact: artifact)
            #expect(rekord.keyDetails == request.keyDetails)
            #expect(rekord.digest.count == (type == .ecdsaP384 ? 48 : 32))
            // Another artifact: the digest no longer matches.
            #expect(throws: LogClientError(.notVerified, "")) { try rekord.verify(artifact: artifact + [0]) }
            // The saved document parses again to the same entry.
            #expect(try UntrustedLogEntry(json: entry.json) == entry)
        }
        #expect(expectedDetails == [.ecdsaP256SHA256, .ecdsaP384SHA384, .rsaPKCS1v15_2048SHA256, .rsaPKCS1v15_3072SHA256])
        // The verified checkpoint and an entry read back from the tiles.
        let checkpoint = try await client.verifiedCheckpoint(logKey: vkey)
        #expect(checkpoint.checkpoint.size == 4)
        let first = try await client.entry(index: 0, in: checkpoint)
        #expect(try UntrustedHashedRekord(body: first).keyDetails == .ecdsaP256SHA256)
    }

    @Test("Ed25519 keys make Ed25519ph requests; RSA sizes are read")
    func unsupportedKeys() throws {
        let ed25519 = try PrivateKey.generate(.ed25519)
        let request = try HashedRekordRequest(artifact: [1, 2, 3], privateKey: ed25519)
        #expect(request.keyDetails == .ed25519ph && request.digest.count == 64)
        for (type, bits) in [(KeyType.rsa2048, 2048), (.rsa3072, 3072), (.rsa4096, 4096)] {
            #expect(try PrivateKey.generate(type).publicKey.rsaModulusBits == bits)
        }
        #expect(try PrivateKey.generate(.ecdsaP256).publicKey.rsaModulusBits == nil)
    }

    @Test("inclusion and consistency proofs built from tiles match an independently computed tree")
    func proofsFromTiles() async throws {
        try await TestLog.with { log in try await proofsFromTiles(log) }
    }

    func proofsFromTiles(_ log: TestLog) async throws {
        let client = try LogClient(baseURL: log.url)
        let requests = try (0..<300).map { _ in try HashedRekordRequest(artifact: Self.artifact(), privateKey: try PrivateKey.generate(.ecdsaP256)) }
        let indexes = try await withThrowingTaskGroup(of: [(Int, UInt64)].self) { group in
            // Six appenders: fewer than the HTTP client's 8 connections per host, so no append
            // queues for a connection (under a loaded test run that queue can time out).
            for chunk in stride(from: 0, to: requests.count, by: 50) {
                group.addTask {
                    var done: [(Int, UInt64)] = []
                    for offset in chunk..<chunk + 50 { done.append((offset, try await client.append(requests[offset].json).logIndex)) }
                    return done
                }
            }
            var all: [(Int, UInt64)] = []
            for try await part in group { all += part }
            return all
        }
        var leaves = [[UInt8]](repeating: [], count: requests.count)
        for (offset, index) in indexes { leaves[Int(index)] = requests[offset].expectedCanonicalizedBody }
        let tree = MerkleTree(leaves: leaves)
        let checkpoint = try await client.verifiedCheckpoint(logKey: .verifierKey(log.logKey))
        #expect(checkpoint.checkpoint.size == 300)
        #expect(checkpoint.checkpoint.rootHash == tree.rootHash)

        for (index, size) in [(0, nil), (1, nil), (255, nil), (256, nil), (299, nil), (7, 8), (100, 256), (255, 256), (256, 257), (0, 1), (42, 299)] as [(UInt64, UInt64?)] {
            let proof = try await client.inclusionProof(index: index, treeSize: size, in: checkpoint)
            let treeSize = size ?? 300
            #expect(proof.treeSize == treeSize)
            #expect(proof.hashes == (try tree.inclusionProof(index: index, treeSize: treeSize)), "index \(index) size \(treeSize)")
            #expect(proof.rootHash == (try tree.rootHash(atSize: treeSize)))
            #expect(proof.entry == leaves[Int(index)])
            #expect(proof.leafHash == MerkleHash.leaf(leaves[Int(index)]))
        }
        for (old, new) in [(1, nil), (1, 2), (3, 7), (8, 300), (100, 256), (255, 257), (256, 300), (299, 300), (300, nil), (17, 17)] as [(UInt64, UInt64?)] {
            let proof = try await client.consistencyProof(oldSize: old, newSize: new, in: checkpoint)
            let newSize = new ?? 300
            #expect(proof.hashes == (try tree.consistencyProof(oldSize: old, newSize: newSize)), "\(old) -> \(newSize)")
            #expect(proof.oldRootHash == (try tree.rootHash(atSize: old)))
            #expect(proof.newRootHash == (try tree.rootHash(atSize: newSize)))
        }
        for index in [UInt64(0), 255, 256, 299] {
            #expect(try await client.entry(index: index, in: checkpoint) == leaves[Int(index)])
        }
        // Out of range.
        await #expect(throws: LogClientError(.outOfRange, "")) { _ = try await client.inclusionProof(index: 300, in: checkpoint) }
        await #expect(throws: LogClientError(.outOfRange, "")) { _ = try await client.inclusionProof(index: 5, treeSize: 301, in: checkpoint) }
        await #expect(throws: LogClientError(.outOfRange, "")) { _ = try await client.consistencyProof(oldSize: 0, in: checkpoint) }
        await #expect(throws: LogClientError(.outOfRange, "")) { _ = try await client.consistencyProof(oldSize: 10, newSize: 9, in: checkpoint) }
        // A tile from the log with one hash changed: every proof that reads it is refused.
        let tampering = try LogClient(baseURL: log.url, fetcher: TamperingFetcher(path: "/tile/0/000"))
        for attempt in [0, 1] {
            let error = await #expect(throws: LogClientError.self) {
                if attempt == 0 {
                    _ = try await tampering.inclusionProof(index: 3, in: checkpoint)
                } else {
                    _ = try await tampering.consistencyProof(oldSize: 5, newSize: 200, in: checkpoint)
                }
            }
            #expect(error?.code == .notVerified, "\(String(describing: error))")
        }
        // The right edge of the tree is checked against the checkpoint's root directly.
        let edge = try LogClient(baseURL: log.url, fetcher: TamperingFetcher(path: "/tile/0/001.p/44"))
        let edgeError = await #expect(throws: LogClientError.self) { _ = try await edge.inclusionProof(index: 3, in: checkpoint) }
        #expect(edgeError?.reason.contains("not the checkpoint's") == true)
    }

    /// A fresh signed entry and the log it is in, for the tampering tests.
    static func signedEntry(_ log: TestLog) async throws -> (UntrustedLogEntry, [String: JSONValue]) {
        let client = try LogClient(baseURL: log.url)
        _ = try await Self.append(.ecdsaP256, to: client)
        let (_, entry) = try await Self.append(.ecdsaP256, to: client)
        guard case .object(let object) = try JSONParser().parse(entry.json) else { throw TestSupportError("not an object") }
        return (entry, Dictionary(uniqueKeysWithValues: object.members.map { ($0.key, $0.value) }))
    }

    static func document(_ members: [String: JSONValue]) throws -> [UInt8] {
        try CanonicalJSONEncoder.serialize(.object(JSONObject(members: members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })!))
    }

    static func refusal(_ json: [UInt8], key: LogKey) throws -> String {
        do {
            _ = try UntrustedLogEntry(json: json).verify(logKey: key)
            return "verified"
        } catch {
            #expect(error.code == .notVerified, "\(error)")
            return error.reason
        }
    }

    @Test("tampered entries are refused with a clear reason")
    func tamperedEntries() async throws {
        try await TestLog.with { log in try await tamperedEntries(log) }
    }

    func tamperedEntries(_ log: TestLog) async throws {
        let (entry, members) = try await Self.signedEntry(log)
        let key = LogKey.verifierKey(log.logKey)
        #expect(try Self.refusal(entry.json, key: key) == "verified")

        // A changed body.
        var changed = members
        let otherBody = try HashedRekordRequest(artifact: [9], privateKey: try PrivateKey.generate(.ecdsaP256)).expectedCanonicalizedBody
        changed["canonicalizedBody"] = .string(Data(otherBody).base64EncodedString())
        #expect(try Self.refusal(try Self.document(changed), key: key).contains("leads to root"))

        // A changed proof hash.
        guard case .object(let proof) = members["inclusionProof"], case .array(var hashes) = proof["hashes"], !hashes.isEmpty else {
            throw TestSupportError("no proof hashes")
        }
        hashes[0] = .string(MerkleHash.leaf([1]).base64)
        var otherProof = members
        var rebuilt = JSONObject()
        for (name, value) in proof.members { _ = rebuilt.insert(name, name == "hashes" ? .array(hashes) : value) }
        otherProof["inclusionProof"] = .object(rebuilt)
        #expect(try Self.refusal(try Self.document(otherProof), key: key).contains("leads to root"))

        // The same checkpoint text signed by another key of the same name.
        let note = try UntrustedCheckpoint(parsing: entry.checkpoint)
        let forger = try NoteSigner(name: TestLog.logName, signer: FileSigner(try PrivateKey.generate(.ed25519)))
        let forged = try await SignedNote.sign(text: note.note.untrustedText, with: [forger])
        var forgedEntry = JSONObject()
        for (name, value) in proof.members {
            _ = forgedEntry.insert(name, name == "checkpoint" ? .object(JSONObject(members: [(key: "envelope", value: .string(forged.serialized))])!) : value)
        }
        var forgedMembers = members
        forgedMembers["inclusionProof"] = .object(forgedEntry)
        let forgedReason = try Self.refusal(try Self.document(forgedMembers), key: key)
        #expect(forgedReason != "verified")
        // …which verifies with the forger's key, but then the log ID is wrong.
        let forgerReason = try Self.refusal(try Self.document(forgedMembers), key: .verifierKey(forger.verifierKey))
        #expect(forgerReason.contains("logId"), "\(forgerReason)")

        // The right entry checked with the wrong log key (by verifier key and by PEM key).
        let otherKey = try NoteVerifierKey(name: TestLog.logName, publicKey: try PrivateKey.generate(.ed25519).publicKey)
        #expect(try Self.refusal(entry.json, key: .verifierKey(otherKey)) != "verified")
        #expect(try Self.refusal(entry.json, key: .publicKey(.init(otherKey.publicKey))) != "verified")

        // A stated root that is not the checkpoint's; a tree size that is not the checkpoint's.
        var rootChanged = members
        var rootObject = JSONObject()
        for (name, value) in proof.members { _ = rootObject.insert(name, name == "rootHash" ? .string(MerkleHash.leaf([2]).base64) : value) }
        rootChanged["inclusionProof"] = .object(rootObject)
        #expect(try Self.refusal(try Self.document(rootChanged), key: key).contains("stated root"))

        // Another logIndex (with the proof's index changed too).
        var indexChanged = members
        var indexObject = JSONObject()
        for (name, value) in proof.members { _ = indexObject.insert(name, name == "logIndex" ? .string("0") : value) }
        indexChanged["inclusionProof"] = .object(indexObject)
        indexChanged["logIndex"] = .string("0")
        #expect(try Self.refusal(try Self.document(indexChanged), key: key) != "verified")
    }

    @Test("malformed entry documents are errors, not crashes")
    func malformedEntries() async throws {
        try await TestLog.with { log in try await malformedEntries(log) }
    }

    func malformedEntries(_ log: TestLog) async throws {
        let (entry, members) = try await Self.signedEntry(log)
        let text = String(decoding: entry.json, as: UTF8.self)
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("not JSON", Array("hello".utf8)),
            ("array", Array("[]".utf8)),
            ("truncated", Array(entry.json.dropLast())),
            ("trailing bytes", entry.json + Array(" {}".utf8)),
            ("duplicate key", Array(("{\"logIndex\":\"1\"," + text.dropFirst()).utf8)),
            ("oversized", Array(repeating: UInt8(ascii: " "), count: UntrustedLogEntry.maxBytes + 1)),
            ("deep", Array((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)),
        ]
        func variant(_ name: String, _ value: JSONValue?) throws -> [UInt8] {
            var copy = members
            copy[name] = value
            return try Self.document(copy)
        }
        cases.append(("unknown member", try variant("extra", .string("x"))))
        cases.append(("missing body", try variant("canonicalizedBody", nil)))
        cases.append(("body not base64", try variant("canonicalizedBody", .string("not base64!"))))
        cases.append(("unpadded base64", try variant("canonicalizedBody", .string("YWJj\u{3D}"))))
        cases.append(("index negative", try variant("logIndex", .string("-1"))))
        cases.append(("index leading zero", try variant("logIndex", .string("01"))))
        cases.append(("index fraction", try variant("logIndex", .number(JSONNumber(Double(1.5))!))))
        cases.append(("index not proof index", try variant("logIndex", .string("12345"))))
        cases.append(("logId not object", try variant("logId", .string("x"))))
        for (name, bytes) in cases {
            let error = #expect(throws: LogClientError.self, "\(name)") { _ = try UntrustedLogEntry(json: bytes) }
            #expect(error?.code == .invalidEntry, "\(name): \(String(describing: error))")
        }
        // Bad log keys.
        for text in ["", "nonsense", "name+00000000+AAAA", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"] {
            #expect(throws: LogClientError(.invalidLogKey, ""), "\(text)") { _ = try LogKey(parsing: text) }
        }
        // Bodies that are not hashedrekord entries.
        for body in ["{}", "{\"kind\":\"dsse\",\"apiVersion\":\"0.0.2\",\"spec\":{}}", "[", "{\"kind\":\"hashedrekord\",\"kind\":\"x\"}"] {
            #expect(throws: LogClientError(.invalidEntry, ""), "\(body)") { _ = try UntrustedHashedRekord(body: Array(body.utf8)) }
        }
        // A log that answers a write with something else than an entry, or refuses it.
        let client = try LogClient(baseURL: log.url)
        let refused = await #expect(throws: LogClientError.self) { _ = try await client.append(Array("{}".utf8)) }
        #expect(refused?.code == .httpStatus)
        #expect(refused?.reason.contains("400") == true)
        #expect(throws: LogClientError.self) { _ = try LogClient(baseURL: "ftp://example.com") }
        #expect(throws: LogClientError.self) { _ = try LogClient(baseURL: "http://") }
    }

    @Test(
        "certificate entries (P-256, P-384, P-521, RSA) are read and verified with the certificate's key",
        .enabled(if: PeerTool.availableOrCI("openssl")))
    func certificateEntries() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = SignerCertificates(directory: directory)
        try await TestLog.with { log in
            let client = try LogClient(baseURL: log.url)
            for (type, digest) in [(KeyType.ecdsaP256, "sha256"), (.ecdsaP384, "sha384"), (.ecdsaP521, "sha512"), (.rsa2048, "sha256")] {
                let key = try PrivateKey.generate(type)
                let der = try await certificates.make(
                    for: key, emails: ["ci@example.com"], uris: ["https://ci.example.com/release"], issuer: "https://accounts.example.com",
                    digest: digest)
                let certificate = try UntrustedCertificate(derEncoded: der)
                let artifact = Self.artifact()
                let request = try HashedRekordRequest(artifact: artifact, privateKey: key, certificate: certificate)
                #expect(request.verifier == .certificate(der))
                let requestText = String(decoding: request.json, as: UTF8.self)
                #expect(requestText.contains(#""x509Certificate":{"rawBytes":"\#(Data(der).base64EncodedString())"}"#), "\(requestText)")
                #expect(!requestText.contains("publicKey"))

                let entry = try await client.append(request.json)
                #expect(entry.canonicalizedBody == request.expectedCanonicalizedBody)
                _ = try entry.verify(logKey: .verifierKey(log.logKey))
                let rekord = try entry.hashedRekord()
                #expect(rekord.verifier == .certificate(der))
                #expect(rekord.keyDetails == request.keyDetails)
                #expect(try rekord.verifier.publicKey().derRepresentation == key.publicKey.derRepresentation)
                let read = try #require(try rekord.verifier.signer().certificate)
                #expect(read.identities == ["ci@example.com", "https://ci.example.com/release"])
                #expect(read.oidcIssuer == "https://accounts.example.com")
                try rekord.verify(artifact: artifact)
                let error = #expect(throws: LogClientError.self, "\(type)") { try rekord.verify(artifact: artifact + [0]) }
                #expect(error?.code == .notVerified)
                // The body parses again from its bytes, to the same entry.
                #expect(try UntrustedHashedRekord(body: entry.canonicalizedBody) == rekord)
            }
        }
    }

    @Test("a certificate entry whose certificate is for another key, or of another kind than its key details, does not verify",
          .enabled(if: PeerTool.availableOrCI("openssl")))
    func certificateEntryForAnotherKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = SignerCertificates(directory: directory)
        let key = try PrivateKey.generate(.ecdsaP256)
        let der = try await certificates.make(for: key, emails: ["ci@example.com"])
        let otherDER = try await certificates.make(for: try PrivateKey.generate(.ecdsaP256), emails: ["ci@example.com"])
        let p384DER = try await certificates.make(for: try PrivateKey.generate(.ecdsaP384), emails: ["ci@example.com"], digest: "sha384")
        let artifact = Self.artifact()
        let request = try HashedRekordRequest(artifact: artifact, privateKey: key, certificate: try UntrustedCertificate(derEncoded: der))
        let body = String(decoding: request.expectedCanonicalizedBody, as: UTF8.self)
        try UntrustedHashedRekord(body: Array(body.utf8)).verify(artifact: artifact)
        for (name, replacement, reason) in [
            ("another key's certificate", otherDER, "does not verify"), ("a P-384 certificate", p384DER, "keyDetails"),
            ("not a certificate", [0x30, 0x03, 0x02, 0x01, 0x01], "cannot be read"),
        ] {
            let changed = body.replacingOccurrences(of: Data(der).base64EncodedString(), with: Data(replacement).base64EncodedString())
            #expect(changed != body)
            let rekord = try UntrustedHashedRekord(body: Array(changed.utf8))
            let error = #expect(throws: LogClientError.self, "\(name)") { try rekord.verify(artifact: artifact) }
            #expect(error?.code == .notVerified, "\(name)")
            #expect(error?.reason.contains(reason) == true, "\(name): \(String(describing: error))")
        }
    }

    @Test("an entry verifier with both publicKey and x509Certificate, or neither, is an invalid entry")
    func verifierOneOf() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let request = try HashedRekordRequest(artifact: [1, 2, 3], privateKey: key)
        let body = String(decoding: request.expectedCanonicalizedBody, as: UTF8.self)
        #expect(try UntrustedHashedRekord(body: Array(body.utf8)).verifier == .publicKey(key.publicKey.derRepresentation))
        let publicKey = #""publicKey":{"rawBytes":"\#(Data(key.publicKey.derRepresentation).base64EncodedString())"}"#
        #expect(body.contains(publicKey))
        let certificate = #""x509Certificate":{"rawBytes":"MAMCAQE="}"#
        for (name, changed) in [
            ("both", body.replacingOccurrences(of: publicKey, with: publicKey + "," + certificate)),
            ("both, certificate first", body.replacingOccurrences(of: publicKey, with: certificate + "," + publicKey)),
            ("neither", body.replacingOccurrences(of: "," + publicKey, with: "")),
        ] {
            #expect(changed != body, "\(name)")
            let error = #expect(throws: LogClientError.self, "\(name)") { _ = try UntrustedHashedRekord(body: Array(changed.utf8)) }
            #expect(error?.code == .invalidEntry, "\(name)")
            #expect(error?.reason.contains("exactly one of publicKey and x509Certificate") == true, "\(name): \(String(describing: error))")
        }
        // The certificate member is read as strictly as the key member.
        for (name, member) in [
            ("unknown member", #""x509Certificate":{"rawBytes":"MAMCAQE=","extra":"x"}"#), ("empty", #""x509Certificate":{"rawBytes":""}"#),
            ("not base64", #""x509Certificate":{"rawBytes":"not base64"}"#), ("not an object", #""x509Certificate":"MAMCAQE=""#),
        ] {
            let changed = body.replacingOccurrences(of: publicKey, with: member)
            #expect(throws: LogClientError(.invalidEntry, ""), "\(name)") { _ = try UntrustedHashedRekord(body: Array(changed.utf8)) }
        }
    }

    @Test("a request with a certificate for another key than the signing key is refused", .enabled(if: PeerTool.availableOrCI("openssl")))
    func requestWithAnotherKeysCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let certificates = SignerCertificates(directory: directory)
        let key = try PrivateKey.generate(.ecdsaP256)
        for other in [try PrivateKey.generate(.ecdsaP256), try PrivateKey.generate(.ecdsaP384)] {
            let der = try await certificates.make(for: other, emails: ["ci@example.com"])
            let certificate = try UntrustedCertificate(derEncoded: der)
            let error = #expect(throws: LogClientError.self) {
                try HashedRekordRequest(artifact: [1, 2, 3], privateKey: key, certificate: certificate)
            }
            #expect(error?.code == .unsupportedKey)
            #expect(error?.reason.contains("not the signing key's") == true, "\(String(describing: error))")
        }
        // The same request with the key's own certificate is made.
        let own = try UntrustedCertificate(derEncoded: try await certificates.make(for: key, emails: ["ci@example.com"]))
        #expect(try HashedRekordRequest(artifact: [1, 2, 3], privateKey: key, certificate: own).verifier == .certificate(own.derBytes))
    }
}

/// Fetches through ``HTTPFetcher`` and changes one byte of the answer for one path.
struct TamperingFetcher: HTTPFetching {
    let path: String
    let real = HTTPFetcher()

    func get(_ url: String, maxBytes: Int) async throws -> HTTPFetchResponse {
        let response = try await real.get(url, maxBytes: maxBytes)
        guard url.hasSuffix(path), !response.body.isEmpty else { return response }
        var body = response.body
        body[body.count / 2 - 1] ^= 0x01
        return HTTPFetchResponse(status: response.status, body: body, contentType: response.contentType)
    }
}
