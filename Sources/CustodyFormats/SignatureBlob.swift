import CustodyJSON
import Foundation

/// A signature as containers/image stores it in lookaside files, `dir:` images and
/// containers-storage (`internal/signature/signature.go`): simple-signing signatures as their raw
/// OpenPGP bytes, other formats framed as `0x00` + format name + `\n` + data.
public enum SignatureBlob: Sendable, Hashable {
    /// A simple-signing signature: an OpenPGP signed message.
    case simpleSigning([UInt8])
    /// A sigstore (cosign) signature: payload, its media type and the layer annotations.
    case sigstore(SigstoreSignature)

    /// The framing names containers/image uses.
    static let simpleSigningFormat = "simple-signing"
    static let sigstoreFormat = "sigstore-json"

    /// Reads a stored blob, recognising the format as containers/image's `FromBlob` does: OpenPGP
    /// packet tags mean simple signing, `0x00` means a framed blob, anything else is refused.
    /// - Throws: ``SimpleSigningError`` (code `invalidClaim`) naming the first byte or format.
    public init(bytes: [UInt8]) throws(SimpleSigningError) {
        guard let first = bytes.first else {
            throw SimpleSigningError(.invalidClaim, "empty signature blob")
        }
        switch first {
        case 0xA0...0xA3, 0xC8, 0x90, 0x91, 0x92, 0x93, 0xC4, 0x88...0x8B, 0xC2:
            // Compressed data, one-pass signature or signature packet: a binary OpenPGP message.
            self = .simpleSigning(bytes)
        case 0x00:
            guard let newline = bytes.firstIndex(of: 0x0A), newline <= 64 else {
                throw SimpleSigningError(.invalidClaim, "invalid signature blob: framed format name is not terminated")
            }
            let name = String(decoding: bytes[1..<newline], as: UTF8.self)
            let data = Array(bytes[(newline + 1)...])
            switch name {
            case SignatureBlob.simpleSigningFormat: self = .simpleSigning(data)
            case SignatureBlob.sigstoreFormat: self = .sigstore(try SigstoreSignature(json: data))
            default: throw SimpleSigningError(.invalidClaim, "unrecognized signature format \"\(name.prefix(64))\"")
            }
        default:
            throw SimpleSigningError(.invalidClaim, "unrecognized signature format, starting with binary 0x\(String(first, radix: 16))")
        }
    }

    /// The stored form: raw for simple signing, framed otherwise (containers/image's `Blob()`).
    public func blob() throws(JSONError) -> [UInt8] {
        switch self {
        case .simpleSigning(let bytes): return bytes
        case .sigstore(let signature):
            return [0x00] + Array(SignatureBlob.sigstoreFormat.utf8) + [0x0A] + (try signature.json())
        }
    }
}

/// A sigstore (cosign) signature as containers/image frames it: the layer's media type, the
/// payload it signs, and the layer annotations (signature, certificate, chain, Rekor bundle).
/// Its content is unverified.
public struct SigstoreSignature: Sendable, Hashable {
    /// The payload's media type (`application/vnd.dev.cosign.simplesigning.v1+json`).
    public let untrustedMIMEType: String
    /// The signed payload bytes.
    public let untrustedPayload: [UInt8]
    /// The layer annotations.
    public let untrustedAnnotations: [String: String]

    /// Makes a signature value.
    public init(mimeType: String, payload: [UInt8], annotations: [String: String]) {
        untrustedMIMEType = mimeType
        untrustedPayload = payload
        untrustedAnnotations = annotations
    }

    private struct Representation: Decodable {
        let mimeType: String
        let payload: String
        let annotations: [String: String]
    }

    /// Parses `{"mimeType":…,"payload":"<base64>","annotations":{…}}`: exactly these three members.
    init(json: [UInt8]) throws(SimpleSigningError) {
        let representation: Representation
        do {
            representation = try StrictJSONDecoder().decode(Representation.self, from: json)
        } catch {
            throw SimpleSigningError(.invalidClaim, "invalid sigstore signature: \(error)")
        }
        guard let payload = Data(base64Encoded: representation.payload) else {
            throw SimpleSigningError(.invalidClaim, "invalid sigstore signature: payload is not base64")
        }
        self.init(mimeType: representation.mimeType, payload: Array(payload), annotations: representation.annotations)
    }

    /// The JSON as containers/image writes it: members in the order mimeType, payload, annotations
    /// (Go struct order), annotations sorted, payload in standard base64.
    func json() throws(JSONError) -> [UInt8] {
        let annotations = JSONValue.object(JSONObject(members: untrustedAnnotations.map { ($0.key, JSONValue.string($0.value)) }) ?? JSONObject())
        return Array("{\"mimeType\":".utf8) + (try CanonicalJSONEncoder.serialize(.string(untrustedMIMEType), style: .goEncodingJSON))
            + Array(",\"payload\":".utf8) + (try CanonicalJSONEncoder.serialize(.string(Data(untrustedPayload).base64EncodedString()), style: .goEncodingJSON))
            + Array(",\"annotations\":".utf8) + (try CanonicalJSONEncoder.serialize(annotations, style: .goEncodingJSON)) + [UInt8(ascii: "}")]
    }
}
