/// The Docker distribution reference grammar, as containers/image's copy of it
/// (`docker/reference/regexp.go`) defines it, written as plain matchers instead of regular
/// expressions so that each rule can be read on its own:
///
/// ```
/// reference        := name [ ":" tag ] [ "@" digest ]
/// name             := [domain '/'] path-component ['/' path-component]*
/// domain           := domain-component ['.' domain-component]* [':' port-number]
/// domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
/// port-number      := /[0-9]+/
/// path-component   := alpha-numeric [separator alpha-numeric]*
/// alpha-numeric    := /[a-z0-9]+/
/// separator        := /[_.]|__|[-]*/
/// tag              := /[\w][\w.-]{0,127}/
/// digest           := algorithm ":" hex     ; algorithm /[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*/, hex /[0-9a-fA-F]{32,}/
/// identifier       := /[a-f0-9]{64}/
/// ```
enum ReferenceGrammar {
    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 0x41 && c <= 0x5A) }
    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "_") }
    private static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) }

    /// `path-component`: lowercase alphanumeric runs joined by `.`, `_`, `__` or any run of `-`.
    static func isPathComponent(_ s: Substring.UTF8View) -> Bool {
        guard let first = s.first, let last = s.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var separator: [UInt8] = []
        for c in s {
            if isLowerAlnum(c) {
                if !separator.isEmpty && !isSeparator(separator) { return false }
                separator.removeAll(keepingCapacity: true)
            } else if c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") {
                separator.append(c)
            } else {
                return false
            }
        }
        return true
    }

    private static func isSeparator(_ run: [UInt8]) -> Bool {
        if run == [UInt8(ascii: ".")] || run == [UInt8(ascii: "_")] || run == [UInt8(ascii: "_"), UInt8(ascii: "_")] { return true }
        return run.allSatisfy { $0 == UInt8(ascii: "-") }
    }

    /// `path-component ['/' path-component]*`.
    static func isPath(_ s: Substring) -> Bool {
        let components = s.split(separator: "/", omittingEmptySubsequences: false)
        return components.allSatisfy { isPathComponent($0.utf8) }
    }

    /// `domain-component`.
    static func isDomainComponent(_ s: Substring.UTF8View) -> Bool {
        guard let first = s.first, let last = s.last, isAlnum(first), isAlnum(last) else { return false }
        return s.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// `domain`: host components and an optional numeric port.
    static func isDomain(_ s: Substring) -> Bool {
        var host = s
        if let colon = s.firstIndex(of: ":") {
            host = s[..<colon]
            let port = s[s.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy(isDigit) else { return false }
        }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDomainComponent($0.utf8) }
    }

    /// Splits a name into domain and path the way the upstream anchored name pattern does: the
    /// first component is a domain when it matches `domain` and the rest is a valid path.
    /// - Returns: `nil` when `s` is not a valid name.
    static func splitName(_ s: Substring) -> (domain: Substring, path: Substring)? {
        if let slash = s.firstIndex(of: "/") {
            let first = s[..<slash], rest = s[s.index(after: slash)...]
            if isDomain(first) && isPath(rest) { return (first, rest) }
        }
        return isPath(s) ? (s[s.startIndex..<s.startIndex], s) : nil
    }

    /// `tag`.
    static func isTag(_ s: Substring) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, isWord(first), bytes.count <= 128 else { return false }
        return bytes.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// The `digest` pattern of the reference grammar (looser than a valid ``Digest``).
    static func isDigestPattern(_ s: Substring) -> Bool {
        guard let colon = s.firstIndex(of: ":") else { return false }
        let algorithm = s[..<colon], hex = s[s.index(after: colon)...]
        guard hex.utf8.count >= 32, hex.utf8.allSatisfy(isHex) else { return false }
        let parts = algorithm.split(omittingEmptySubsequences: false) { "-_+.".contains($0) }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A) else { return false }
            return part.utf8.allSatisfy(isAlnum)
        }
    }

    /// `identifier`: 64 lowercase hex characters.
    static func isIdentifier(_ s: Substring) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The parts of a string that matches the whole `reference` pattern.
    struct Parts {
        var name: Substring
        var tag: Substring?
        var digest: Substring?
    }

    /// Matches the anchored `reference` pattern.
    /// - Returns: `nil` when `s` does not match.
    static func matchReference(_ s: Substring) -> Parts? {
        var rest = s
        var digest: Substring?
        if let at = s.firstIndex(of: "@") {
            digest = s[s.index(after: at)...]
            rest = s[..<at]
            guard let digest, isDigestPattern(digest) else { return nil }
        }
        var tag: Substring?
        // A tag contains neither ':' nor '/', and a name contains ':' only in a domain's port,
        // which a '/' always follows: so the last ':' with no '/' after it starts the tag.
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = rest[rest.index(after: colon)...]
            rest = rest[..<colon]
            guard let tag, isTag(tag) else { return nil }
        }
        guard splitName(rest) != nil else { return nil }
        return Parts(name: rest, tag: tag, digest: digest)
    }
}
