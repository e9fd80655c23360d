import Crypto

/// Computes a ``Digest`` over bytes that arrive in pieces.
public struct DigestComputer {
    private enum State {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    /// The algorithm being computed.
    public let algorithm: Digest.Algorithm

    /// Starts a computation.
    public init(algorithm: Digest.Algorithm = .sha256) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha512: state = .sha512(SHA512())
        }
    }

    /// Adds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            state = .sha256(h)
        case .sha512(var h):
            h.update(bufferPointer: bytes)
            state = .sha512(h)
        }
    }

    /// Adds bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Finishes and returns the digest. The computer must not be used afterwards.
    public func finalize() -> Digest {
        switch state {
        case .sha256(let h): Digest(algorithm: .sha256, hashBytes: h.finalize())
        case .sha512(let h): Digest(algorithm: .sha512, hashBytes: h.finalize())
        }
    }
}

extension Digest {
    /// The digest of `bytes`.
    public static func compute(_ bytes: some Sequence<UInt8>, algorithm: Algorithm = .sha256) -> Digest {
        var computer = DigestComputer(algorithm: algorithm)
        computer.update(bytes)
        return computer.finalize()
    }

    /// Whether `bytes` hash to this digest (with this digest's algorithm).
    public func matches(_ bytes: some Sequence<UInt8>) -> Bool {
        Digest.compute(bytes, algorithm: algorithm) == self
    }
}
