/// One challenge from a `WWW-Authenticate` header (RFC 7235 section 4.1): an authentication scheme
/// and either auth-params (`key=value`, `key="quoted value"`) or a token68.
///
/// ``parse(_:)`` reads a whole header value, which may hold several challenges separated by
/// commas (`Basic realm="r", Bearer realm="https://auth.example/token",service="example"`). The
/// parser is strict and bounded: it accepts exactly the RFC grammar (optional white space around
/// `=` and commas, empty list elements), refuses control characters, duplicate parameters and
/// unterminated quoted strings, and stops at ``maxHeaderBytes``,
/// ``maxChallenges`` and ``maxParameters``. Scheme and parameter names are compared without
/// case, so both are stored lowercased; values are kept as sent, with quoted pairs (`\"`) undone.
///
/// Registries use two schemes: ``bearer()`` checks and returns the parameters of a Bearer
/// challenge (an `http(s)` `realm`, optional `service` and `scope`); a Basic challenge has only
/// an informative `realm` (``basicRealm``).
public struct AuthenticationChallenge: Sendable, Hashable {
    /// The longest header value accepted, in bytes.
    public static let maxHeaderBytes = 16 * 1024
    /// The most challenges accepted in one header value.
    public static let maxChallenges = 16
    /// The most auth-params accepted in one challenge.
    public static let maxParameters = 32

    /// The authentication scheme, lowercased (`bearer`, `basic`).
    public let scheme: String
    /// The auth-params, by lowercased name; values as sent, unquoted.
    public let parameters: [String: String]
    /// The token68 form of credentials-like data (`Negotiate abc==`), when the challenge has one
    /// instead of auth-params.
    public let token68: String?

    /// Makes a challenge from parts; `scheme` and parameter names are lowercased.
    public init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
        self.scheme = scheme.lowercased()
        self.parameters = Dictionary(parameters.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.token68 = token68
    }

    /// The value of the auth-param `name` (any case), if present.
    public subscript(name: String) -> String? { parameters[name.lowercased()] }

    /// Parses a `WWW-Authenticate` header value into its challenges, in order.
    /// - Throws: ``AuthenticationChallengeError`` naming what is wrong and where (byte offset).
    public static func parse(_ header: String) throws(AuthenticationChallengeError) -> [AuthenticationChallenge] {
        let bytes = Array(header.utf8)
        guard bytes.count <= maxHeaderBytes else { throw .tooLong(limit: maxHeaderBytes) }
        var parser = ChallengeParser(bytes: bytes)
        let challenges = try parser.parseChallenges()
        guard !challenges.isEmpty else { throw .empty }
        return challenges
    }

    // MARK: - Registry schemes

    /// The parameters of a Bearer challenge (the Docker / OCI token-service protocol).
    public struct Bearer: Sendable, Hashable {
        /// The token service URL (`http://` or `https://`, with a host).
        public let realm: String
        /// The `service` to name in token requests, if the registry sent one.
        public let service: String?
        /// The scopes the registry says the request needs (its `scope` parameter, split at spaces).
        public let scopes: [String]
        /// The registry's `error` parameter (`invalid_token`, `insufficient_scope`), if any.
        public let error: String?
    }

    /// The checked parameters of this Bearer challenge.
    /// - Throws: ``AuthenticationChallengeError/notBearer(_:)`` for another scheme,
    ///   ``AuthenticationChallengeError/missingParameter(scheme:name:)`` without a realm,
    ///   ``AuthenticationChallengeError/invalidRealm(_:)`` when the realm is not an http(s) URL.
    public func bearer() throws(AuthenticationChallengeError) -> Bearer {
        guard scheme == "bearer" else { throw .notBearer(scheme) }
        guard let realm = parameters["realm"], !realm.isEmpty else {
            throw .missingParameter(scheme: "Bearer", name: "realm")
        }
        guard Self.isHTTPURL(realm) else { throw .invalidRealm(realm) }
        let service = parameters["service"].flatMap { $0.isEmpty ? nil : $0 }
        let scopes = (parameters["scope"] ?? "").split(separator: " ").map(String.init)
        return Bearer(realm: realm, service: service, scopes: scopes, error: parameters["error"])
    }

    /// The realm of a Basic challenge (informative only), or nil for another scheme or none sent.
    public var basicRealm: String? { scheme == "basic" ? parameters["realm"] : nil }

    /// An absolute `http://` or `https://` URL with a host and without white space, control
    /// characters, user information or a fragment.
    static func isHTTPURL(_ text: String) -> Bool {
        let lowercased = text.lowercased()
        let rest: Substring
        if lowercased.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if lowercased.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "#" }) else {
            return false
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        return !authority.isEmpty && !authority.contains("@") && authority.first != ":"
    }
}

