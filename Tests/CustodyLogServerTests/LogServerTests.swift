import Crypto
import CustodyJSON
import CustodyKeys
import CustodyLog
import CustodyLogServer
import CustodyTestSupport
import CustodyTransparency
import Foundation
import Testing

@Suite("LogServer over HTTP with SQLite")
struct LogServerTests {
    /// Checks a write answer as a client would: the checkpoint's log signature, the proof against it,
    /// the leaf bytes, and the protobuf JSON field forms.
    func checkAnswer(_ answer: RunningLog.Answer, request: SignedRequest, log: RunningLog) throws -> UInt64 {
        #expect(answer.status == 201, "\(answer.text)")
        let entry = try answer.json()
        #expect(Set(entry.keys) == ["logIndex", "logId", "kindVersion", "inclusionProof", "canonicalizedBody"])
        let index = try #require(UInt64(try string(entry["logIndex"])))
        #expect(try unb64(try object(entry["logId"])["keyId"]) == log.logKey.keyHash)
        let kindVersion = try object(entry["kindVersion"])
        #expect(try string(kindVersion["kind"]) == "hashedrekord")
        #expect(try string(kindVersion["version"]) == "0.0.2")
        let body = try unb64(entry["canonicalizedBody"])
        #expect(String(decoding: body, as: UTF8.self) == request.expectedBody)

        let proof = try object(entry["inclusionProof"])
        #expect(try string(proof["logIndex"]) == String(index))
        let treeSize = try #require(UInt64(try string(proof["treeSize"])))
        guard case .array(let hashValues)? = proof["hashes"] else { throw TestSupportError("no hashes") }
        let envelope = try string(try object(proof["checkpoint"])["envelope"])
        let evidence = EntryInclusionEvidence(
            entry: body,
            proof: try UntrustedInclusionProof(index: index, treeSize: treeSize, hashBytes: try hashValues.map { try unb64($0) }),
            checkpoint: Array(envelope.utf8), statedRootHash: try MerkleHash(bytes: try unb64(proof["rootHash"])))
        let verified = try evidence.verify(in: TrustedLog(key: log.logKey, origin: RunningLog.logName))
        #expect(verified.index == index)
        return index
    }

    @Test func entriesOfEveryAlgorithmAreLoggedWithVerifiableProofs() async throws {
        let log = try await RunningLog.start()
        var indexes: [UInt64] = []
        for type in [KeyType.ecdsaP256, .ecdsaP384, .rsa2048, .ecdsaP521, .ecdsaP256, .ecdsaP256] {
            let request = try SignedRequest.make(type)
            indexes.append(try checkAnswer(try await log.post(request.json()), request: request, log: log))
        }
        let ed25519ph = try SignedRequest.ed25519ph()
        indexes.append(try checkAnswer(try await log.post(ed25519ph.json()), request: ed25519ph, log: log))
        #expect(Set(indexes) == Set(0..<7))
        await log.stop()
    }

