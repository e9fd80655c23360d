/// A content digest: an algorithm and the lowercase hex of its hash, as in `sha256:<64 hex>`.
///
/// Only the algorithms registered by the OCI image spec are accepted, with their exact hex
/// lengths and lowercase hex only (`sha256:ABC…` is rejected, as containers/image rejects it).
/// Equality runs in time independent of where two digests differ.
public struct Digest: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// A digest algorithm registered by the OCI image spec.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case sha256
        case sha512

        /// The number of hex characters of a digest made with this algorithm.
        public var hexLength: Int {
            switch self {
            case .sha256: 64
            case .sha512: 128
            }
        }
    }

    /// The algorithm.
    public let algorithm: Algorithm
    /// The hash as lowercase hex.
    public let encoded: String

    /// Parses `algorithm:hex`.
    /// - Throws: ``DigestError`` when the text is not a digest Custody accepts.
    public init(parsing string: String) throws(DigestError) {
        guard let colon = string.utf8.firstIndex(of: UInt8(ascii: ":")) else { throw .invalidFormat }
        let name = String(string[..<colon])
        let hex = String(string[string.index(after: colon)...])
        guard !name.isEmpty, !hex.isEmpty else { throw .invalidFormat }
        guard let algorithm = Algorithm(rawValue: name) else {
            // go-digest's rule: a well-formed but unknown algorithm is "unsupported", anything else "invalid".
            let encodedIsWellFormed = !hex.isEmpty && hex.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x3D || $0 == 0x5F || $0 == 0x2D
            }
            throw Digest.isWellFormedAlgorithmName(name) && encodedIsWellFormed ? .unsupportedAlgorithm(name) : .invalidFormat
        }
        try self.init(algorithm: algorithm, encoded: hex)
    }

    /// Makes a digest from an algorithm and its hex.
    /// - Throws: ``DigestError`` when the hex has the wrong length or is not lowercase hex.
    public init(algorithm: Algorithm, encoded: String) throws(DigestError) {
        guard encoded.utf8.count == algorithm.hexLength else { throw .invalidLength }
        guard Digest.isHex(encoded, lowercaseOnly: true) else { throw .invalidFormat }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// Makes a digest from raw hash bytes.
    public init(algorithm: Algorithm, hashBytes: some Sequence<UInt8>) {
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in hashBytes {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        self.algorithm = algorithm
        self.encoded = String(decoding: hex, as: UTF8.self)
    }

    /// `algorithm:hex`.
    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    /// Constant-time with respect to content: every byte is compared.
    public static func == (lhs: Digest, rhs: Digest) -> Bool {
        guard lhs.algorithm == rhs.algorithm else { return false }
        let a = Array(lhs.encoded.utf8), b = Array(rhs.encoded.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        hasher.combine(encoded)
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    static func isHex(_ s: String, lowercaseOnly: Bool) -> Bool {
        s.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (!lowercaseOnly && c >= 0x41 && c <= 0x46)
        }
    }

    /// `[a-z0-9]+([+._-][a-z0-9]+)*`, the OCI grammar for algorithm names.
    static func isWellFormedAlgorithmName(_ s: String) -> Bool {
        let parts = s.split(omittingEmptySubsequences: false) { "+._-".contains($0) }
        return parts.allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }
        }
    }
}

/// Why a string is not an acceptable digest.
public enum DigestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not `algorithm:hex`, or the hex has characters other than `0-9a-f`.
    case invalidFormat
    /// The hex is not exactly as long as the algorithm's hash.
    case invalidLength
    /// A well-formed algorithm name that Custody does not support.
    case unsupportedAlgorithm(String)

    public var description: String {
        switch self {
        case .invalidFormat: "invalid digest format (expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>)"
        case .invalidLength: "invalid digest length"
        case .unsupportedAlgorithm(let name): "unsupported digest algorithm \"\(name)\""
        }
    }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(error): \"\(text.prefix(140))\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
