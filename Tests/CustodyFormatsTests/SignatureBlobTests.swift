import CustodyFormats
import CustodyJSON
import CustodyOCI
import Foundation
import Testing

/// Loads a containers/image fixture copied into this target's vectors.
private func vector(_ name: String) throws -> [UInt8] {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Vectors/containers-image")
            ?? Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "containers-image"))
    return Array(try Data(contentsOf: url))
}

@Suite("SignatureBlob: containers/image's signature framing")
struct SignatureBlobTests {
    @Test("a raw OpenPGP blob is simple signing, kept unchanged")
    func rawSimpleSigning() throws {
        let bytes = try vector("dir-img-valid_signature-1")
        guard case .simpleSigning(let message) = try SignatureBlob(bytes: bytes) else {
            Issue.record("expected simple signing")
            return
        }
        #expect(message == bytes)
        #expect(try SignatureBlob(bytes: bytes).blob() == bytes)
    }

    @Test("a framed simple-signing blob yields its OpenPGP bytes")
    func framedSimpleSigning() throws {
        let message = try vector("dir-img-valid_signature-1")
        let framed = [0x00] + Array("simple-signing\n".utf8) + message
        #expect(try SignatureBlob(bytes: framed) == .simpleSigning(message))
    }

    @Test("containers/image's sigstore-json fixture: payload, media type, annotations; re-framing gives the same bytes")
    func sigstoreFixture() throws {
        let bytes = try vector("dir-img-cosign-valid_signature-1")
        guard case .sigstore(let signature) = try SignatureBlob(bytes: bytes) else {
            Issue.record("expected a sigstore signature")
            return
        }
        #expect(signature.untrustedMIMEType == "application/vnd.dev.cosign.simplesigning.v1+json")
        #expect(signature.untrustedAnnotations["dev.cosignproject.cosign/signature"]?.isEmpty == false)
        #expect(try SignatureBlob.sigstore(signature).blob() == bytes)

        let claim = try UntrustedSimpleSigningClaim(payload: signature.untrustedPayload, type: .cosign)
        let manifest = try vector("dir-img-cosign-valid_manifest.json")
        #expect(claim.untrustedManifestDigest == Digest.compute(manifest))
        #expect(claim.untrustedDockerReference == "192.168.64.2:5000/cosign-signed-single-sample")
        #expect(claim.untrustedOptional.count == 0)
    }

    static let refusedBlobs: [([UInt8], String)] = {
        let framed: ([UInt8]) -> [UInt8] = { [0x00] + $0 }
        return [
            ([], "empty"),
            (Array("garbage".utf8), "0x67"),
            (framed(Array("no-such-format\n{}".utf8)), "no-such-format"),
            (framed(Array("sigstore-json".utf8)), "not terminated"),
            (framed(Array("sigstore-json\n{\"mimeType\":\"x\",\"payload\":\"\"}".utf8)), "annotations"),
            (framed(Array("sigstore-json\n{\"mimeType\":\"x\",\"payload\":\"!!\",\"annotations\":{}}".utf8)), "base64"),
            (framed(Array("sigstore-json\n{\"mimeType\":\"x\",\"payload\":\"\",\"annotations\":{},\"extra\":1}".utf8)), "extra"),
        ]
    }()

    @Test("unrecognised blobs are refused, naming the first byte or the format", arguments: refusedBlobs)
    func refused(_ bytes: [UInt8], _ fragment: String) {
        #expect {
            _ = try SignatureBlob(bytes: bytes)
        } throws: { error in
            (error as? SimpleSigningError)?.reason.contains(fragment) == true
        }
    }
}

@Suite("CosignPayload")
struct CosignPayloadTests {
    static let digest = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"

    @Test("without annotations: the exact bytes cosign writes, with optional null (the containers/image fixture's payload)")
    func exactBytes() throws {
        let payload = CosignPayload(dockerReference: "192.168.64.2:5000/cosign-signed-single-sample", manifestDigest: try Digest(parsing: Self.digest))
        let bytes = try vector("dir-img-cosign-valid_signature-1")
        guard case .sigstore(let signature) = try SignatureBlob(bytes: bytes) else {
            Issue.record("expected a sigstore signature")
            return
        }
        #expect(try payload.encoded() == signature.untrustedPayload)
    }

    @Test("annotations are written sorted and read back")
    func annotations() throws {
        let payload = CosignPayload(dockerReference: "example.com/app", manifestDigest: try Digest(parsing: Self.digest), annotations: ["z": "1", "a": "<2>"])
        let text = String(decoding: try payload.encoded(), as: UTF8.self)
        #expect(text.hasSuffix(#""optional":{"a":"\u003c2\u003e","z":"1"}}"#))
        let claim = try UntrustedSimpleSigningClaim(payload: try payload.encoded(), type: .cosign)
        #expect(claim.untrustedOptional["a"] == .string("<2>"))
    }

    @Test("the two claim types do not accept each other, and only cosign allows optional null")
    func typesAreDistinct() throws {
        let cosign = try CosignPayload(dockerReference: "example.com/app", manifestDigest: try Digest(parsing: Self.digest)).encoded()
        #expect(throws: SimpleSigningError.self) { try UntrustedSimpleSigningClaim(payload: cosign, type: .atomic) }
        let atomicWithNull = Array(String(decoding: cosign, as: UTF8.self)
            .replacingOccurrences(of: "cosign container image signature", with: "atomic container signature").utf8)
        #expect {
            try UntrustedSimpleSigningClaim(payload: atomicWithNull, type: .atomic)
        } throws: { error in
            (error as? SimpleSigningError)?.reason.contains("null") == true
        }
        let simple = try SimpleSigningClaim(dockerReference: "example.com/app", manifestDigest: try Digest(parsing: Self.digest), creator: "c", timestamp: 1).encoded()
        #expect(throws: SimpleSigningError.self) { try UntrustedSimpleSigningClaim(payload: simple, type: .cosign) }
    }
}