/// Why a `WWW-Authenticate` header value could not be used. Offsets count UTF-8 bytes from 0.
public enum AuthenticationChallengeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The header holds no challenge at all.
    case empty
    /// The header is longer than the limit.
    case tooLong(limit: Int)
    /// More challenges than ``AuthenticationChallenge/maxChallenges``.
    case tooManyChallenges(limit: Int)
    /// More auth-params in one challenge than ``AuthenticationChallenge/maxParameters``.
    case tooManyParameters(scheme: String, limit: Int)
    /// A byte that the grammar does not allow here; `expected` says what would have been valid.
    case unexpectedCharacter(offset: Int, found: String, expected: String)
    /// The header ends inside a quoted string that starts at `offset`.
    case unterminatedQuotedString(offset: Int)
    /// `name=` with no value.
    case missingValue(parameter: String)
    /// The same auth-param twice in one challenge (RFC 7235 forbids it).
    case duplicateParameter(scheme: String, name: String)
    /// A challenge lacks a parameter its scheme requires (Bearer's `realm`).
    case missingParameter(scheme: String, name: String)
    /// A Bearer realm that is not an absolute `http(s)://` URL with a host.
    case invalidRealm(String)
    /// ``AuthenticationChallenge/bearer()`` called on a challenge of another scheme.
    case notBearer(String)

    public var description: String {
        switch self {
        case .empty:
            "the WWW-Authenticate header holds no challenge"
        case .tooLong(let limit):
            "the WWW-Authenticate header is longer than \(limit) bytes"
        case .tooManyChallenges(let limit):
            "the WWW-Authenticate header holds more than \(limit) challenges"
        case .tooManyParameters(let scheme, let limit):
            "the \(scheme) challenge has more than \(limit) parameters"
        case .unexpectedCharacter(let offset, let found, let expected):
            "unexpected \(found) at byte \(offset) of the WWW-Authenticate header; expected \(expected)"
        case .unterminatedQuotedString(let offset):
            "the quoted string at byte \(offset) of the WWW-Authenticate header is not terminated"
        case .missingValue(let parameter):
            "the parameter \"\(parameter)\" of the WWW-Authenticate header has no value"
        case .duplicateParameter(let scheme, let name):
            "the \(scheme) challenge has the parameter \"\(name)\" twice"
        case .missingParameter(let scheme, let name):
            "the \(scheme) challenge has no \"\(name)\" parameter"
        case .invalidRealm(let realm):
            "the Bearer realm \(Self.quote(realm)) is not an http:// or https:// URL"
        case .notBearer(let scheme):
            "the challenge is \(scheme), not Bearer"
        }
    }

    /// A value quoted for a message, cut to 200 characters.
    private static func quote(_ text: String) -> String {
        text.count > 200 ? "\"\(text.prefix(200))…\"" : "\"\(text)\""
    }
}

/// The RFC 7235 challenge grammar over the header's UTF-8 bytes.
private struct ChallengeParser {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    private var atEnd: Bool { position >= bytes.count }
    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func parseChallenges() throws(AuthenticationChallengeError) -> [AuthenticationChallenge] {
        var challenges: [AuthenticationChallenge] = []
        while true {
            skipListSeparators()
            if atEnd { return challenges }
            guard challenges.count < AuthenticationChallenge.maxChallenges else {
                throw .tooManyChallenges(limit: AuthenticationChallenge.maxChallenges)
            }
            challenges.append(try parseChallenge())
        }
    }

    /// One challenge, leaving `position` at the end, at the comma before the next challenge, or
    /// at the next challenge's scheme.
    private mutating func parseChallenge() throws(AuthenticationChallengeError) -> AuthenticationChallenge {
        guard let scheme = readToken() else { throw unexpected(expected: "an authentication scheme") }
        var spaces = 0
        while current == UInt8(ascii: " ") {
            position += 1
            spaces += 1
        }
        skipWhiteSpace()
        if atEnd || current == UInt8(ascii: ",") {
            return AuthenticationChallenge(scheme: scheme)
        }
        guard spaces > 0 else { throw unexpected(expected: "a space after the scheme \"\(scheme)\"") }

        var parameters: [String: String] = [:]
        var first = true
        while true {
            let start = position
            if let (name, value) = try parseParameter(mayBeToken68: first) {
                guard parameters.count < AuthenticationChallenge.maxParameters else {
                    throw .tooManyParameters(scheme: scheme, limit: AuthenticationChallenge.maxParameters)
                }
                guard parameters.updateValue(value, forKey: name) == nil else {
                    throw .duplicateParameter(scheme: scheme, name: name)
                }
            } else if first, let token68 = readToken68() {
                return AuthenticationChallenge(scheme: scheme, token68: token68)
            } else if first {
                position = start
                throw unexpected(expected: "an auth-param (name=value) or a token68")
            } else {
                // Not a parameter: the next challenge's scheme starts here.
                position = start
                return AuthenticationChallenge(scheme: scheme, parameters: parameters)
            }
            first = false
            skipWhiteSpace()
            if atEnd { break }
            guard current == UInt8(ascii: ",") else { throw unexpected(expected: "\",\" after a parameter") }
            skipListSeparators()
            if atEnd { break }
        }
        return AuthenticationChallenge(scheme: scheme, parameters: parameters)
    }

