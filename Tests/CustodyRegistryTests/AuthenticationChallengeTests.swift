import Testing
@testable import CustodyRegistry

@Suite("AuthenticationChallengeTests")
struct AuthenticationChallengeTests {
    // MARK: - Well-formed headers

    @Test("Distribution's Bearer challenge, with scope and error")
    func distributionBearer() throws {
        let header = #"Bearer realm="http://127.0.0.1:41234/token",service="custody-test-registry",scope="repository:foo:pull",error="insufficient_scope""#
        let challenges = try AuthenticationChallenge.parse(header)
        #expect(challenges.count == 1)
        let bearer = try challenges[0].bearer()
        #expect(bearer.realm == "http://127.0.0.1:41234/token")
        #expect(bearer.service == "custody-test-registry")
        #expect(bearer.scopes == ["repository:foo:pull"])
        #expect(bearer.error == "insufficient_scope")
    }

    @Test("Docker Hub's Bearer challenge")
    func dockerHubBearer() throws {
        let header = #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull""#
        let bearer = try #require(try AuthenticationChallenge.parse(header).first).bearer()
        #expect(bearer.realm == "https://auth.docker.io/token")
        #expect(bearer.service == "registry.docker.io")
        #expect(bearer.scopes == ["repository:library/busybox:pull"])
        #expect(bearer.error == nil)
    }

    @Test("a Bearer challenge with only a realm (the /v2/ ping)")
    func bearerRealmOnly() throws {
        let bearer = try #require(try AuthenticationChallenge.parse(#"Bearer realm="https://auth.example/token""#).first).bearer()
        #expect(bearer.service == nil)
        #expect(bearer.scopes.isEmpty)
    }

    @Test("several scopes in one scope parameter")
    func severalScopes() throws {
        let header = #"Bearer realm="https://a.example/t",scope="repository:a:pull repository:b/c:pull,push""#
        let bearer = try #require(try AuthenticationChallenge.parse(header).first).bearer()
        #expect(bearer.scopes == ["repository:a:pull", "repository:b/c:pull,push"])
    }

    @Test("Distribution's Basic challenge")
    func basic() throws {
        let challenge = try #require(try AuthenticationChallenge.parse(#"Basic realm="custody-test-realm""#).first)
        #expect(challenge.scheme == "basic")
        #expect(challenge.basicRealm == "custody-test-realm")
        #expect(throws: AuthenticationChallengeError.notBearer("basic")) { try challenge.bearer() }
    }

    @Test("scheme and parameter names are case-insensitive; values keep their case")
    func caseInsensitiveNames() throws {
        let challenge = try #require(try AuthenticationChallenge.parse(#"bEaReR REALM="https://Auth.Example/Token",Service=Registry"#).first)
        #expect(challenge.scheme == "bearer")
        #expect(challenge["realm"] == "https://Auth.Example/Token")
        #expect(challenge["SERVICE"] == "Registry")
        #expect(try challenge.bearer().service == "Registry")
    }

    @Test("token (unquoted) values")
    func tokenValues() throws {
        let challenge = try #require(try AuthenticationChallenge.parse(#"Bearer realm="https://x.example/t", service=registry.example, error=invalid_token"#).first)
        #expect(challenge.parameters == ["realm": "https://x.example/t", "service": "registry.example", "error": "invalid_token"])
    }

    @Test("white space around = and commas, tabs, empty list elements")
    func whiteSpace() throws {
        let header = ", Bearer realm = \"https://x.example/t\" ,\t service\t=\t\"s\" ,, ,"
        let challenges = try AuthenticationChallenge.parse(header)
        #expect(challenges.count == 1)
        #expect(challenges[0].parameters == ["realm": "https://x.example/t", "service": "s"])
    }

    @Test("quoted pairs are undone; commas, equals signs and UTF-8 inside quotes are text")
    func quotedStrings() throws {
        let header = #"Basic realm="a \"quoted\" realm, with \\ and = and ünïcödé""#
        let challenge = try #require(try AuthenticationChallenge.parse(header).first)
        #expect(challenge.basicRealm == #"a "quoted" realm, with \ and = and ünïcödé"#)
    }

    @Test("an empty quoted value")
    func emptyQuotedValue() throws {
        let challenge = try #require(try AuthenticationChallenge.parse(#"Basic realm="""#).first)
        #expect(challenge.basicRealm == "")
    }

