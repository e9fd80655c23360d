import CustodyPolicy
import Testing

@Suite("Policy lint")
struct PolicyLintTests {
    @Test("every error at once, in document order, each with its path")
    func allErrors() {
        let json = #"""
            {
              "transports": {
                "docker": {
                  "quay.io/x": [
                    {"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "keyPaths": ["/b"]},
                    {"type": "sigstoreSigned", "keyPath": 7},
                    {"type": "rejected"}
                  ],
                  "quay.io/y": []
                },
                "dir": {"relative": [{"type": "reject", "extra": true}]}
              },
              "custody": {"indexSignaturesCoverInstances": 1, "other": 2},
              "surplus": 3
            }
            """#
        let issues = lintPolicy(json)
        #expect(issues.allSatisfy { $0.severity == .error })
        #expect(issues.map(\.path) == [
            "$.surplus",
            "$",
            #"$.transports.docker["quay.io/x"][0]"#,
            #"$.transports.docker["quay.io/x"][1].keyPath"#,
            #"$.transports.docker["quay.io/x"][2].type"#,
            #"$.transports.docker["quay.io/y"]"#,
            #"$.transports.dir.relative"#,
            #"$.transports.dir.relative[0].extra"#,
            "$.custody.other",
            "$.custody.indexSignaturesCoverInstances",
        ])
        #expect(issues.map(\.code) == [
            .unknownKey, .missingDefault, .keySources, .typeMismatch, .unknownRequirementType, .emptyRequirements, .invalidScope, .unknownKey, .unknownKey,
            .typeMismatch,
        ])
        // The parser throws the first of them.
        #expect(throws: PolicyError(code: .unknownKey)) { try parsePolicy(json) }
    }

    @Test("a clean policy has no findings")
    func clean() {
        #expect(lintPolicy(UpstreamPolicies.manPageDisableSecurity).isEmpty)
        #expect(lintPolicy(UpstreamPolicies.defaultPolicy).isEmpty)
    }

    @Test("docker scopes that can never match are warnings, not errors", arguments: [
        ("busybox", "fully expanded"),
        ("library/busybox", "fully expanded"),
        ("index.docker.io/library/busybox", "docker.io/…"),
        ("docker.io/busybox:latest", "docker.io/library/NAME"),
        ("*.example.com:5000", "without their port"),
        ("*.*.example.com", "wildcard scope"),
        ("quay.io/App", "not a valid image name"),
        ("quay.io/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "never both"),
        ("quay..io", "not a valid registry host"),
    ])
    func neverMatchingScopes(_ scope: String, _ fragment: String) throws {
        let json = policy(transport: "docker", scopes: #""\#(scope)":[{"type":"reject"}]"#)
        #expect(throws: Never.self) { try parsePolicy(json) }
        let issues = lintPolicy(json)
        #expect(issues.count == 1)
        let issue = try #require(issues.first)
        #expect(issue.severity == .warning && issue.code == .questionable)
        #expect(issue.path == PolicyScopePath.docker(scope))
        #expect(issue.message.contains(fragment), "\(issue.message)")
    }

    @Test("docker scopes that can match get no warning", arguments: [
        "docker.io", "docker.io/library", "docker.io/library/busybox", "docker.io/library/busybox:latest", "docker.io/someone/app",
        "quay.io", "quay.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "localhost", "localhost:5000/app",
        "registry.example.com:5000", "*.example.com", "*.com", "[::1]:5000",
    ])
    func matchingScopes(_ scope: String) {
        let issues = lintPolicy(policy(transport: "docker", scopes: #""\#(scope)":[{"type":"reject"}]"#))
        // IPv6 literals are outside the reference grammar Custody implements, so they do warn.
        #expect(issues.isEmpty == (scope != "[::1]:5000"), "\(issues)")
    }

    @Test("requirements that never allow an image are warnings")
    func neverAllows() {
        let issues = lintPolicy(#"""
            {"default":[{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchRepository"}},
                        {"type":"signedBy","keyType":"X509Certificates","keyData":"YQ=="}]}
            """#)
        #expect(issues.map(\.path) == ["$.default[0]", "$.default[1].keyType"])
        #expect(issues.allSatisfy { $0.severity == .warning && $0.message.contains("never allows an image") })
    }

    @Test("warnings and errors together; warnings never make the parser throw")
    func mixed() {
        let json = #"{"default":[{"type":"reject"}],"transports":{"docker":{"busybox":[{"type":"reject"}],"quay.io":[]}}}"#
        let issues = lintPolicy(json)
        #expect(issues.map(\.severity) == [.warning, .error])
        #expect(throws: PolicyError(code: .emptyRequirements)) { try parsePolicy(json) }
        #expect(throws: Never.self) { try parsePolicy(#"{"default":[{"type":"reject"}],"transports":{"docker":{"busybox":[{"type":"reject"}]}}}"#) }
    }

    @Test("an issue prints as path: severity: message, and converts to the parser's error")
    func issueShape() throws {
        let issue = try #require(lintPolicy(#"{"default":[{"type":"reject"}],"x":1}"#).first)
        #expect(issue.description == #"$.x: error: Unknown key "x""#)
        #expect(issue.error.reason == #"$.x: Unknown key "x""#)
        #expect(issue.error.path == "$.x")
        #expect(issue.error.code == .unknownKey)
    }

    @Test("a document that is not JSON gives exactly one error")
    func notJSON() {
        #expect(lintPolicy(#"{"default":[{"type":"reject"}],"a":1,"a":2,"b":}"#).map(\.code) == [.duplicateKey])
        #expect(lintPolicy("").map(\.code) == [.invalidJSON])
    }
}

/// The JSON path of a `docker` scope.
enum PolicyScopePath {
    static func docker(_ scope: String) -> String {
        ScopeMatch.scope(transport: "docker", scope: scope).path
    }
}

@Suite("Policy lint: transports")
struct PolicyLintTransportTests {
    @Test("an unknown transport name (a typo) is a warning, as containers/image accepts it silently")
    func unknownTransport() {
        let issues = lintPolicy(#"{"default":[{"type":"reject"}],"transports":{"dokcer":{"quay.io":[{"type":"insecureAcceptAnything"}]},"docker":{}}}"#)
        #expect(issues.map(\.severity) == [.warning])
        #expect(issues.first?.path == "$.transports.dokcer")
        #expect(issues.first?.message.contains(#"transport "dokcer" is not one containers/image knows"#) == true)
    }

    @Test("every transport containers/image knows is accepted without a warning", arguments: [
        "atomic", "containers-storage", "dir", "docker", "docker-archive", "docker-daemon", "oci", "oci-archive", "sif", "tarball",
    ])
    func knownTransport(_ transport: String) {
        #expect(lintPolicy(policy(transport: transport, scopes: #""":[{"type":"reject"}]"#)).isEmpty)
    }
}
