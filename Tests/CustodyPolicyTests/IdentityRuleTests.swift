import CustodyOCI
import CustodyPolicy
import Testing

private let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/// A reference from a constant of this file (all valid, so `try!` cannot fail).
private func ref(_ text: String) -> ImageReference {
    try! ImageReference.parseNormalized(text)
}

/// One row of containers-image.md §3.5: a rule, the signature's claimed identity, the image's own
/// reference (nil for `dir:`/`oci:`), and whether the signature is accepted.
struct IdentityRow: Sendable, CustomTestStringConvertible {
    let rule: IdentityRule
    let signed: String
    let intended: String?
    let matches: Bool

    init(_ rule: IdentityRule, _ signed: String, _ intended: String?, _ matches: Bool) {
        self.rule = rule
        self.signed = signed
        self.intended = intended
        self.matches = matches
    }

    var testDescription: String { "\(rule): \(signed) for \(intended ?? "no reference") → \(matches)" }
}

private let remap = IdentityRule.remapIdentity(prefix: "private-mirror:5000/vendor-mirror", signedPrefix: "vendor.example.com")

let identityRows: [IdentityRow] = [
    // matchExact: neither side name-only, normalised strings equal.
    .init(.matchExact, "docker.io/library/busybox:latest", "docker.io/library/busybox:latest", true),
    .init(.matchExact, "busybox:latest", "docker.io/library/busybox:latest", true),
    .init(.matchExact, "busybox:1.36", "docker.io/library/busybox:latest", false),
    .init(.matchExact, "busybox", "docker.io/library/busybox:latest", false),
    .init(.matchExact, "busybox:latest", "docker.io/library/busybox@\(digest)", false),
    .init(.matchExact, "busybox@\(digest)", "docker.io/library/busybox@\(digest)", true),
    .init(.matchExact, "busybox:latest", nil, false),
    .init(.matchExact, "Busybox:latest", "docker.io/library/busybox:latest", false),
    // matchRepoDigestOrExact (the default).
    .init(.matchRepoDigestOrExact, "docker.io/library/busybox:latest", "docker.io/library/busybox:latest", true),
    .init(.matchRepoDigestOrExact, "busybox:1.36", "docker.io/library/busybox:latest", false),
    .init(.matchRepoDigestOrExact, "busybox:1.36", "docker.io/library/busybox@\(digest)", true),
    .init(.matchRepoDigestOrExact, "busybox@\(digest)", "docker.io/library/busybox@\(digest)", true),
    .init(.matchRepoDigestOrExact, "alpine:1.36", "docker.io/library/busybox@\(digest)", false),
    .init(.matchRepoDigestOrExact, "busybox", "docker.io/library/busybox@\(digest)", false),
    .init(.matchRepoDigestOrExact, "busybox", "docker.io/library/busybox:latest", false),
    .init(.matchRepoDigestOrExact, "busybox:latest", "docker.io/library/busybox:latest@\(digest)", false),
    .init(.matchRepoDigestOrExact, "busybox:latest@\(digest)", "docker.io/library/busybox:latest@\(digest)", true),
    .init(.matchRepoDigestOrExact, "busybox:latest", nil, false),
    .init(.matchRepoDigestOrExact, "not a reference", "docker.io/library/busybox:latest", false),
    // matchRepository: repositories equal; the signature may be name-only (cosign).
    .init(.matchRepository, "docker.io/library/busybox", "docker.io/library/busybox:latest", true),
    .init(.matchRepository, "busybox:1.36", "docker.io/library/busybox:latest", true),
    .init(.matchRepository, "busybox@\(digest)", "docker.io/library/busybox:latest", true),
    .init(.matchRepository, "quay.io/library/busybox", "docker.io/library/busybox:latest", false),
    .init(.matchRepository, "busybox", nil, false),
    // exactReference: independent of the image; the signature needs a tag or digest.
    .init(.exactReference(ref("busybox:latest")), "docker.io/library/busybox:latest", nil, true),
    .init(.exactReference(ref("busybox:latest")), "busybox:latest", "quay.io/other/image:v9", true),
    .init(.exactReference(ref("busybox:latest")), "busybox:1.36", nil, false),
    .init(.exactReference(ref("busybox:latest")), "busybox", nil, false),
    .init(.exactReference(ref("busybox@\(digest)")), "busybox@\(digest)", nil, true),
    .init(.exactReference(ref("busybox@\(digest)")), "busybox:latest", "docker.io/library/busybox@\(digest)", false),
    // exactRepository: repositories equal, independent of the image.
    .init(.exactRepository(ref("busybox")), "busybox:1.36", nil, true),
    .init(.exactRepository(ref("busybox")), "docker.io/library/busybox", nil, true),
    .init(.exactRepository(ref("busybox")), "quay.io/busybox:1", nil, false),
    .init(.exactRepository(ref("vendor-hostname/product/repository")), "vendor-hostname/product/repository:1", "hostname:5000/vendor/product:1", true),
    // remapIdentity: the image's reference with the prefix replaced, then matchRepoDigestOrExact.
    .init(remap, "vendor.example.com/producta/image1:latest", "private-mirror:5000/vendor-mirror/producta/image1:latest", true),
    .init(remap, "private-mirror:5000/vendor-mirror/producta/image1:latest", "private-mirror:5000/vendor-mirror/producta/image1:latest", false),
    .init(remap, "vendor.example.com/producta/image1:v2", "private-mirror:5000/vendor-mirror/producta/image1:latest", false),
    .init(remap, "vendor.example.com/producta/image1:v2", "private-mirror:5000/vendor-mirror/producta/image1@\(digest)", true),
    .init(remap, "vendor.example.com/producta/image1", "private-mirror:5000/vendor-mirror/producta/image1@\(digest)", false),
    .init(remap, "other.example.com/x:1", "other.example.com/x:1", true),
    .init(remap, "private-mirror:5000/vendor-mirror2/x:1", "private-mirror:5000/vendor-mirror2/x:1", true),
    .init(remap, "vendor.example.com2/x:1", "private-mirror:5000/vendor-mirror2/x:1", false),
    .init(remap, "vendor.example.com/x:1", nil, false),
    .init(.remapIdentity(prefix: "quay.io/ns/app", signedPrefix: "example.com/app"), "example.com/app:1", "quay.io/ns/app:1", true),
    .init(.remapIdentity(prefix: "quay.io", signedPrefix: "docker.io"), "docker.io/ns/app:1", "quay.io/ns/app:1", true),
    // Remapped into a name that is not fully expanded (docker.io/busybox is docker.io/library/busybox): no match.
    .init(.remapIdentity(prefix: "quay.io/ns", signedPrefix: "docker.io"), "docker.io/busybox:1", "quay.io/ns/busybox:1", false),
    .init(.remapIdentity(prefix: "quay.io/ns", signedPrefix: "docker.io"), "docker.io/library/busybox:1", "quay.io/ns/busybox:1", false),
]

