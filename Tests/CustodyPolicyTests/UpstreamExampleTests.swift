import CustodyOCI
import CustodyPolicy
import Testing

/// Every example policy of containers-policy.json(5) and containers/image's own fixtures parses,
/// into what the man page says it means.
@Suite("containers/image example policies")
struct UpstreamExampleTests {
    @Test("the locked-down example of the man page")
    func lockedDown() throws {
        let document = try parsePolicy(UpstreamPolicies.manPageLockedDown)
        #expect(document.defaultRequirements.map(\.kind) == [.reject])
        #expect(document.transports.map(\.transport) == ["docker", "dir", "atomic"])
        let docker = try #require(document.transports.first { $0.transport == "docker" })
        #expect(docker.scopes.count == 8)
        let fulcio = try #require(docker.scopes.first { $0.scope == "hostname:5000/myns/sigstore-signed-fulcio-rekor" }?.requirements.first)
        guard case .sigstoreSignedKeyless(let keyless, let identity) = fulcio.kind else {
            Issue.record("not keyless: \(fulcio.kind)")
            return
        }
        #expect(identity == .matchRepoDigestOrExact)
        #expect(keyless.kind == "fulcio")
        #expect(keyless.fulcio == SigstoreFulcioTrust(caCertificates: .paths(["/path/to/fulcio_v1.crt.pem"]), oidcIssuer: "https://github.com/login/oauth",
                                                      subjectEmail: "test-user@example.com"))
        #expect(keyless.rekorKeys == .paths(["/path/to/rekor.pub"]))
        #expect(fulcio.rekorKeys == .paths(["/path/to/rekor.pub"]))
        #expect(keyless.summary.contains("https://github.com/login/oauth"))

        let pki = try #require(docker.scopes.first { $0.scope == "hostname:5000/myns/sigstore-signed-byopki" }?.requirements.first)
        guard case .sigstoreSignedKeyless(let pkiSettings, _) = pki.kind else {
            Issue.record("not keyless: \(pki.kind)")
            return
        }
        #expect(pkiSettings.pki == SigstorePKITrust(caRoots: .paths(["/path/to/pki_root_crts.pem"]), caIntermediates: .paths(["/path/to/pki_intermediate_crts.pem"]),
                                                    subjectEmail: "test-user@example.com", subjectHostname: "test-user.example.com"))
        #expect(pkiSettings.rekorKeys == nil)

        let malicious = try #require(docker.scopes.first { $0.scope == "hostname:5000/myns/sigstore-signed-allows-malicious-tag-substitution" }?.requirements.first)
        #expect(malicious.kind == .sigstoreSigned(keys: .paths(["/path/to/sigstore-pubkey.pub"]), identity: .matchRepository))

        let atomic = try #require(document.transports.first { $0.transport == "atomic" })
        let vendor = try #require(atomic.scopes.first { $0.scope == "hostname:5000/vendor/product" }?.requirements)
        #expect(vendor.count == 2)
        #expect(vendor[0].kind == .signedBy(keys: .paths(["/path/to/vendor-pubkey.gpg"]),
                                            identity: .exactRepository(try ImageReference.parseNormalized("vendor-hostname/product/repository"))))
        #expect(vendor[1].kind == .signedBy(keys: .paths(["/path/to/reviewer-pubkey.gpg"]), identity: .matchRepoDigestOrExact))
        let mirror = try #require(atomic.scopes.first { $0.scope == "private-mirror:5000/vendor-mirror" }?.requirements.first)
        #expect(mirror.kind == .signedBy(keys: .paths(["/path/to/vendor-pubkey.gpg"]),
                                         identity: .remapIdentity(prefix: "private-mirror:5000/vendor-mirror", signedPrefix: "vendor.example.com")))
        #expect(mirror.path == #"$.transports.atomic["private-mirror:5000/vendor-mirror"][0]"#)
    }

    @Test("lint flags the man page's scope with a space, which can never match")
    func lockedDownLint() {
        let issues = lintPolicy(UpstreamPolicies.manPageLockedDown)
        #expect(errors(issues).isEmpty)
        #expect(warnings(issues).map(\.path) == [#"$.transports.docker["hostname:5000/myns/sigstore-signed-fulcio-rekor- allows-malicious-tag-substitution"]"#])
    }

    @Test("the disable-security example of the man page")
    func disableSecurity() throws {
        let document = try parsePolicy(UpstreamPolicies.manPageDisableSecurity)
        #expect(document.defaultRequirements.map(\.kind) == [.insecureAcceptAnything])
        #expect(document.transports.isEmpty)
        #expect(document.custody == CustodyPolicyOptions())
    }

    @Test("each complete requirement snippet of the man page, as a policy", arguments: UpstreamPolicies.manPageRequirementSnippets)
    func requirementSnippet(_ snippet: String) throws {
        let document = try parsePolicy(policy(default: snippet))
        #expect(document.defaultRequirements.count == 1)
    }

    @Test("each complete signedIdentity snippet of the man page, in a signedBy", arguments: UpstreamPolicies.manPageIdentitySnippets)
    func identitySnippet(_ snippet: String) throws {
        let document = try parsePolicy(policy(default: #"{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k.gpg","signedIdentity":"# + snippet + "}"))
        guard case .signedBy(_, let identity) = document.defaultRequirements[0].kind else {
            Issue.record("not signedBy")
            return
        }
        #expect([IdentityRule.matchExact, .matchRepoDigestOrExact, .matchRepository].contains(identity))
    }

    @Test("containers/image's fixture policy")
    func fixture() throws {
        let document = try parsePolicy(UpstreamPolicies.fixturePolicy)
        let docker = try #require(document.transports.first { $0.transport == "docker" }?.scopes)
        func requirements(_ scope: String) throws -> [PolicyRequirement] { try #require(docker.first { $0.scope == scope }?.requirements) }

        let hardened = try requirements("example.com/hardened")
        #expect(hardened.map(\.kind) == [
            .signedBy(keys: .paths(["/keys/employee-gpg-keyring"]), identity: .matchRepository),
            .signedByUnsupportedKeyType("signedByGPGKeys"),
            .signedBaseLayer,
        ])
        #expect(hardened[2].baseLayerIdentity == .exactRepository(try ImageReference.parseNormalized("registry.access.redhat.com/rhel7/rhel")))
        #expect(try requirements("example.com/hardened-x509").map(\.kind) == [
            .signedByUnsupportedKeyType("X509Certificates"), .signedByUnsupportedKeyType("signedByX509CAs"),
        ])
        #expect(try requirements("registry.redhat.io/beta").map(\.kind) == [
            .signedBy(keys: .paths(["/keys/RH-production-signing-key-gpg-keyring", "/keys/RH-beta-signing-key-gpg-keyring"]), identity: .matchRepoDigestOrExact),
        ])
        #expect(try requirements("example.com/sigstore/key-data-example").map(\.kind) == [
            .sigstoreSigned(keys: .data([Array("nonsense".utf8)]), identity: .matchRepoDigestOrExact),
        ])
        #expect(try requirements("bogus/signed-identity-example")[0].baseLayerIdentity
            == .exactReference(try ImageReference.parseNormalized("registry.access.redhat.com/rhel7/rhel:latest")))
        #expect(docker.map(\.scope).contains("*.access.redhat.com"))
    }

    @Test("lint explains the fixture's questionable parts")
    func fixtureLint() {
        let issues = lintPolicy(UpstreamPolicies.fixturePolicy)
        #expect(errors(issues).isEmpty)
        let messages = warnings(issues).map(\.description)
        // Two scopes whose first component is no registry host; two signedBaseLayer and eight signedBy
        // with a keyType other than GPGKeys, which never allow.
        #expect(messages.filter { $0.contains("can never match") }.count == 2, "\(messages)")
        #expect(messages.filter { $0.contains("never allows an image") }.count == 10, "\(messages)")
    }

    @Test("containers/image's default-policy.json")
    func defaultPolicy() throws {
        let document = try parsePolicy(UpstreamPolicies.defaultPolicy)
        #expect(document.defaultRequirements.map(\.kind) == [.insecureAcceptAnything])
        #expect(document.transports.map(\.transport) == ["docker-daemon"])
        #expect(document.transports[0].scopes.map(\.scope) == [""])
    }
}
