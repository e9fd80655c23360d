// Salsa20 (Bernstein, "Salsa20 specification", 2005), HSalsa20 and XSalsa20 ("Extending the
// Salsa20 nonce", 2008), as used by NaCl's crypto_secretbox. Written from the specifications.

/// The Salsa20/20 core, HSalsa20 and the XSalsa20 stream cipher.
///
/// Only what `crypto_secretbox_xsalsa20poly1305` needs. Not constant-time with respect to the
/// message length (which is public); the key and nonce only ever go through additions, rotations
/// and exclusive-ors.
package enum XSalsa20 {
    /// Key length of Salsa20, HSalsa20 and XSalsa20 in bytes.
    package static let keyByteCount = 32
    /// XSalsa20 nonce length in bytes.
    package static let nonceByteCount = 24
    /// Length of one Salsa20 output block in bytes.
    package static let blockByteCount = 64

    /// "expand 32-byte k", as four little-endian words.
    private static let sigma: (UInt32, UInt32, UInt32, UInt32) = (0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574)

    @inline(__always)
    private static func rotl(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value << count) | (value >> (32 - count))
    }

    @inline(__always)
    private static func load32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// The initial Salsa20 state for `key` (32 bytes) and `input` (16 bytes).
    private static func initialState(key: [UInt8], input: [UInt8]) -> [UInt32] {
        precondition(key.count == keyByteCount && input.count == 16)
        return [
            sigma.0, load32(key, 0), load32(key, 4), load32(key, 8),
            load32(key, 12), sigma.1, load32(input, 0), load32(input, 4),
            load32(input, 8), load32(input, 12), sigma.2, load32(key, 16),
            load32(key, 20), load32(key, 24), load32(key, 28), sigma.3,
        ]
    }

    /// Twenty rounds (ten double rounds) of Salsa20 applied to `x` in place.
    private static func rounds(_ x: inout [UInt32]) {
        @inline(__always)
        func quarter(_ x: inout [UInt32], _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[b] ^= rotl(x[a] &+ x[d], 7)
            x[c] ^= rotl(x[b] &+ x[a], 9)
            x[d] ^= rotl(x[c] &+ x[b], 13)
            x[a] ^= rotl(x[d] &+ x[c], 18)
        }
        for _ in 0..<10 {
            // column round
            quarter(&x, 0, 4, 8, 12)
            quarter(&x, 5, 9, 13, 1)
            quarter(&x, 10, 14, 2, 6)
            quarter(&x, 15, 3, 7, 11)
            // row round
            quarter(&x, 0, 1, 2, 3)
            quarter(&x, 5, 6, 7, 4)
            quarter(&x, 10, 11, 8, 9)
            quarter(&x, 15, 12, 13, 14)
        }
    }

    /// The Salsa20/20 core: 64 output bytes for a 32-byte key and a 16-byte input
    /// (8-byte nonce followed by the 8-byte little-endian block counter).
    package static func salsa20Core(key: [UInt8], input: [UInt8]) -> [UInt8] {
        let state = initialState(key: key, input: input)
        var x = state
        rounds(&x)
        var out = [UInt8]()
        out.reserveCapacity(blockByteCount)
        for i in 0..<16 {
            let word = x[i] &+ state[i]
            out.append(UInt8(truncatingIfNeeded: word))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        return out
    }

    /// HSalsa20: a 32-byte subkey from a 32-byte key and a 16-byte input (no feed-forward;
    /// output words 0, 5, 10, 15, 6, 7, 8, 9).
    package static func hsalsa20(key: [UInt8], input: [UInt8]) -> [UInt8] {
        var x = initialState(key: key, input: input)
        rounds(&x)
        var out = [UInt8]()
        out.reserveCapacity(32)
        for i in [0, 5, 10, 15, 6, 7, 8, 9] {
            let word = x[i]
            out.append(UInt8(truncatingIfNeeded: word))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        return out
    }

    /// Exclusive-ors `data` with the XSalsa20 key stream for `key` and `nonce`, starting at key
    /// stream byte `offset` (block counter 0 at byte 0).
    ///
    /// - Precondition: `key` is 32 bytes and `nonce` 24 bytes (callers check input lengths).
    package static func xor(_ data: [UInt8], key: [UInt8], nonce: [UInt8], offset: Int = 0) -> [UInt8] {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount && offset >= 0)
        let subkey = hsalsa20(key: key, input: Array(nonce[0..<16]))
        var input = Array(nonce[16..<24]) + [UInt8](repeating: 0, count: 8)
        var out = data
        var position = 0
        var block = UInt64(offset / blockByteCount)
        var skip = offset % blockByteCount
        while position < out.count {
            for i in 0..<8 { input[8 + i] = UInt8(truncatingIfNeeded: block >> (8 * UInt64(i))) }
            let stream = salsa20Core(key: subkey, input: input)
            var i = skip
            while i < blockByteCount && position < out.count {
                out[position] ^= stream[i]
                i += 1
                position += 1
            }
            skip = 0
            block &+= 1
        }
        return out
    }

    /// The first `count` bytes of the XSalsa20 key stream.
    package static func keyStream(count: Int, key: [UInt8], nonce: [UInt8]) -> [UInt8] {
        xor([UInt8](repeating: 0, count: count), key: key, nonce: nonce)
    }
}
