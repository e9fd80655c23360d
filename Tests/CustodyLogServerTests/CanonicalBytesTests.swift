// The log server writes entries and answers straight into bytes; these must equal the RFC 8785
// serialization of the same JSON trees, which the rest of the suite and the Python peer check.

import CustodyJSON
import CustodyKeys
@testable import CustodyLogServer
import CustodyTransparency
import Testing

@Suite("Canonical bytes of log entries and answers")
struct CanonicalBytesTests {
    @Test(arguments: [KeyType.ecdsaP256, .ecdsaP384, .ecdsaP521, .rsa2048, .rsa4096])
    func entryBytesEqualTheEncodersSerialization(_ type: KeyType) throws {
        let request = try SignedRequest.make(type)
        try check(request)
    }

    @Test func ed25519phEntryBytesEqualTheEncodersSerialization() throws {
        try check(try SignedRequest.ed25519ph())
    }

    func check(_ request: SignedRequest) throws {
        let parsed = try EntryRequest(body: Array(request.json().utf8), maxBytes: 64 * 1024)
        guard case .hashedRekordV002(let entry) = parsed else { Issue.record("not a hashedrekord"); return }
        #expect(entry.canonicalizedBody == (try CanonicalJSONEncoder.serialize(entry.entry, style: .rfc8785)))
        #expect(String(decoding: entry.canonicalizedBody, as: UTF8.self) == request.expectedBody)
    }

    @Test(arguments: [0, 1, 5, 40])
    func answerBytesEqualTheEncodersSerialization(_ hashCount: Int) throws {
        let hashes = (0..<hashCount).map { MerkleHash.leaf([UInt8(truncatingIfNeeded: $0)]) }
        // A real checkpoint note has newlines and an em dash: both must come out as the encoder writes them.
        let checkpoint = Array("log.custody.test\n123456\n\(MerkleHash.emptyTree.base64)\n\n— log.custody.test AAAAAQ==\n".utf8)
        let answer = TransparencyLogEntry(
            logIndex: 123_455, logKeyHash: [1, 2, 3, 4], kind: "hashedrekord", version: "0.0.2",
            proof: InclusionProofAnswer(index: 123_455, treeSize: 123_456, rootHash: .emptyTree, hashes: hashes, checkpoint: checkpoint),
            canonicalizedBody: Array(#"{"kind":"x"}"#.utf8))
        #expect(answer.canonicalBytes == (try CanonicalJSONEncoder.serialize(answer.json)))
    }
}

extension TransparencyLogEntry {
    /// The answer as a JSON tree, member by member as protobuf-specs names them: the reference
    /// the directly written bytes are compared with.
    var json: JSONValue {
        func object(_ members: [(String, JSONValue)]) -> JSONValue {
            .object(JSONObject(members: members.map { (key: $0.0, value: $0.1) })!)
        }
        return object([
            ("logIndex", .string(String(logIndex))),
            ("logId", object([("keyId", .string(StrictBase64.encode(logKeyHash)))])),
            ("kindVersion", object([("kind", .string(kind)), ("version", .string(version))])),
            ("inclusionProof", object([
                ("logIndex", .string(String(proof.index))),
                ("rootHash", .string(proof.rootHash.base64)),
                ("treeSize", .string(String(proof.treeSize))),
                ("hashes", .array(proof.hashes.map { .string($0.base64) })),
                ("checkpoint", object([("envelope", .string(String(decoding: proof.checkpoint, as: UTF8.self)))])),
            ])),
            ("canonicalizedBody", .string(StrictBase64.encode(canonicalizedBody))),
        ])
    }
}
