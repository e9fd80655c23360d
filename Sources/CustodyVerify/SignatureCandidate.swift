import CustodyFormats
import CustodyOCI
import CustodyPolicy
import CustodyStores

/// One signature found for a manifest, decoded once per evaluation and shared by every
/// requirement (and, for an index signature that covers instances, by every platform).
struct SignatureCandidate: Sendable {
    /// The signature as decoded from its stored blob.
    enum Content: Sendable {
        /// A simple-signing signature: the OpenPGP message.
        case simple([UInt8])
        /// A cosign signature (or another cosign attachment: its media type says which).
        case cosign(SigstoreSignature)
        /// The blob was read but is not a signature format Custody recognises; the reason.
        case undecodable(String)
        /// The blob could not be read; the reason.
        case unreadable(String)
    }

    /// Unique within one evaluation: the key of the verification memo.
    let ordinal: Int
    /// Where it was found.
    let location: String
    /// What it is.
    let content: Content
    /// The digest of the manifest it was stored for, which its claim must name.
    let signedDigest: Digest
    /// Whether it was stored for the index and counts for an instance.
    let fromIndex: Bool

    /// Decodes a stored signature.
    init(_ stored: StoredSignature, ordinal: Int, signedDigest: Digest, fromIndex: Bool) {
        self.ordinal = ordinal
        self.signedDigest = signedDigest
        self.fromIndex = fromIndex
        switch stored {
        case .unreadable(let location, let reason):
            self.location = location
            content = .unreadable(reason)
        case .blob(let bytes, let location):
            self.location = location
            do {
                switch try SignatureBlob(bytes: bytes) {
                case .simpleSigning(let message): content = .simple(message)
                case .sigstore(let signature): content = .cosign(signature)
                }
            } catch {
                content = .undecodable("malformed signature blob: \(error.reason)")
            }
        }
    }

    /// The same signature counted for an instance of the index it was stored for.
    func coveringInstance() -> SignatureCandidate {
        SignatureCandidate(ordinal: ordinal, location: location, content: content, signedDigest: signedDigest, fromIndex: true)
    }

    private init(ordinal: Int, location: String, content: Content, signedDigest: Digest, fromIndex: Bool) {
        self.ordinal = ordinal
        self.location = location
        self.content = content
        self.signedDigest = signedDigest
        self.fromIndex = fromIndex
    }

    /// The format, for reports.
    var format: SignatureReport.Format {
        switch content {
        case .simple: .simple
        case .cosign: .cosign
        case .undecodable, .unreadable: .unknown
        }
    }

    /// Whether this is a cosign *signature* (not another attachment such as an attestation).
    var isCosignSignature: Bool {
        if case .cosign(let signature) = content { return signature.untrustedMIMEType == MediaType.cosignSimpleSigning.rawValue }
        return false
    }

    /// Whether the blob could not be read at all.
    var isUnreadable: Bool {
        if case .unreadable = content { return true }
        return false
    }
}
