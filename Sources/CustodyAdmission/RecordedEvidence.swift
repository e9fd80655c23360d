import CustodyOCI
import CustodyStores
import CustodyVerify
import Foundation

/// The evidence a decision was made on (an image's manifests and the signatures found for each),
/// as audit records keep it, so that `custody audit replay` can decide again offline.
///
/// Manifests and signatures are kept byte for byte (base64); replaying parses and checks them
/// again, so a record that was edited decides differently or fails to load, and never passes as
/// the original.
public struct RecordedEvidence: Sendable, Hashable, Codable {
    /// The most bytes of manifests and signatures one record keeps; larger evidence is left out of
    /// the record (the decision is still recorded) and ``omitted`` says why.
    public static let maxBytes = 1024 * 1024

    /// One manifest and its signatures.
    public struct Entry: Sendable, Hashable, Codable {
        /// The manifest bytes, base64.
        public var manifest: String
        /// Its media type.
        public var mediaType: String
        /// The platform of an index instance, nil for the root.
        public var platform: Platform?
        public var signatures: [Signature]
    }

    /// One signature: its bytes (base64) and where it was found, or why it could not be read.
    public struct Signature: Sendable, Hashable, Codable {
        public var location: String
        public var bytes: String?
        public var unreadable: String?
    }

    /// The root manifest first, then each index instance.
    public var entries: [Entry]

    /// Records `evidence`, or nil when it is over ``maxBytes``.
    public init?(_ evidence: ImageEvidence) {
        var total = 0
        var entries: [Entry] = []
        for (position, entry) in ([evidence.root] + evidence.instances).enumerated() {
            total += entry.manifest.bytes.count
            var signatures: [Signature] = []
            for signature in entry.signatures {
                switch signature {
                case .blob(let bytes, let location):
                    total += bytes.count
                    signatures.append(Signature(location: location, bytes: Data(bytes).base64EncodedString(), unreadable: nil))
                case .unreadable(let location, let reason):
                    signatures.append(Signature(location: location, bytes: nil, unreadable: reason))
                }
            }
            entries.append(Entry(
                manifest: Data(entry.manifest.bytes).base64EncodedString(), mediaType: entry.manifest.mediaType.rawValue,
                platform: position == 0 ? nil : entry.platform, signatures: signatures))
        }
        guard total <= Self.maxBytes else { return nil }
        self.entries = entries
    }

    /// The evidence again, every manifest parsed anew from its bytes.
    /// - Throws: ``AdmissionError/Code/malformedReview`` naming the entry that does not load.
    public func evidence() throws(AdmissionError) -> ImageEvidence {
        var loaded: [ImageEvidence.Entry] = []
        for (position, entry) in entries.enumerated() {
            guard let bytes = Data(base64Encoded: entry.manifest) else {
                throw AdmissionError(.malformedReview, "evidence entry \(position): the manifest is not base64")
            }
            let manifest: Manifest
            do {
                manifest = try Manifest(bytes: Array(bytes), declaredMediaType: MediaType(rawValue: entry.mediaType))
            } catch {
                throw AdmissionError(.malformedReview, "evidence entry \(position): \(error)")
            }
            var signatures: [StoredSignature] = []
            for signature in entry.signatures {
                if let encoded = signature.bytes {
                    guard let bytes = Data(base64Encoded: encoded) else {
                        throw AdmissionError(.malformedReview, "evidence entry \(position): signature \(signature.location) is not base64")
                    }
                    signatures.append(.blob(Array(bytes), location: signature.location))
                } else {
                    signatures.append(.unreadable(location: signature.location, reason: signature.unreadable ?? "unreadable"))
                }
            }
            loaded.append(ImageEvidence.Entry(manifest: manifest, platform: entry.platform, signatures: signatures))
        }
        guard let root = loaded.first else { throw AdmissionError(.malformedReview, "the evidence has no manifest") }
        return ImageEvidence(root: root, instances: Array(loaded.dropFirst()))
    }
}