@Suite("Identity rules")
struct IdentityRuleTests {
    @Test("every row of the containers/image identity rules", arguments: identityRows)
    func row(_ row: IdentityRow) {
        let result = row.rule.evaluate(signedReference: row.signed, intended: row.intended.map(ref))
        #expect(result.isMatch == row.matches, "\(result)")
        if case .notMatched(let reason) = result {
            #expect(reason.hasPrefix("Signature for identity \"\(row.signed)\" is not accepted"), "\(reason)")
            #expect(!reason.contains("\n"))
        }
    }

    @Test("reasons say what was required")
    func reasons() {
        let busybox = ref("docker.io/library/busybox:latest")
        #expect(IdentityRule.matchExact.evaluate(signedReference: "busybox:1", intended: busybox).description
            == #"Signature for identity "busybox:1" is not accepted: matchExact requires docker.io/library/busybox:latest"#)
        #expect(IdentityRule.matchRepository.evaluate(signedReference: "busybox", intended: nil).description.contains("use exactReference or exactRepository"))
        #expect(IdentityRule.matchRepoDigestOrExact.evaluate(signedReference: "a b", intended: busybox).description.contains("not a valid reference"))
        #expect(remap.evaluate(signedReference: "x.example.com/p:1", intended: ref("private-mirror:5000/vendor-mirror/p:1")).description
            .contains("remapped to vendor.example.com/p:1"))
        #expect(IdentityMatch.matched.description == "matched")
    }

    @Test("a signature identity is escaped in the reason")
    func escaped() {
        let result = IdentityRule.matchExact.evaluate(signedReference: "a\"\nb", intended: nil)
        #expect(result.description.hasPrefix(#"Signature for identity "a\"\nb" is not accepted"#))
    }
}
