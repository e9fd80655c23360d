/// Reads the modulus size of an RSA SubjectPublicKeyInfo (this target does not link
/// `_CryptoExtras`, whose key type knows it).
enum RSAModulus {
    /// The modulus size in bits of an RSA SubjectPublicKeyInfo DER, or nil when the DER is not
    /// `SEQUENCE { SEQUENCE { … }, BIT STRING { 0, SEQUENCE { INTEGER n, INTEGER e } } }`.
    static func bits(spki der: [UInt8]) -> Int? {
        var reader = DERReader(der[...])
        guard var spki = reader.read(tag: 0x30), reader.isEmpty,
            spki.read(tag: 0x30) != nil,
            let bitString = spki.read(tag: 0x03), spki.isEmpty,
            bitString.first == 0
        else { return nil }
        var inner = DERReader(bitString.dropFirst())
        guard var rsaKey = inner.read(tag: 0x30), inner.isEmpty, let modulus = rsaKey.read(tag: 0x02)?.bytes else { return nil }
        let significant = modulus.drop { $0 == 0 }
        guard let first = significant.first else { return nil }
        return (significant.count - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    /// A reader of definite-length DER elements.
    struct DERReader {
        var bytes: ArraySlice<UInt8>
        init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
        var isEmpty: Bool { bytes.isEmpty }
        var first: UInt8? { bytes.first }
        func dropFirst() -> ArraySlice<UInt8> { bytes.dropFirst() }

        /// The contents of the next element if it has `tag`.
        mutating func read(tag: UInt8) -> DERReader? {
            guard bytes.count >= 2, bytes[bytes.startIndex] == tag else { return nil }
            var index = bytes.startIndex + 1
            var length = Int(bytes[index])
            index += 1
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard (1...4).contains(count), bytes.endIndex - index >= count else { return nil }
                length = 0
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[index])
                    index += 1
                }
            }
            guard length >= 0, bytes.endIndex - index >= length else { return nil }
            let contents = bytes[index..<index + length]
            bytes = bytes[(index + length)...]
            return DERReader(contents)
        }
    }
}
