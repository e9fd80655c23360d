// Poly1305 (Bernstein, "The Poly1305-AES message-authentication code", 2005; RFC 8439 §2.5),
// written from the specification with 26-bit limbs.

/// The Poly1305 one-time authenticator.
package enum Poly1305 {
    /// One-time key length in bytes (r || s).
    package static let keyByteCount = 32
    /// Tag length in bytes.
    package static let tagByteCount = 16

    @inline(__always)
    private static func load32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// The 16-byte tag of `message` under the 32-byte one-time `key`.
    ///
    /// - Precondition: `key` is 32 bytes.
    package static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        precondition(key.count == keyByteCount)
        let mask: UInt32 = 0x3ff_ffff
        let r0 = load32(key, 0) & 0x3ff_ffff
        let r1 = (load32(key, 3) >> 2) & 0x3ff_ff03
        let r2 = (load32(key, 6) >> 4) & 0x3ff_c0ff
        let r3 = (load32(key, 9) >> 6) & 0x3f0_3fff
        let r4 = (load32(key, 12) >> 8) & 0x00f_ffff
        let s1 = UInt64(r1 * 5), s2 = UInt64(r2 * 5), s3 = UInt64(r3 * 5), s4 = UInt64(r4 * 5)
        let (R0, R1, R2, R3, R4) = (UInt64(r0), UInt64(r1), UInt64(r2), UInt64(r3), UInt64(r4))

        var h0: UInt32 = 0, h1: UInt32 = 0, h2: UInt32 = 0, h3: UInt32 = 0, h4: UInt32 = 0
        var offset = 0
        var block = [UInt8](repeating: 0, count: 16)
        while offset < message.count {
            let remaining = message.count - offset
            let hibit: UInt32
            if remaining >= 16 {
                for i in 0..<16 { block[i] = message[offset + i] }
                hibit = 1 << 24
                offset += 16
            } else {
                for i in 0..<16 { block[i] = 0 }
                for i in 0..<remaining { block[i] = message[offset + i] }
                block[remaining] = 1
                hibit = 0
                offset = message.count
            }
            h0 &+= load32(block, 0) & mask
            h1 &+= (load32(block, 3) >> 2) & mask
            h2 &+= (load32(block, 6) >> 4) & mask
            h3 &+= (load32(block, 9) >> 6) & mask
            h4 &+= (load32(block, 12) >> 8) | hibit

            let H0 = UInt64(h0), H1 = UInt64(h1), H2 = UInt64(h2), H3 = UInt64(h3), H4 = UInt64(h4)
            let d0 = H0 * R0 + H1 * s4 + H2 * s3 + H3 * s2 + H4 * s1
            var d1 = H0 * R1 + H1 * R0 + H2 * s4 + H3 * s3 + H4 * s2
            var d2 = H0 * R2 + H1 * R1 + H2 * R0 + H3 * s4 + H4 * s3
            var d3 = H0 * R3 + H1 * R2 + H2 * R1 + H3 * R0 + H4 * s4
            var d4 = H0 * R4 + H1 * R3 + H2 * R2 + H3 * R1 + H4 * R0

            var c = d0 >> 26; h0 = UInt32(truncatingIfNeeded: d0) & mask
            d1 += c; c = d1 >> 26; h1 = UInt32(truncatingIfNeeded: d1) & mask
            d2 += c; c = d2 >> 26; h2 = UInt32(truncatingIfNeeded: d2) & mask
            d3 += c; c = d3 >> 26; h3 = UInt32(truncatingIfNeeded: d3) & mask
            d4 += c; c = d4 >> 26; h4 = UInt32(truncatingIfNeeded: d4) & mask
            h0 &+= UInt32(truncatingIfNeeded: c) &* 5
            let carry = h0 >> 26; h0 &= mask
            h1 &+= carry
        }

        // Fully carry h.
        var c = h1 >> 26; h1 &= mask
        h2 &+= c; c = h2 >> 26; h2 &= mask
        h3 &+= c; c = h3 >> 26; h3 &= mask
        h4 &+= c; c = h4 >> 26; h4 &= mask
        h0 &+= c &* 5; c = h0 >> 26; h0 &= mask
        h1 &+= c

        // g = h + -p = h + 5 - 2^130; pick g if it did not underflow, in constant time.
        var g0 = h0 &+ 5; c = g0 >> 26; g0 &= mask
        var g1 = h1 &+ c; c = g1 >> 26; g1 &= mask
        var g2 = h2 &+ c; c = g2 >> 26; g2 &= mask
        var g3 = h3 &+ c; c = g3 >> 26; g3 &= mask
        var g4 = h4 &+ c &- (1 << 26)
        var select = (g4 >> 31) &- 1
        g0 &= select; g1 &= select; g2 &= select; g3 &= select; g4 &= select
        select = ~select
        h0 = (h0 & select) | g0
        h1 = (h1 & select) | g1
        h2 = (h2 & select) | g2
        h3 = (h3 & select) | g3
        h4 = (h4 & select) | g4

        // h = h % 2^128, then + s.
        let w0 = h0 | (h1 << 26)
        let w1 = (h1 >> 6) | (h2 << 20)
        let w2 = (h2 >> 12) | (h3 << 14)
        let w3 = (h3 >> 18) | (h4 << 8)
        var f = UInt64(w0) + UInt64(load32(key, 16))
        let t0 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w1) + UInt64(load32(key, 20)) + (f >> 32)
        let t1 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w2) + UInt64(load32(key, 24)) + (f >> 32)
        let t2 = UInt32(truncatingIfNeeded: f)
        f = UInt64(w3) + UInt64(load32(key, 28)) + (f >> 32)
        let t3 = UInt32(truncatingIfNeeded: f)

        var tag = [UInt8]()
        tag.reserveCapacity(tagByteCount)
        for word in [t0, t1, t2, t3] {
            tag.append(UInt8(truncatingIfNeeded: word))
            tag.append(UInt8(truncatingIfNeeded: word >> 8))
            tag.append(UInt8(truncatingIfNeeded: word >> 16))
            tag.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        return tag
    }

    /// Whether `tag` is the tag of `message` under `key`; compares in constant time.
    package static func verify(_ tag: [UInt8], message: [UInt8], key: [UInt8]) -> Bool {
        let expected = authenticate(message, key: key)
        guard tag.count == expected.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<expected.count { difference |= expected[i] ^ tag[i] }
        return difference == 0
    }
}
