import CustodyPolicy
import CustodyTestSupport
import Foundation
import Testing

/// Loads `json` as skopeo's trust policy (`skopeo copy --policy FILE` from a missing `dir:`
/// image, so nothing is copied): nil when skopeo loaded the policy, else its error message.
private func skopeoPolicyError(_ json: String) throws -> String? {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let policyPath = try directory.write(json, to: "policy.json")
    let result = try runProcess("skopeo", ["copy", "--policy", policyPath, "dir:\(directory.file("missing"))", "dir:\(directory.file("out"))"])
    #expect(result.status != 0, "skopeo copied from a missing image")
    let stderr = result.stderrText
    if stderr.contains("Error loading trust policy") { return stderr }
    #expect(stderr.contains(directory.file("missing")), "skopeo failed for another reason: \(stderr)")
    return nil
}

/// Custody's parser against skopeo 1.9.3 (containers/image 5.23.1), the peer tool: the same
/// verdict on every invalid policy of the table (except where Custody is documented to be
/// stricter, or the option is newer than skopeo), the same acceptance of stock policies, and a
/// loud refusal of Custody's extensions by the stock tool.
@Suite("policy.json against skopeo 1.9.3", .enabled(if: PeerTool.availableOrCI("skopeo")))
struct SkopeoPolicyInteropTests {
    @Test("skopeo refuses what Custody refuses, with the same message", arguments: invalidPolicyCases)
    func sameVerdict(_ testCase: InvalidPolicyCase) throws {
        let message = try skopeoPolicyError(testCase.json)
        switch testCase.skopeo {
        case .rejects(let fragment):
            let message = try #require(message, "skopeo accepted the policy")
            #expect(message.contains(fragment), "\(message)")
        case .accepts:
            #expect(message == nil, "skopeo refused a policy Custody is documented to be stricter about: \(message ?? "")")
        case .notComparable:
            break
        }
    }

    @Test("skopeo and Custody both load the upstream examples skopeo 1.9.3 knows")
    func upstreamExamples() throws {
        for json in [UpstreamPolicies.fixturePolicy, UpstreamPolicies.defaultPolicy, UpstreamPolicies.manPageDisableSecurity] {
            #expect(throws: Never.self) { try parsePolicy(json) }
            #expect(try skopeoPolicyError(json) == nil)
        }
    }

    @Test("skopeo loads Custody-valid stock policies with relative paths, wildcards and every identity rule")
    func stockPolicies() throws {
        let json = #"""
            {
              "default": [{"type": "reject"}],
              "transports": {
                "docker": {
                  "*.example.com": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "keys/a.gpg", "signedIdentity": {"type": "matchExact"}}],
                  "quay.io/team": [{"type": "sigstoreSigned", "keyData": "YQ==", "signedIdentity": {"type": "matchRepository"}}],
                  "quay.io/team/app:v1": [{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": ["/a.gpg", "/b.gpg"],
                                           "signedIdentity": {"type": "exactReference", "dockerReference": "busybox:latest"}}],
                  "localhost:5000": [{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YQ==",
                                      "signedIdentity": {"type": "remapIdentity", "prefix": "localhost:5000", "signedPrefix": "docker.io/library"}}],
                  "": [{"type": "signedBaseLayer", "baseLayerIdentity": {"type": "exactRepository", "dockerRepository": "busybox"}}]
                },
                "dir": {"/srv/images": [{"type": "insecureAcceptAnything"}], "": [{"type": "reject"}]},
                "oci": {"/srv/layouts/app": [{"type": "insecureAcceptAnything"}]},
                "atomic": {"registry:5000/ns/stream:tag": [{"type": "reject"}]},
                "containers-storage": {"[overlay@/var/lib/containers/storage]docker.io/library/busybox": [{"type": "reject"}]},
                "bogus-transport": {"anything at all": [{"type": "reject"}]}
              }
            }
            """#
        #expect(errors(lintPolicy(json)).isEmpty)
        #expect(try skopeoPolicyError(json) == nil)
    }

    @Test("the stock tool refuses each Custody extension loudly", arguments: [
        (#"{"default":[{"type":"reject"}],"custody":{"indexSignaturesCoverInstances":true}}"#, #"Unknown key \"custody\""#),
        (#"{"default":[{"type":"reject","description":"no"}]}"#, #"Unknown key \"description\""#),
        (#"{"default":[{"type":"digestRequired"}]}"#, #"Unknown policy requirement type \"digestRequired\""#),
        (#"{"default":[{"type":"threshold","threshold":1,"signers":{"gpg":{"keyPath":"/k"}}}]}"#, #"Unknown policy requirement type \"threshold\""#),
        (#"{"default":[{"type":"roles","roles":[{"name":"qa","threshold":1,"signers":{"gpg":{"keyPath":"/k"}}}]}]}"#, #"Unknown policy requirement type \"roles\""#),
        (#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"/k"},{"type":"freshness","maxAge":"24h"}]}"#, #"Unknown policy requirement type \"freshness\""#),
    ])
    func extensionsRefused(_ json: String, _ fragment: String) throws {
        #expect(throws: Never.self) { try parsePolicy(json) }
        let message = try #require(try skopeoPolicyError(json))
        #expect(message.contains(fragment), "\(message)")
    }
}
