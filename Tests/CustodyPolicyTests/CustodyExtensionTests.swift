import CustodyOCI
import CustodyPolicy
import Testing

@Suite("Custody extensions")
struct CustodyExtensionTests {
    @Test("threshold: K of the gpg and sigstore signers, with an identity rule")
    func threshold() throws {
        let document = try parsePolicy(policy(default: #"""
            {"type":"threshold","threshold":2,"description":"two of three release keys",
             "signers":{"gpg":{"keyPaths":["keys/a.gpg","/keys/b.gpg"]},"sigstore":{"keyDatas":["YQ=="]}},
             "signedIdentity":{"type":"matchRepository"}}
            """#))
        let requirement = document.defaultRequirements[0]
        #expect(requirement.description == "two of three release keys")
        #expect(requirement.kind == .threshold(ThresholdRequirement(
            threshold: 2,
            signers: SignerSet(gpgKeys: .paths(["/etc/custody/keys/a.gpg", "/keys/b.gpg"]), sigstoreKeys: .data([[0x61]])),
            identity: .matchRepository)))
    }

    @Test("threshold: signedIdentity defaults to matchRepoDigestOrExact; one signer group is enough")
    func thresholdDefaults() throws {
        let document = try parsePolicy(policy(default: #"{"type":"threshold","threshold":1,"signers":{"sigstore":{"keyPath":"/k.pub"}}}"#))
        #expect(document.defaultRequirements[0].kind == .threshold(ThresholdRequirement(
            threshold: 1, signers: SignerSet(gpgKeys: nil, sigstoreKeys: .paths(["/k.pub"])), identity: .matchRepoDigestOrExact)))
    }

    @Test("threshold: more than the key sources is allowed with OpenPGP keyrings (they may hold several keys), with a warning")
    func thresholdOverKeyrings() throws {
        let json = policy(default: #"{"type":"threshold","threshold":3,"signers":{"gpg":{"keyPath":"/keys/team.gpg"},"sigstore":{"keyPath":"/k.pub"}}}"#)
        #expect(throws: Never.self) { try parsePolicy(json) }
        let issues = lintPolicy(json)
        #expect(issues.count == 1)
        #expect(issues.first?.severity == .warning)
        #expect(issues.first?.path == "$.default[0].threshold")
        #expect(issues.first?.message.contains("only if the OpenPGP keyrings hold enough distinct keys") == true)
    }

    @Test("threshold: a sigstore key listed twice counts once")
    func thresholdDistinctKeys() {
        let json = policy(default: #"{"type":"threshold","threshold":2,"signers":{"sigstore":{"keyPaths":["/k.pub","/k.pub"]}}}"#)
        #expect(throws: PolicyError(code: .invalidThreshold)) { try parsePolicy(json) }
        #expect(warnings(lintPolicy(json)).map(\.path) == ["$.default[0].signers.sigstore.keyPaths[1]"])
    }

    @Test("roles: named thresholds, each with its own signers and identity")
    func roles() throws {
        let document = try parsePolicy(policy(default: #"""
            {"type":"roles","roles":[
              {"name":"vendor","threshold":1,"signers":{"gpg":{"keyData":"YQ=="}},"signedIdentity":{"type":"exactRepository","dockerRepository":"vendor.example/app"}},
              {"name":"security team","threshold":2,"signers":{"sigstore":{"keyPaths":["/a.pub","/b.pub","/c.pub"]}}}
            ]}
            """#))
        #expect(document.defaultRequirements[0].kind == .roles([
            RoleRequirement(name: "vendor", threshold: 1, signers: SignerSet(gpgKeys: .data([[0x61]]), sigstoreKeys: nil),
                            identity: .exactRepository(try ImageReference.parseNormalized("vendor.example/app"))),
            RoleRequirement(name: "security team", threshold: 2, signers: SignerSet(gpgKeys: nil, sigstoreKeys: .paths(["/a.pub", "/b.pub", "/c.pub"])),
                            identity: .matchRepoDigestOrExact),
        ]))
    }

    @Test("roles: every duplicate name is reported, each pointing at the first")
    func duplicateRoles() {
        let role = #"{"name":"qa","threshold":1,"signers":{"gpg":{"keyPath":"/k"}}}"#
        let issues = lintPolicy(policy(default: #"{"type":"roles","roles":["# + [role, role, role].joined(separator: ",") + "]}"))
        #expect(issues.map(\.code) == [.duplicateRoleName, .duplicateRoleName])
        #expect(issues.map(\.path) == ["$.default[0].roles[1].name", "$.default[0].roles[2].name"])
        #expect(issues.allSatisfy { $0.message.contains("first at $.default[0].roles[0]") })
    }

    @Test("freshness: Go-style durations in h, m and s", arguments: [
        ("720h", Int64(2_592_000)), ("1h30m", 5400), ("90s", 90), ("2h0m5s", 7205), ("45m", 2700), ("1s", 1), ("87600h", 315_360_000), ("1m1h", 3660),
    ])
    func freshness(_ text: String, _ seconds: Int64) throws {
        let document = try parsePolicy(#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"},{"type":"freshness","maxAge":"\#(text)"}]}"#)
        #expect(document.defaultRequirements[1].kind == .freshness(maxAgeSeconds: seconds))
    }

    @Test("freshness: refused durations", arguments: ["", "1.5h", "-1h", "+1h", "1d", "h", "1h30", "1 h", "1H", "0h0m0s", "999999999999999h", "10us"])
    func badFreshness(_ text: String) {
        #expect(throws: PolicyError(code: .invalidDuration)) { try parsePolicy(policy(default: #"{"type":"freshness","maxAge":"\#(text)"}"#)) }
    }

    @Test("freshness without a signature requirement beside it is valid but never allows: lint warns")
    func freshnessAlone() {
        let alone = lintPolicy(policy(default: #"{"type":"freshness","maxAge":"24h"}"#))
        #expect(alone.map(\.severity) == [.warning])
        #expect(alone.first?.path == "$.default[0]")
        let accompanied = lintPolicy(#"{"default":[{"type":"freshness","maxAge":"24h"},{"type":"sigstoreSigned","keyPath":"/k.pub"}]}"#)
        #expect(accompanied.isEmpty)
    }

    @Test("digestRequired")
    func digestRequired() throws {
        let document = try parsePolicy(policy(default: #"{"type":"digestRequired","description":"pin by digest"}"#))
        #expect(document.defaultRequirements == [PolicyRequirement(kind: .digestRequired, description: "pin by digest", path: "$.default[0]")])
    }

    @Test("description on every type, stock ones included", arguments: [
        #"{"type":"insecureAcceptAnything","description":"d"}"#,
        #"{"type":"reject","description":"d"}"#,
        #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","description":"d"}"#,
        #"{"type":"sigstoreSigned","keyPath":"/k","description":"d"}"#,
        #"{"type":"signedBaseLayer","baseLayerIdentity":{"type":"matchRepository"},"description":"d"}"#,
        #"{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPath":"/k"}},"description":"d"}"#,
        #"{"type":"roles","roles":[{"name":"r","threshold":1,"signers":{"gpg":{"keyPath":"/k"}}}],"description":"d"}"#,
        #"{"type":"freshness","maxAge":"1h","description":"d"}"#,
        #"{"type":"digestRequired","description":"d"}"#,
    ])
    func descriptions(_ requirement: String) throws {
        #expect(try parsePolicy(policy(default: requirement)).defaultRequirements[0].description == "d")
    }

    @Test("description limits: one line, at most 1024 bytes")
    func descriptionLimits() {
        let longest = String(repeating: "é", count: PolicyDocument.maxDescriptionBytes / 2)
        #expect(throws: Never.self) { try parsePolicy(policy(default: #"{"type":"reject","description":"\#(longest)"}"#)) }
        #expect(throws: PolicyError(code: .invalidText)) { try parsePolicy(policy(default: #"{"type":"reject","description":"\#(longest)x"}"#)) }
        #expect(throws: PolicyError(code: .invalidText)) { try parsePolicy(policy(default: #"{"type":"reject","description":"a\u2028b"}"#)) }
        #expect(throws: PolicyError(code: .invalidText)) { try parsePolicy(policy(default: #"{"type":"reject","description":"tab\there"}"#)) }
    }

    @Test("the custody options object", arguments: [
        (#"{"default":[{"type":"reject"}]}"#, false),
        (#"{"default":[{"type":"reject"}],"custody":{}}"#, false),
        (#"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":false}}"#, false),
        (#"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":true}}"#, true),
    ])
    func options(_ json: String, _ cover: Bool) throws {
        #expect(try parsePolicy(json).custody == CustodyPolicyOptions(indexSignaturesCoverInstances: cover))
    }

    @Test("custody must be an object")
    func optionsShape() {
        #expect(throws: PolicyError(code: .typeMismatch)) { try parsePolicy(#"{"default":[{"type":"reject"}],"custody":true}"#) }
        #expect(throws: PolicyError(code: .typeMismatch)) { try parsePolicy(#"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":null}}"#) }
    }

    @Test("bad shapes of signers and roles", arguments: [
        #"{"type":"threshold","threshold":1,"signers":[]}"#,
        #"{"type":"threshold","threshold":1,"signers":{"gpg":"/k"}}"#,
        #"{"type":"threshold","threshold":1,"signers":{"gpg":{}}}"#,
        #"{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPaths":[]}}}"#,
        #"{"type":"threshold","threshold":1,"signers":{"sigstore":{"fulcio":{}}}}"#,
        #"{"type":"threshold","threshold":"1","signers":{"gpg":{"keyPath":"/k"}}}"#,
        #"{"type":"threshold","threshold":-1,"signers":{"gpg":{"keyPath":"/k"}}}"#,
        #"{"type":"threshold","threshold":1e0,"signers":{"gpg":{"keyPath":"/k"}}}"#,
        #"{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPath":"/k"}},"roles":[]}"#,
        #"{"type":"roles","roles":{}}"#,
        #"{"type":"roles","roles":["vendor"]}"#,
        #"{"type":"roles","roles":[{"name":"r","threshold":2,"signers":{"sigstore":{"keyPath":"/k"}}}]}"#,
        #"{"type":"roles","roles":[{"name":7,"threshold":1,"signers":{"gpg":{"keyPath":"/k"}}}]}"#,
        #"{"type":"roles"}"#,
    ])
    func badShapes(_ requirement: String) {
        #expect(throws: PolicyError.self) { try parsePolicy(policy(default: requirement)) }
    }
}
