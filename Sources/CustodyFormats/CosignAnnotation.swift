import CustodyOCI
import Foundation

/// The layer annotation keys of cosign's signature attachments.
///
/// The prefixes differ on purpose: cosign's code (`pkg/oci/static/signature.go`) and
/// containers/image (`internal/signature/sigstore.go`) use `dev.cosignproject.cosign/` for the
/// signature and `dev.sigstore.cosign/` for everything else, whatever cosign's specification says.
public enum CosignAnnotation {
    /// The signature over the layer's payload, standard base64 with padding.
    public static let signature = "dev.cosignproject.cosign/signature"
    /// The signing certificate, PEM (keyless and certificate-based signing).
    public static let certificate = "dev.sigstore.cosign/certificate"
    /// The certificate chain, PEM, intermediates first.
    public static let chain = "dev.sigstore.cosign/chain"
    /// The Rekor bundle (signed entry timestamp and entry), JSON.
    public static let bundle = "dev.sigstore.cosign/bundle"
    /// An RFC 3161 timestamp, JSON.
    public static let rfc3161Timestamp = "dev.sigstore.cosign/rfc3161timestamp"

    /// The bytes of a ``signature`` value: standard base64 with padding and nothing else (no
    /// whitespace, no URL alphabet); nil for anything else.
    public static func decodeSignature(_ value: String) -> [UInt8]? {
        Data(base64Encoded: value).map { Array($0) }
    }

    /// The ``signature`` value for signature bytes: standard base64 with padding, as cosign
    /// writes it (Go's `base64.StdEncoding`).
    public static func encodeSignature(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }
}

extension MediaType {
    /// The media type of a cosign image-signature payload, used as the layer media type of a
    /// `.sig` attachment and as the `mimeType` of a framed `sigstore-json` blob.
    public static let cosignSimpleSigning: MediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
}

extension SimpleSigningError.Code {
    /// A manifest or layer has a media type other than the one required.
    public static let unexpectedMediaType = Self(rawValue: "unexpectedMediaType")
    /// More layers, or more bytes, than the named limits allow.
    public static let tooLarge = Self(rawValue: "tooLarge")
    /// A cosign signature without its `dev.cosignproject.cosign/signature` annotation.
    public static let missingSignatureAnnotation = Self(rawValue: "missingSignatureAnnotation")
    /// The signature annotation is not standard base64.
    public static let invalidSignatureEncoding = Self(rawValue: "invalidSignatureEncoding")
    /// An attachment manifest, layer or config that is malformed or does not match its descriptor.
    public static let invalidAttachment = Self(rawValue: "invalidAttachment")
    /// No trusted key verifies the signature.
    public static let signatureMismatch = Self(rawValue: "signatureMismatch")
    /// A signature of a format no verifier is configured for (no key of that kind was given).
    public static let noVerifier = Self(rawValue: "noVerifier")
}