    /// `token BWS "=" BWS ( token / quoted-string )`, or nil (position unchanged) when the text
    /// here is not a name followed by "=" and a value start, or, when `mayBeToken68` (right
    /// after the scheme), is a token68 such as `abc==`.
    private mutating func parseParameter(mayBeToken68: Bool) throws(AuthenticationChallengeError) -> (String, String)? {
        let start = position
        guard let name = readToken() else { return nil }
        skipWhiteSpace()
        guard current == UInt8(ascii: "=") else {
            position = start
            return nil
        }
        position += 1
        skipWhiteSpace()
        if current == UInt8(ascii: "\"") {
            return (name.lowercased(), try readQuotedString())
        }
        if let value = readToken() {
            return (name.lowercased(), value)
        }
        // "name=" followed by "=", end or ","; right after the scheme, a token68 such as "abc==".
        position = start
        if mayBeToken68 && isToken68Here() { return nil }
        throw .missingValue(parameter: name)
    }

    /// Whether a complete token68 (followed by white space and then the end or a comma) starts here.
    private mutating func isToken68Here() -> Bool {
        let start = position
        defer { position = start }
        return readToken68() != nil
    }

    /// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`, which must be followed by
    /// optional white space and then the end or a comma; nil (position unchanged) otherwise.
    private mutating func readToken68() -> String? {
        let start = position
        while let byte = current, Self.isToken68Character(byte) { position += 1 }
        guard position > start else { return nil }
        while current == UInt8(ascii: "=") { position += 1 }
        let end = position
        skipWhiteSpace()
        guard atEnd || current == UInt8(ascii: ",") else {
            position = start
            return nil
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private mutating func readToken() -> String? {
        let start = position
        while let byte = current, Self.isTokenCharacter(byte) { position += 1 }
        guard position > start else { return nil }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A quoted string starting at `position` (at its opening quote), unescaped.
    private mutating func readQuotedString() throws(AuthenticationChallengeError) -> String {
        let start = position
        position += 1
        var value: [UInt8] = []
        while true {
            guard let byte = current else { throw .unterminatedQuotedString(offset: start) }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                // The header came from a String and quotes are ASCII, so the bytes are UTF-8.
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard let escaped = current else { throw .unterminatedQuotedString(offset: start) }
                guard Self.isQuotedTextCharacter(escaped) || escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else {
                    throw unexpected(expected: "a visible character after \"\\\"")
                }
                value.append(escaped)
                position += 1
            default:
                guard Self.isQuotedTextCharacter(byte) else {
                    throw unexpected(expected: "text or a closing quote in the quoted string starting at byte \(start)")
                }
                value.append(byte)
                position += 1
            }
        }
    }

    private mutating func skipWhiteSpace() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { position += 1 }
    }

    /// White space and commas between list elements (RFC 7230 allows empty elements).
    private mutating func skipListSeparators() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") || current == UInt8(ascii: ",") {
            position += 1
        }
    }

    private func unexpected(expected: String) -> AuthenticationChallengeError {
        let found: String
        if let byte = current {
            if byte >= 0x21 && byte < 0x7F {
                found = "\"\(Character(Unicode.Scalar(byte)))\""
            } else {
                found = "byte 0x\(String(byte, radix: 16, uppercase: true))"
            }
        } else {
            found = "end of header"
        }
        return .unexpectedCharacter(offset: position, found: found, expected: expected)
    }

    // MARK: Character classes (RFC 7230 section 3.2.6, RFC 7235 section 2.1)

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }

    /// qdtext: HTAB, SP, visible ASCII except `"` and `\`, and obs-text (bytes 0x80-0xFF).
    private static func isQuotedTextCharacter(_ byte: UInt8) -> Bool {
        byte == 0x09 || byte == 0x20 || (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")) || byte >= 0x80
    }
}