    @Test("several challenges in one header, in order")
    func severalChallenges() throws {
        let challenges = try AuthenticationChallenge.parse(#"Basic realm="r", Bearer realm="https://a.example/t",service="s", Negotiate"#)
        #expect(challenges.map(\.scheme) == ["basic", "bearer", "negotiate"])
        #expect(challenges[0].parameters == ["realm": "r"])
        #expect(challenges[1].parameters == ["realm": "https://a.example/t", "service": "s"])
        #expect(challenges[2].parameters.isEmpty && challenges[2].token68 == nil)
    }

    @Test("challenges without parameters")
    func bareSchemes() throws {
        let challenges = try AuthenticationChallenge.parse("Negotiate, NTLM ,Basic realm=\"r\"")
        #expect(challenges.map(\.scheme) == ["negotiate", "ntlm", "basic"])
    }

    @Test("token68 forms", arguments: [
        ("Negotiate YIIabc", "YIIabc"),
        ("Negotiate YIIabc==", "YIIabc=="),
        ("Negotiate a/b+c.d_e~f-g=", "a/b+c.d_e~f-g="),
    ])
    func token68(header: String, expected: String) throws {
        let challenge = try #require(try AuthenticationChallenge.parse(header).first)
        #expect(challenge.token68 == expected)
        #expect(challenge.parameters.isEmpty)
    }

    @Test("a token68 followed by another challenge")
    func token68ThenChallenge() throws {
        let challenges = try AuthenticationChallenge.parse(#"Negotiate abc==, Basic realm="r""#)
        #expect(challenges.map(\.scheme) == ["negotiate", "basic"])
        #expect(challenges[0].token68 == "abc==")
        #expect(challenges[1].basicRealm == "r")
    }

    @Test("realms the Bearer check accepts", arguments: [
        "http://127.0.0.1:5001/token",
        "https://auth.example/token?client=x",
        "HTTPS://AUTH.EXAMPLE/token",
        "https://[::1]:8443/token",
        "https://auth.example",
    ])
    func acceptedRealms(realm: String) throws {
        let challenge = AuthenticationChallenge(scheme: "Bearer", parameters: ["realm": realm])
        #expect(try challenge.bearer().realm == realm)
    }

    // MARK: - Malformed headers and unusable challenges

    @Test("empty headers")
    func emptyHeaders() {
        #expect(throws: AuthenticationChallengeError.empty) { try AuthenticationChallenge.parse("") }
        #expect(throws: AuthenticationChallengeError.empty) { try AuthenticationChallenge.parse("  , ,\t") }
    }

    @Test("an unterminated quoted string")
    func unterminated() throws {
        let error = #expect(throws: AuthenticationChallengeError.self) { try AuthenticationChallenge.parse(#"Bearer realm="https://x"#) }
        #expect(error == .unterminatedQuotedString(offset: 13))
        #expect(error?.description == "the quoted string at byte 13 of the WWW-Authenticate header is not terminated")
        #expect(throws: AuthenticationChallengeError.unterminatedQuotedString(offset: 12)) {
            try AuthenticationChallenge.parse(#"Basic realm="ends in a backslash\"#)
        }
    }

    @Test("a parameter without a value")
    func missingValue() {
        #expect(throws: AuthenticationChallengeError.missingValue(parameter: "service")) {
            try AuthenticationChallenge.parse(#"Bearer realm="https://x.example/t",service="#)
        }
        #expect(throws: AuthenticationChallengeError.missingValue(parameter: "service")) {
            try AuthenticationChallenge.parse(#"Bearer realm="https://x.example/t",service=,scope="a""#)
        }
    }

    @Test("a missing comma between parameters")
    func missingComma() throws {
        let error = #expect(throws: AuthenticationChallengeError.self) {
            try AuthenticationChallenge.parse(#"Bearer realm="https://x.example/t" service="s""#)
        }
        guard case .unexpectedCharacter(let offset, let found, let expected)? = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(offset == 35 && found == "\"s\"" && expected == "\",\" after a parameter")
        #expect(error?.description == #"unexpected "s" at byte 35 of the WWW-Authenticate header; expected "," after a parameter"#)
    }

    @Test("duplicate parameters, in any case")
    func duplicates() {
        #expect(throws: AuthenticationChallengeError.duplicateParameter(scheme: "Bearer", name: "realm")) {
            try AuthenticationChallenge.parse(#"Bearer realm="https://a.example",realm="https://b.example""#)
        }
        #expect(throws: AuthenticationChallengeError.duplicateParameter(scheme: "Bearer", name: "realm")) {
            try AuthenticationChallenge.parse(#"Bearer realm="https://a.example",REALM="https://b.example""#)
        }
    }

    @Test("malformed headers are errors, never crashes", arguments: [
        "=realm",
        "Bearer=x",
        #"Bearer realm=https://x.example/t"#,
        "Basic realm=\"a\u{01}b\"",
        "Basic realm=\"a\nb\"",
        "Basic realm=\"a\u{7F}b\"",
        #"Basic realm="a" junk"#,
        #"Basic realm="a";b"#,
        #"Basic ;"#,
        #"Bearer realm="x",,="y""#,
        "Bearer realm=\"x\"\u{0}",
        "Bé realm=\"x\"",
    ])
    func malformed(header: String) {
        #expect(throws: AuthenticationChallengeError.self) { try AuthenticationChallenge.parse(header) }
    }

    @Test("the header, challenge and parameter limits")
    func limits() {
        let long = "Basic realm=\"" + String(repeating: "a", count: AuthenticationChallenge.maxHeaderBytes) + "\""
        #expect(throws: AuthenticationChallengeError.tooLong(limit: AuthenticationChallenge.maxHeaderBytes)) {
            try AuthenticationChallenge.parse(long)
        }
        let many = Array(repeating: "Negotiate", count: AuthenticationChallenge.maxChallenges + 1).joined(separator: ", ")
        #expect(throws: AuthenticationChallengeError.tooManyChallenges(limit: AuthenticationChallenge.maxChallenges)) {
            try AuthenticationChallenge.parse(many)
        }
        let allowed = Array(repeating: "Negotiate", count: AuthenticationChallenge.maxChallenges).joined(separator: ", ")
        #expect((try? AuthenticationChallenge.parse(allowed))?.count == AuthenticationChallenge.maxChallenges)
        let parameters = (0...AuthenticationChallenge.maxParameters).map { "p\($0)=v" }.joined(separator: ",")
        #expect(throws: AuthenticationChallengeError.tooManyParameters(scheme: "Bearer", limit: AuthenticationChallenge.maxParameters)) {
            try AuthenticationChallenge.parse("Bearer " + parameters)
        }
    }

    @Test("Bearer challenges without a usable realm")
    func unusableBearer() throws {
        let noRealm = try #require(try AuthenticationChallenge.parse(#"Bearer service="s""#).first)
        #expect(throws: AuthenticationChallengeError.missingParameter(scheme: "Bearer", name: "realm")) { try noRealm.bearer() }
        let emptyRealm = try #require(try AuthenticationChallenge.parse(#"Bearer realm="""#).first)
        #expect(throws: AuthenticationChallengeError.missingParameter(scheme: "Bearer", name: "realm")) { try emptyRealm.bearer() }
        for realm in ["ftp://auth.example/t", "https://", "https:///token", "auth.example/token", "https://u:p@auth.example/t",
                      "https://auth.example/t#x", "https://auth example/t", "https://:443/t", "/token"] {
            let challenge = AuthenticationChallenge(scheme: "bearer", parameters: ["realm": realm])
            #expect(throws: AuthenticationChallengeError.invalidRealm(realm), "\(realm)") { try challenge.bearer() }
        }
        let error = AuthenticationChallengeError.invalidRealm("ftp://auth.example/t")
        #expect(error.description == #"the Bearer realm "ftp://auth.example/t" is not an http:// or https:// URL"#)
    }

    @Test("random headers: each parses or throws, and parsing is deterministic")
    func randomHeaders() {
        let alphabet: [String] = [
            "Bearer", "Basic", " ", " ", ",", "=", "\"", "\\", "realm", "service", "scope", "https://a/t", "\t",
            "a", "==", "/", "é", "\u{1}", ":", "x",
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<3000 {
            var header = ""
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let length = Int(state % 24)
            for _ in 0..<length {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                header += alphabet[Int(state % UInt64(alphabet.count))]
            }
            let first: Result<[AuthenticationChallenge], AuthenticationChallengeError> = Result { () throws(AuthenticationChallengeError) in try AuthenticationChallenge.parse(header) }
            let second: Result<[AuthenticationChallenge], AuthenticationChallengeError> = Result { () throws(AuthenticationChallengeError) in try AuthenticationChallenge.parse(header) }
            switch (first, second) {
            case (.success(let a), .success(let b)):
                #expect(a == b, "\(header.debugDescription)")
                #expect(!a.isEmpty)
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(header.debugDescription)")
            default:
                Issue.record("parsing \(header.debugDescription) is not deterministic")
            }
        }
    }
}