    @Test func concurrentPostsShareBatchesAndADuplicateGetsTheSameIndex() async throws {
        let log = try await RunningLog.start()
        let requests = try (0..<12).map { _ in try SignedRequest.make(.ecdsaP256) }
        let indexes = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for request in requests {
                group.addTask { try checkAnswer(try await log.post(request.json()), request: request, log: log) }
            }
            return try await group.reduce(into: [UInt64]()) { $0.append($1) }
        }
        #expect(Set(indexes) == Set(0..<12))
        let again = try checkAnswer(try await log.post(requests[3].json()), request: requests[3], log: log)
        let first = try checkAnswer(try await log.post(requests[3].json()), request: requests[3], log: log)
        #expect(again == first)
        #expect(try await log.storage.state().size == 12)
        await log.stop()
    }

    @Test func tilesAndEntryBundlesRebuildTheCheckpointRoot() async throws {
        let log = try await RunningLog.start()
        var bodies: [[UInt8]] = []
        for _ in 0..<7 {
            let request = try SignedRequest.make(.ecdsaP256)
            let answer = try await log.post(request.json())
            #expect(answer.status == 201)
            bodies.append(Array(request.expectedBody.utf8))
        }
        let checkpointAnswer = try await log.get("/checkpoint")
        #expect(checkpointAnswer.status == 200)
        #expect(checkpointAnswer.header("Cache-Control") == "public, max-age=1")
        let verified = try UntrustedCheckpoint(parsing: checkpointAnswer.body).verify(logKey: log.logKey, expectedOrigin: RunningLog.logName)
        let size = verified.checkpoint.size
        #expect(size == 7)

        let root = try await TiledTreeReader.rootHash(treeSize: size) { id in
            let answer = try await log.get("/\(id.path)")
            guard answer.status == 200 else { throw TestSupportError("\(id.path): \(answer.status)") }
            return answer.body
        }
        #expect(root == verified.checkpoint.rootHash)

        let bundleAnswer = try await log.get("/tile/entries/000.p/7")
        #expect(bundleAnswer.status == 200)
        let bundle = try EntryBundle(id: try EntryBundleID(index: 0, width: 7), data: bundleAnswer.body)
        #expect(Set(bundle.entries) == Set(bodies))
        let tileAnswer = try await log.get("/tile/0/000.p/7")
        try bundle.verify(against: try Tile(id: try TileID(level: 0, index: 0, width: 7), data: tileAnswer.body))
        #expect(tileAnswer.header("Content-Type") == "application/octet-stream")

        // A narrower partial tile is served as the prefix of the stored one.
        let narrow = try await log.get("/tile/0/000.p/3")
        #expect(narrow.status == 200)
        #expect(narrow.body == Array(tileAnswer.body.prefix(96)))
        let narrowBundle = try await log.get("/tile/entries/000.p/2")
        #expect(try EntryBundle(id: try EntryBundleID(index: 0, width: 2), data: narrowBundle.body).entries == Array(bundle.entries.prefix(2)))
        // The same paths under the Rekor v2 prefix.
        #expect(try await log.get("/api/v2/tile/0/000.p/7").body == tileAnswer.body)
        #expect(try await log.get("/api/v2/checkpoint").status == 200)

        // Outside the tree: 404; malformed: 400.
        for path in ["/tile/0/000.p/8", "/tile/0/000", "/tile/0/001.p/1", "/tile/1/000.p/1", "/tile/entries/000", "/tile/entries/000.p/9"] {
            let answer = try await log.get(path)
            #expect(answer.status == 404, "\(path)")
            #expect(try string(try answer.json()["code"]) == "notFound")
        }
        for path in ["/tile/0/0", "/tile/0/000.p/007", "/tile/0/000.p/256", "/tile/0/x000/001", "/tile/64/000", "/tile/a/000", "/tile/0/000.p/"] {
            let answer = try await log.get(path)
            #expect(answer.status == 400, "\(path)")
            #expect(try string(try answer.json()["code"]) == "invalidTilePath", "\(path)")
        }
        await log.stop()
    }

    @Test func fullTilesAreImmutable() async throws {
        let log = try await RunningLog.start()
        let requests = try (0..<256).map { _ in try SignedRequest.make(.ecdsaP256) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: 256, by: 32) {
                group.addTask {
                    for request in requests[chunk..<chunk + 32] {
                        let answer = try await log.post(request.json())
                        #expect(answer.status == 201)
                    }
                }
            }
            try await group.waitForAll()
        }
        let full = try await log.get("/tile/0/000")
        #expect(full.status == 200)
        #expect(full.body.count == 256 * 32)
        #expect(full.header("Cache-Control") == "public, max-age=31536000, immutable")
        let level1 = try await log.get("/tile/1/000.p/1")
        #expect(level1.status == 200)
        #expect(level1.body.count == 32)
        let entries = try await log.get("/tile/entries/000")
        #expect(entries.header("Cache-Control") == "public, max-age=31536000, immutable")
        #expect(try EntryBundle(id: try EntryBundleID(index: 0), data: entries.body).entries.count == 256)
        await log.stop()
    }

    @Test func keysAndHealth() async throws {
        let log = try await RunningLog.start()
        let pem = try await log.get("/api/v2/log/publicKey")
        #expect(pem.status == 200)
        #expect(try PublicKey(pemEncoded: pem.text).derRepresentation == log.logKey.publicKey.derRepresentation)
        let vkey = try await log.get("/api/v2/log/verifierKey")
        #expect(try NoteVerifierKey(parsing: vkey.text.trimmingCharacters(in: .newlines)) == log.logKey)
        let health = try await log.get("/healthz")
        #expect(health.status == 200)
        #expect(try string(try health.json()["status"]) == "ok")
        // A new log publishes the empty tree's checkpoint at once.
        let checkpoint = try UntrustedCheckpoint(parsing: try await log.get("/checkpoint").body).verify(logKey: log.logKey)
        #expect(checkpoint.checkpoint.size == 0)
        await log.stop()
    }

    @Test func badInputGetsAClear4xx() async throws {
        let log = try await RunningLog.start(maxRequestBytes: 16 * 1024)
        let good = try SignedRequest.make(.ecdsaP256)
        let other = try SignedRequest.make(.ecdsaP256)
        let p384 = try SignedRequest.make(.ecdsaP384)
        let ed25519 = try SignedRequest.make(.ed25519)
        let cases: [(String, String, Int, String)] = [
            ("oversized", String(repeating: " ", count: 20_000) + good.json(), 413, "requestTooLarge"),
            ("not JSON", "{\"hashedRekordRequestV002\":", 400, "invalidJSON"),
            ("duplicate key", #"{"a":1,"a":2}"#, 400, "invalidJSON"),
            ("array", "[]", 400, "invalidRequest"),
            ("empty object", "{}", 400, "invalidRequest"),
            ("unknown kind", #"{"rekordRequest":{}}"#, 400, "invalidRequest"),
            ("dsse", #"{"dsseRequestV002":{}}"#, 400, "unsupportedKind"),
            ("unknown member", good.json(extra: #","extra":1"#), 400, "invalidRequest"),
            ("bad base64", good.json(digest: "not base64!"), 400, "invalidRequest"),
            ("unpadded base64", good.json(digest: String(b64(good.digest).dropLast())), 400, "invalidRequest"),
            ("wrong signature", good.json(signature: b64(other.signature)), 400, "invalidSignature"),
            ("wrong digest", good.json(digest: b64(other.digest)), 400, "invalidSignature"),
            ("short digest", good.json(digest: b64(Array(good.digest.prefix(20)))), 400, "invalidDigest"),
            ("unknown algorithm", good.json(keyDetails: "PKIX_ECDSA_P256_SHA_1"), 400, "unsupportedAlgorithm"),
            ("pure Ed25519", ed25519.json(), 400, "unsupportedAlgorithm"),
            ("Ed25519ph with a SHA-256 digest", ed25519.json(keyDetails: "PKIX_ED25519_PH"), 400, "invalidDigest"),
            ("pure Ed25519 signature as Ed25519ph", ed25519.json(digest: b64(Array(SHA512.hash(data: ed25519.digest))), keyDetails: "PKIX_ED25519_PH"), 400, "invalidSignature"),
            ("P-521 details, P-256 key", good.json(keyDetails: "PKIX_ECDSA_P521_SHA_512"), 400, "invalidDigest"),
            ("key mismatch", p384.json(keyDetails: "PKIX_ECDSA_P256_SHA_256", extra: ""), 400, "invalidDigest"),
            ("key type mismatch", good.json(keyDetails: "PKIX_RSA_PKCS1V15_2048_SHA256"), 400, "keyMismatch"),
            ("not a key", good.json(verifier: #"{"publicKey":{"rawBytes":"AAAA"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}"#), 400, "invalidKey"),
            ("not a certificate", good.json(verifier: #"{"x509Certificate":{"rawBytes":"AAAA"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}"#), 400, "invalidCertificate"),
            ("key and certificate", good.json(verifier: #"{"publicKey":{"rawBytes":"\#(b64(good.publicKey))"},"x509Certificate":{"rawBytes":"AAAA"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}"#), 400, "invalidRequest"),
            ("neither key nor certificate", good.json(verifier: #"{"keyDetails":"PKIX_ECDSA_P256_SHA_256"}"#), 400, "invalidRequest"),
            ("unknown certificate member", good.json(verifier: #"{"x509Certificate":{"rawBytes":"AAAA","pem":""},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}"#), 400, "invalidRequest"),
            ("missing verifier", #"{"hashedRekordRequestV002":{"digest":"\#(b64(good.digest))","signature":{"content":"AAAA"}}}"#, 400, "invalidRequest"),
            ("number for string", #"{"hashedRekordRequestV002":{"digest":1,"signature":{}}}"#, 400, "invalidRequest"),
        ]
        for (name, body, status, code) in cases {
            let answer = try await log.post(body)
            #expect(answer.status == status, "\(name): \(answer.text)")
            #expect((try? string(try answer.json()["code"])) == code, "\(name): \(answer.text)")
            #expect(answer.header("Content-Type") == "application/json", "\(name)")
        }
        // Nothing was logged; a good request still works afterwards.
        #expect(try await log.storage.state().size == 0)
        #expect(try checkAnswer(try await log.post(good.json()), request: good, log: log) == 0)
        await log.stop()
    }

    /// Rekor v2 requests made by Python `cryptography` alone: a bare key or a self-signed
    /// certificate shaped like a keyless one, on each ECDSA curve.
    @Test(.enabled(if: PeerTool.availableOrCI("python3")), arguments: [
        [], ["--certificate"], ["--curve", "p384", "--certificate"], ["--curve", "p521"], ["--curve", "p521", "--certificate"],
        ["--curve", "ed25519ph"],
    ])
    func checkedByAnIndependentPythonClient(options: [String]) async throws {
        let log = try await RunningLog.start()
        let script = Fixtures.repositoryRoot + "/Scripts/rekor-v2-client.py"
        let vkey = log.logKey.vkey
        let port = log.port
        // Process.waitUntilExit spins a run loop: keep it off the concurrency pool's threads.
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProcessResult, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runProcess("python3", [script, "http://127.0.0.1:\(port)", vkey] + options) })
            }
        }
        #expect(result.status == 0, "\(result.stdoutText)\n\(result.stderrText)")
        #expect(result.stdoutText.contains("OK"), "\(result.stdoutText)")
        await log.stop()
    }
}
