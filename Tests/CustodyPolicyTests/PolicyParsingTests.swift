import CustodyOCI
import CustodyPolicy
import CustodyTestSupport
import Foundation
import Testing

@Suite("Policy parsing")
struct PolicyParsingTests {
    @Test("relative key paths resolve against the policy's folder; absolute ones are kept", arguments: [
        ("keys/a.gpg", "/etc/custody/keys/a.gpg"),
        ("./keys/../b.gpg", "/etc/custody/b.gpg"),
        ("../shared/c.gpg", "/etc/shared/c.gpg"),
        ("/abs/d.gpg", "/abs/d.gpg"),
        ("/abs//e.gpg", "/abs//e.gpg"),
    ])
    func keyPaths(_ written: String, _ resolved: String) throws {
        let document = try parsePolicy(policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"\#(written)"}"#))
        #expect(document.defaultRequirements[0].kind == .signedBy(keys: .paths([resolved]), identity: .matchRepoDigestOrExact))
    }

    @Test("every path member is resolved: keyPaths, caPath, caRootsPath, caIntermediatesPath, rekorPublicKeyPath(s)")
    func everyPathMember() throws {
        let document = try parsePolicy(#"""
            {"default":[
              {"type":"sigstoreSigned","keyPaths":["a.pub","/b.pub"],"rekorPublicKeyPaths":["rekor/1.pub"]},
              {"type":"sigstoreSigned","fulcio":{"caPath":"fulcio.pem","oidcIssuer":"https://issuer","subjectEmail":"a@example.com"},"rekorPublicKeyPath":"rekor.pub"},
              {"type":"sigstoreSigned","pki":{"caRootsPath":"roots.pem","caIntermediatesPath":"int.pem","subjectHostname":"build.example.com"}}
            ]}
            """#, baseDirectory: "/srv/policy/")
        let requirements = document.defaultRequirements
        #expect(requirements[0].kind == .sigstoreSigned(keys: .paths(["/srv/policy/a.pub", "/b.pub"]), identity: .matchRepoDigestOrExact))
        #expect(requirements[0].rekorKeys == .paths(["/srv/policy/rekor/1.pub"]))
        guard case .sigstoreSignedKeyless(let fulcio, _) = requirements[1].kind, case .sigstoreSignedKeyless(let pki, _) = requirements[2].kind else {
            Issue.record("not keyless")
            return
        }
        #expect(fulcio.fulcio?.caCertificates == .paths(["/srv/policy/fulcio.pem"]))
        #expect(fulcio.rekorKeys == .paths(["/srv/policy/rekor.pub"]))
        #expect(requirements[1].rekorKeys == .paths(["/srv/policy/rekor.pub"]))
        #expect(pki.pki?.caRoots == .paths(["/srv/policy/roots.pem"]))
        #expect(pki.pki?.caIntermediates == .paths(["/srv/policy/int.pem"]))
        #expect(pki.pki?.subjectEmail == nil && pki.pki?.subjectHostname == "build.example.com")
        #expect(requirements[2].rekorKeys == nil)
    }

    @Test("a relative base folder is taken from the current directory")
    func relativeBase() throws {
        let document = try parsePolicy(policy(default: #"{"type":"sigstoreSigned","keyPath":"k.pub"}"#), baseDirectory: "conf")
        let expected = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent("conf/k.pub")
        #expect(document.defaultRequirements[0].kind == .sigstoreSigned(keys: .paths([expected]), identity: .matchRepoDigestOrExact))
    }

    @Test("a policy file's relative key paths resolve against its folder; key files are not read")
    func fromFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"missing/key.gpg"}"#), to: "conf/policy.json")
        let document = try PolicyDocument(contentsOfFile: path)
        #expect(document.defaultRequirements[0].kind == .signedBy(keys: .paths([directory.file("conf/missing/key.gpg")]), identity: .matchRepoDigestOrExact))
    }

    @Test("key data is standard base64, decoded; line breaks are skipped as Go skips them")
    func keyData() throws {
        let document = try parsePolicy(#"""
            {"default":[{"type":"signedBy","keyType":"GPGKeys","keyData":"bm9u\nc2Vuc2U="},
                        {"type":"sigstoreSigned","keyDatas":["YQ==","YWI=","YWJj"]}]}
            """#)
        #expect(document.defaultRequirements[0].kind == .signedBy(keys: .data([Array("nonsense".utf8)]), identity: .matchRepoDigestOrExact))
        #expect(document.defaultRequirements[1].kind == .sigstoreSigned(keys: .data([[0x61], [0x61, 0x62], [0x61, 0x62, 0x63]]), identity: .matchRepoDigestOrExact))
    }

    @Test("base64 that Go's standard decoding refuses is refused", arguments: ["====", "YQ===", "YQ", "YQ==YQ==", "Y Q==", "YQ-_", "bm9uc2Vuc2U=="])
    func badBase64(_ text: String) {
        #expect(throws: PolicyError(code: .invalidBase64)) { try parsePolicy(policy(default: #"{"type":"sigstoreSigned","keyData":"\#(text)"}"#)) }
    }

    @Test("keyType values containers/image parses but cannot evaluate", arguments: ["signedByGPGKeys", "X509Certificates", "signedByX509CAs"])
    func unsupportedKeyTypes(_ keyType: String) throws {
        let json = policy(default: #"{"type":"signedBy","keyType":"\#(keyType)","keyPath":"/k"}"#)
        #expect(try parsePolicy(json).defaultRequirements[0].kind == .signedByUnsupportedKeyType(keyType))
        #expect(warnings(lintPolicy(json)).map(\.path) == ["$.default[0].keyType"])
    }

    @Test("unknown transports are kept with their scopes unvalidated; order is the file's")
    func unknownTransports() throws {
        let document = try parsePolicy(#"""
            {"default":[{"type":"reject"}],
             "transports":{"zeta":{"not a path":[{"type":"reject"}]},"ostree":{"x":[{"type":"reject"}]},"alpha":{},"docker":{"b.io":[{"type":"reject"}],"a.io":[{"type":"reject"}]}}}
            """#)
        #expect(document.transports.map(\.transport) == ["zeta", "ostree", "alpha", "docker"])
        #expect(document.transports[0].scopes.map(\.scope) == ["not a path"])
        #expect(document.transports[3].scopes.map(\.scope) == ["b.io", "a.io"])
        let unknown = PolicyImageIdentity(transport: "zeta", identity: "not a path", namespaces: [])
        #expect(document.requirements(for: unknown).scope == .scope(transport: "zeta", scope: "not a path"))
    }

    @Test("valid scopes of the transports that check them", arguments: [
        ("dir", "/srv/images"), ("oci", "/srv/layouts/app"), ("oci-archive", "/srv/a.tar"), ("sif", "/srv/x.sif"),
        ("docker-daemon", "docker.io/library/busybox:latest"), ("docker-daemon", "sha256:abc"),
        ("atomic", "registry:5000/ns/stream:tag"), ("atomic", "*.example.com"), ("atomic", "registry:5000"),
        ("containers-storage", "[overlay@/var/lib/containers/storage]"), ("containers-storage", "[/var/lib/containers/storage]"),
        ("containers-storage", "[overlay@/var/lib/containers/storage]docker.io/library/busybox:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ("containers-storage", "[overlay@/s]busybox@0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ("docker", "anything goes for containers/image"),
    ])
    func validScopes(_ transport: String, _ scope: String) {
        #expect(throws: Never.self) { try parsePolicy(policy(transport: transport, scopes: #""\#(scope)":[{"type":"reject"}],"":[{"type":"reject"}]"#)) }
    }

    @Test("the requirement's JSON path is recorded")
    func requirementPaths() throws {
        let document = try parsePolicy(#"{"default":[{"type":"reject"},{"type":"digestRequired"}],"transports":{"docker-daemon":{"":[{"type":"reject"}]}}}"#)
        #expect(document.defaultRequirements.map(\.path) == ["$.default[0]", "$.default[1]"])
        #expect(document.transports[0].scopes[0].requirements[0].path == #"$.transports["docker-daemon"][""][0]"#)
    }

    @Test("parsing is deterministic, and documents compare by content")
    func equality() throws {
        let first = try parsePolicy(UpstreamPolicies.manPageLockedDown)
        let second = try parsePolicy(UpstreamPolicies.manPageLockedDown)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != (try parsePolicy(UpstreamPolicies.manPageDisableSecurity)))
    }

    @Test("null is not an absent member")
    func nulls() {
        for json in [#"{"default":null}"#, #"{"default":[{"type":"reject"}],"transports":null}"#,
                     policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":null}"#),
                     policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","signedIdentity":null}"#)] {
            #expect(throws: PolicyError(code: .typeMismatch), "\(json)") { try parsePolicy(json) }
        }
    }

    @Test("errors are one line and name the path")
    func errorShape() throws {
        let error = try #require(throws: PolicyError.self) {
            try parsePolicy(policy(transport: "docker", scopes: #""quay.io/x":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k","bogus\nkey":1}]"#))
        }
        #expect(error.code == .unknownKey)
        #expect(error.description == #"$.transports.docker["quay.io/x"][0]["bogus\nkey"]: Unknown key "bogus\nkey""#)
        #expect(error == PolicyError(code: .unknownKey))
    }
}
