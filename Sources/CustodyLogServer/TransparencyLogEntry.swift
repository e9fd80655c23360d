import CustodyJSON
import CustodyTransparency

/// An inclusion proof with the checkpoint it was built against.
struct InclusionProofAnswer: Sendable {
    let index: UInt64
    let treeSize: UInt64
    let rootHash: MerkleHash
    let hashes: [MerkleHash]
    let checkpoint: [UInt8]
}

/// The answer to a write: a Sigstore protobuf-specs `TransparencyLogEntry` in protobuf JSON
/// (int64 as strings, bytes as base64), ready to paste into a bundle's `tlogEntries`.
/// Like Rekor v2, it has no `integratedTime` and no `inclusionPromise`.
struct TransparencyLogEntry: Sendable {
    let logIndex: UInt64
    let logKeyHash: [UInt8]
    let kind: String
    let version: String
    let proof: InclusionProofAnswer
    let canonicalizedBody: [UInt8]

    /// The answer's RFC 8785 canonical JSON, written member by member in canonical order (what
    /// every append answers with; the tests compare it with the encoder's serialization of the
    /// same answer built as a JSON tree).
    var canonicalBytes: [UInt8] {
        var out = JSONByteWriter(capacity: 512 + canonicalizedBody.count * 4 / 3 + proof.checkpoint.count + proof.hashes.count * 48)
        out.beginObject()
        out.key("canonicalizedBody"); out.rawString { StrictBase64.encode(canonicalizedBody, into: &$0) }
        out.key("inclusionProof"); out.beginObject()
        out.key("checkpoint"); out.beginObject()
        out.key("envelope"); out.string(String(decoding: proof.checkpoint, as: UTF8.self))
        out.endObject()
        out.key("hashes"); out.beginArray()
        for hash in proof.hashes { out.rawString { StrictBase64.encode(hash.bytes, into: &$0) } }
        out.endArray()
        out.key("logIndex"); out.string(String(proof.index))
        out.key("rootHash"); out.rawString { StrictBase64.encode(proof.rootHash.bytes, into: &$0) }
        out.key("treeSize"); out.string(String(proof.treeSize))
        out.endObject()
        out.key("kindVersion"); out.beginObject()
        out.key("kind"); out.string(kind)
        out.key("version"); out.string(version)
        out.endObject()
        out.key("logId"); out.beginObject()
        out.key("keyId"); out.rawString { StrictBase64.encode(logKeyHash, into: &$0) }
        out.endObject()
        out.key("logIndex"); out.string(String(logIndex))
        out.endObject()
        return out.bytes
    }
}
