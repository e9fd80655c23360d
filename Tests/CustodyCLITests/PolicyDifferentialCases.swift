import Foundation
import Testing

// The cases of the policy differential suite (PolicyDifferentialTests.swift). Every case runs
// through skopeo 1.9.3 (the reference) and `custody verify --policy`; both must reach the decision
// the case states. See PolicyDifferentialTests.swift for the commands and the environment.
//
// Strings may hold tokens, replaced when a case runs:
//   {host}    the registry, 127.0.0.1:PORT         {port}   its port
//   {app}     digest of the single-platform image  {multi}  digest of the index
//   {amd64}   digest of the index's linux/amd64 instance; {arm64} of linux/arm64/v8
//   {image}   a dir: or oci: case's image directory (symbolic links resolved); {parent} the case's
//             directory (the image's parent); {cases} the directory holding every case's directory
//
// Images in the registry (pushed once per suite run from Samples/hello):
//   {host}/ns1/multi:v1        the index (two platforms)
//   {host}/ns1/app:v1          its linux/amd64 instance alone ({app} == {amd64})
//   {host}/ns1/sub/deep:v1     the same single image, one namespace deeper
// Every case has its own lookaside directory and registries.d, so signatures never leak between
// cases. dir: and oci: cases use a private copy of the image.

/// The keys of a suite run: OpenPGP keys made by `custody key generate`, and one made by GnuPG.
enum TestKey: String, Sendable, CaseIterable {
    /// ed25519, trusted by most policies.
    case a
    /// rsa3072, trusted where a policy names it.
    case b
    /// ed25519, never trusted by any policy.
    case untrusted
}

/// The image a case verifies.
enum Subject: Sendable {
    /// `docker://REFERENCE` (a single-platform manifest).
    case docker(String)
    /// `docker://REFERENCE` of an index: skopeo copies it with `--all`, so every instance is checked.
    case dockerIndex(String)
    /// A private `dir:` copy of the single-platform image.
    case directory
    /// A private `dir:` copy of the index (copied by skopeo with `--all`).
    case directoryIndex
    /// A private `dir:` copy of the single-platform image, named through a symbolic link
    /// `{parent}/link` → `{image}`.
    case directoryLink
    /// `oci:{image}:latest`, a private copy of Samples/hello (an index; copied with `--all`). OCI
    /// layouts hold no signatures.
    case ociLayout
}

/// What a case does to its signatures before both tools look at the image.
enum Step: Sendable {
    /// `custody sign` with the key. docker: `custody sign docker://IMAGE` (IMAGE = `image`, else the
    /// subject) through the case's registries.d, naming `identity` if given (else the image's own
    /// reference); an index gets signatures for the index and each instance. dir: the case's
    /// image, naming `identity` (required).
    case sign(TestKey, identity: String? = nil, image: String? = nil)
    /// `skopeo standalone-sign` with the GnuPG key over the manifest with digest `manifest` (else
    /// the subject's root manifest), stored as a signature of the subject's root manifest.
    case gnupgSign(identity: String, manifest: String? = nil)
    /// Deletes every signature of the manifest with this digest.
    case unsign(String)
    /// Flips the last byte of signature-N of the subject's root manifest.
    case corrupt(Int)
    /// Deletes signature-N of the subject's root manifest, leaving a gap in the numbering.
    case remove(Int)
}

/// Where a `signedBy` requirement gets its keys.
enum KeySpec: Sendable {
    /// `keyPath`: the key's armored public key file (absolute path).
    case path(TestKey)
    /// `keyPaths`: several armored files.
    case paths([TestKey])
    /// `keyData`: base64 of the armored public key file.
    case armoredData(TestKey)
    /// `keyData`: base64 of the binary (dearmored) public key.
    case binaryData(TestKey)
    /// `keyPath`: one binary keyring file holding the keys, concatenated.
    case keyring([TestKey])
    /// `keyPath`: one file holding the keys' armored blocks, concatenated.
    case armoredKeyring([TestKey])
    /// `keyData`: base64 of the keys' binary forms, concatenated.
    case keyringData([TestKey])
    /// `keyPath`: the GnuPG-made key, as exported by gpg.
    case gnupg
    /// `keyPath`: a file that does not exist.
    case missingFile
    /// `keyPaths`: a file that does not exist, then the key's file.
    case missingFileAnd(TestKey)
    /// `keyPath`: a text file that is not an OpenPGP key.
    case garbageFile
    /// `keyPaths`: a text file that is not an OpenPGP key, then the key's file.
    case garbageFileAnd(TestKey)
}

/// `signedIdentity`.
enum IdentitySpec: Sendable {
    case matchExact
    case matchRepoDigestOrExact
    case matchRepository
    case exactReference(String)
    case exactRepository(String)
    case remapIdentity(prefix: String, signedPrefix: String)
}

/// One policy requirement.
enum Requirement: Sendable {
    case insecureAcceptAnything
    case reject
    /// `signedBy` with `keyType: GPGKeys`; no `signedIdentity` member when `identity` is nil.
    case signedBy(KeySpec, identity: IdentitySpec? = nil)
    /// `signedBy` with another `keyType` (containers/image parses some it cannot evaluate).
    case signedByKeyType(String, TestKey)
    /// `signedBaseLayer` (parsed by containers/image, never satisfied).
    case signedBaseLayer
    /// `sigstoreSigned` with the suite's PEM (ECDSA P-256) public key.
    case sigstoreSigned

    /// `signedBy` with key A's file.
    static func signedByA(_ identity: IdentitySpec? = nil) -> Requirement { .signedBy(.path(.a), identity: identity) }
}

/// A policy.json: `default` plus transports → scopes → requirements.
struct PolicySpec: Sendable {
    var defaultRequirements: [Requirement]
    var transports: [String: [String: [Requirement]]]

    init(default defaultRequirements: [Requirement] = [.reject], transports: [String: [String: [Requirement]]] = [:]) {
        self.defaultRequirements = defaultRequirements
        self.transports = transports
    }

    /// Scopes of the `docker` transport only.
    static func docker(_ scopes: [String: [Requirement]], default defaultRequirements: [Requirement] = [.reject]) -> PolicySpec {
        PolicySpec(default: defaultRequirements, transports: ["docker": scopes])
    }

    /// Scopes of the `dir` transport only.
    static func dir(_ scopes: [String: [Requirement]], default defaultRequirements: [Requirement] = [.reject]) -> PolicySpec {
        PolicySpec(default: defaultRequirements, transports: ["dir": scopes])
    }
}

/// The scope custody's decision record (`--output json`) must report as the one that applied.
enum ExpectedScope: Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// A scope of the image's own transport (`""` for the transport's default); tokens allowed.
    case scope(String)
    /// The top-level `default`.
    case globalDefault

    init(stringLiteral value: String) { self = .scope(value) }

    var description: String {
        switch self {
        case .scope(let scope): "\"\(scope)\""
        case .globalDefault: "default"
        }
    }
}

/// The decision both tools must reach.
enum ExpectedDecision: Sendable {
    case allowed
    /// Denied; skopeo's error must contain the text (it shows the denial has the intended cause).
    case denied(because: String)
    /// Denied; skopeo's error must contain one of the texts (its wording depends on the bytes).
    case deniedOneOf([String])
    /// Not allowed, and Custody may call it "could not evaluate" (exit 2) instead of "denied"
    /// (exit 1): skopeo fails either way. Used where the policy itself is unusable (a missing key file).
    case notAllowed(because: String)
}

struct PolicyDifferentialCase: Sendable, CustomTestStringConvertible {
    let name: String
    let subject: Subject
    let steps: [Step]
    let policy: PolicySpec
    let expected: ExpectedDecision
    /// The scope custody's `--output json` decision must name, when checked.
    let scope: ExpectedScope?

    init(
        _ name: String, _ subject: Subject = .docker(appV1), steps: [Step] = [.sign(.a)], policy: PolicySpec,
        _ expected: ExpectedDecision, scope: ExpectedScope? = nil
    ) {
        self.name = name
        self.subject = subject
        self.steps = steps
        self.policy = policy
        self.expected = expected
        self.scope = scope
    }

    var testDescription: String { name }
}

private let appV1 = "{host}/ns1/app:v1"
private let appByDigest = "{host}/ns1/app@{app}"
private let multiV1 = "{host}/ns1/multi:v1"
private let busybox = "docker.io/library/busybox:latest"

private let rejectedByPolicy = "is rejected by policy"
private let noSignature = "A signature was required, but no signature exists"
private let notAccepted = "is not accepted"
private let invalidSignature = "Invalid GPG signature"
private let noneAccepted = "None of the signatures were accepted"

extension PolicyDifferentialCase {
    static let all: [PolicyDifferentialCase] =
        scopes + precedence + identities + keySources + combinations + signatureSets + indexes + directories
        + ociLayouts

    // MARK: docker scopes (containers-image.md §3.3)

    static let scopes: [PolicyDifferentialCase] = [
        .init("scope: exact reference HOST/ns1/app:v1",
              policy: .docker(["{host}/ns1/app:v1": [.signedByA()]]), .allowed, scope: "{host}/ns1/app:v1"),
        .init("scope: repository HOST/ns1/app",
              policy: .docker(["{host}/ns1/app": [.signedByA()]]), .allowed, scope: "{host}/ns1/app"),
        .init("scope: namespace HOST/ns1",
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed, scope: "{host}/ns1"),
        .init("scope: host:port HOST",
              policy: .docker(["{host}": [.signedByA()]]), .allowed, scope: "{host}"),
        .init("scope: HOST/ns1/sub covers HOST/ns1/sub/deep:v1",
              .docker("{host}/ns1/sub/deep:v1"),
              policy: .docker(["{host}/ns1/sub": [.signedByA()], "{host}/ns1": [.reject]]), .allowed, scope: "{host}/ns1/sub"),
        .init("scope: the host without its port (127.0.0.1) does not match 127.0.0.1:PORT",
              steps: [], policy: .docker(["127.0.0.1": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: another tag's exact reference does not match",
              steps: [], policy: .docker(["{host}/ns1/app:v2": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: another namespace does not match",
              steps: [], policy: .docker(["{host}/ns2": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: a string prefix that is not a whole path component does not match",
              steps: [],
              policy: .docker(["{host}/ns": [.insecureAcceptAnything], "{host}/ns1/ap": [.insecureAcceptAnything]]),
              .denied(because: rejectedByPolicy)),
        .init("scope: wildcard *.0.0.1 matches the host 127.0.0.1 (port dropped)",
              policy: .docker(["*.0.0.1": [.signedByA()]]), .allowed, scope: "*.0.0.1"),
        .init("scope: wildcard *.1, the broadest label, matches",
              policy: .docker(["*.1": [.signedByA()]]), .allowed, scope: "*.1"),
        .init("scope: a wildcard with a port never matches",
              steps: [], policy: .docker(["*.0.0.1:{port}": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: wildcard *.127.0.0.1 does not match 127.0.0.1 itself",
              steps: [], policy: .docker(["*.127.0.0.1": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: the docker transport's default \"\"",
              policy: .docker(["": [.signedByA()]]), .allowed, scope: ""),
        .init("scope: only the global default",
              policy: PolicySpec(default: [.signedByA()]), .allowed, scope: .globalDefault),
        .init("scope: digest reference matches a scope naming that digest",
              .docker(appByDigest), steps: [.sign(.a, image: appV1)],
              policy: .docker(["{host}/ns1/app@{app}": [.signedByA()]]), .allowed, scope: "{host}/ns1/app@{app}"),
        .init("scope: digest reference does not match the tag's scope",
              .docker(appByDigest), steps: [],
              policy: .docker(["{host}/ns1/app:v1": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: digest reference matches the repository scope",
              .docker(appByDigest), steps: [.sign(.a, image: appV1)],
              policy: .docker(["{host}/ns1/app": [.signedByA()]]), .allowed, scope: "{host}/ns1/app"),
        .init("scope: unknown transport name is accepted, and the image falls to the global default",
              steps: [],
              policy: PolicySpec(default: [.reject], transports: ["bogus": ["": [.insecureAcceptAnything]]]),
              .denied(because: rejectedByPolicy), scope: .globalDefault),
        .init("scope: other transports' scopes never apply to docker images",
              steps: [],
              policy: PolicySpec(default: [.reject], transports: [
                  "atomic": ["{host}/ns1/app:v1": [.insecureAcceptAnything]],
                  "dir": ["": [.insecureAcceptAnything]],
              ]),
              .denied(because: rejectedByPolicy)),
        .init("scope: a scope with a trailing slash never matches (docker scopes are not validated)",
              policy: .docker(["{host}/ns1/": [.reject]], default: [.signedByA()]), .allowed, scope: .globalDefault),
        .init("scope: scopes compare case-sensitively",
              steps: [], policy: .docker(["{host}/NS1": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("scope: an empty docker section falls to the global default",
              policy: PolicySpec(default: [.signedByA()], transports: ["docker": [:]]), .allowed, scope: .globalDefault),
        .init("scope: docker scopes that do not match fall to the global default, not to a rejection",
              policy: .docker(["{host}/ns2": [.reject]], default: [.signedByA()]), .allowed, scope: .globalDefault),
    ]

    // MARK: precedence between matching docker scopes

    static let precedence: [PolicyDifferentialCase] = [
        .init("precedence: a reject on the exact reference beats an accept on the namespace",
              policy: .docker(["{host}/ns1/app:v1": [.reject], "{host}/ns1": [.insecureAcceptAnything]]),
              .denied(because: rejectedByPolicy), scope: "{host}/ns1/app:v1"),
        .init("precedence: the repository beats a rejecting namespace",
              policy: .docker(["{host}/ns1/app": [.signedByA()], "{host}/ns1": [.reject]]), .allowed),
        .init("precedence: a rejecting namespace beats an accepting host:port",
              policy: .docker(["{host}/ns1": [.reject], "{host}": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("precedence: host:port beats a rejecting wildcard",
              policy: .docker(["{host}": [.signedByA()], "*.0.0.1": [.reject]]), .allowed, scope: "{host}"),
        .init("precedence: the narrower wildcard beats the broader one",
              policy: .docker(["*.0.0.1": [.reject], "*.1": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("precedence: a wildcard beats the transport default \"\"",
              policy: .docker(["*.0.1": [.signedByA()], "": [.reject]]), .allowed),
        .init("precedence: the transport default \"\" beats the global default",
              policy: .docker(["": [.reject]], default: [.insecureAcceptAnything]), .denied(because: rejectedByPolicy), scope: ""),
    ]

    // MARK: signedIdentity (containers-image.md §3.5)

    static let identities: [PolicyDifferentialCase] = [
        .init("identity: default rule, signature for another tag",
              steps: [.sign(.a, identity: "{host}/ns1/app:v2")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: notAccepted)),
        .init("identity: explicit matchRepoDigestOrExact, own tag",
              policy: .docker(["{host}/ns1": [.signedByA(.matchRepoDigestOrExact)]]), .allowed),
        .init("identity: matchRepoDigestOrExact, pulled by tag, signature names the digest",
              steps: [.sign(.a, image: appByDigest)],
              policy: .docker(["{host}/ns1": [.signedByA(.matchRepoDigestOrExact)]]), .denied(because: notAccepted)),
        .init("identity: default rule, pulled by digest, signature for the tag",
              .docker(appByDigest), steps: [.sign(.a, image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("identity: default rule, pulled by digest, signature for another repository",
              .docker(appByDigest), steps: [.sign(.a, identity: "{host}/ns2/other:v1", image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: notAccepted)),
        .init("identity: default rule, signature names the repository only",
              steps: [.sign(.a, identity: "{host}/ns1/app")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: notAccepted)),
        .init("identity: matchExact, own tag",
              policy: .docker(["{host}/ns1": [.signedByA(.matchExact)]]), .allowed),
        .init("identity: matchExact, pulled by digest, signature for the tag",
              .docker(appByDigest), steps: [.sign(.a, image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA(.matchExact)]]), .denied(because: notAccepted)),
        .init("identity: matchExact, pulled by digest, signature for the digest",
              .docker(appByDigest), steps: [.sign(.a, image: appByDigest)],
              policy: .docker(["{host}/ns1": [.signedByA(.matchExact)]]), .allowed),
        .init("identity: default rule, pulled by digest, signature names another digest of the repository",
              .docker(appByDigest), steps: [.sign(.a, identity: "{host}/ns1/app@{arm64}", image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("identity: matchExact, pulled by digest, signature names another digest",
              .docker(appByDigest), steps: [.sign(.a, identity: "{host}/ns1/app@{arm64}", image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA(.matchExact)]]), .denied(because: notAccepted)),
        .init("identity: matchExact, signature names the repository only",
              steps: [.sign(.a, identity: "{host}/ns1/app")],
              policy: .docker(["{host}/ns1": [.signedByA(.matchExact)]]), .denied(because: notAccepted)),
        .init("identity: matchRepository, signature for another tag",
              steps: [.sign(.a, identity: "{host}/ns1/app:v2")],
              policy: .docker(["{host}/ns1": [.signedByA(.matchRepository)]]), .allowed),
        .init("identity: matchRepository, signature names the repository only",
              steps: [.sign(.a, identity: "{host}/ns1/app")],
              policy: .docker(["{host}/ns1": [.signedByA(.matchRepository)]]), .allowed),
        .init("identity: matchRepository, signature for another repository",
              steps: [.sign(.a, identity: "{host}/ns2/app:v1")],
              policy: .docker(["{host}/ns1": [.signedByA(.matchRepository)]]), .denied(because: notAccepted)),
        .init("identity: exactReference elsewhere, signature for it",
              steps: [.sign(.a, identity: "registry.example.com/prod/app:1.0")],
              policy: .docker(["{host}/ns1": [.signedByA(.exactReference("registry.example.com/prod/app:1.0"))]]), .allowed),
        .init("identity: exactReference elsewhere, signature for the image's own reference",
              policy: .docker(["{host}/ns1": [.signedByA(.exactReference("registry.example.com/prod/app:1.0"))]]),
              .denied(because: notAccepted)),
        .init("identity: exactReference by digest, pulled by tag, signature for that digest",
              steps: [.sign(.a, image: appByDigest)],
              policy: .docker(["{host}/ns1": [.signedByA(.exactReference("{host}/ns1/app@{app}"))]]), .allowed),
        .init("identity: exactReference busybox:latest matches docker.io/library/busybox:latest",
              steps: [.sign(.a, identity: busybox)],
              policy: .docker(["{host}/ns1": [.signedByA(.exactReference("busybox:latest"))]]), .allowed),
        .init("identity: exactRepository, signature for any tag of it",
              steps: [.sign(.a, identity: "registry.example.com/prod/app:anything")],
              policy: .docker(["{host}/ns1": [.signedByA(.exactRepository("registry.example.com/prod/app"))]]), .allowed),
        .init("identity: exactRepository, signature for another repository",
              steps: [.sign(.a, identity: "registry.example.com/prod/other:1.0")],
              policy: .docker(["{host}/ns1": [.signedByA(.exactRepository("registry.example.com/prod/app"))]]),
              .denied(because: notAccepted)),
        .init("identity: remapIdentity of a namespace prefix",
              steps: [.sign(.a, identity: "mirror.example.com/team/app:v1")],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns1", signedPrefix: "mirror.example.com/team"))]]),
              .allowed),
        .init("identity: remapIdentity of the host:port",
              steps: [.sign(.a, identity: "mirror.example.com/ns1/app:v1")],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}", signedPrefix: "mirror.example.com"))]]),
              .allowed),
        .init("identity: remapIdentity, remapped reference with another tag",
              steps: [.sign(.a, identity: "mirror.example.com/team/app:v2")],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns1", signedPrefix: "mirror.example.com/team"))]]),
              .denied(because: notAccepted)),
        .init("identity: remapIdentity whose prefix does not apply keeps the image's own reference",
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns2", signedPrefix: "mirror.example.com/team"))]]),
              .allowed),
        .init("identity: remapIdentity whose prefix does not apply, signature for the mirror",
              steps: [.sign(.a, identity: "mirror.example.com/team/app:v1")],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns2", signedPrefix: "mirror.example.com/team"))]]),
              .denied(because: notAccepted)),
        .init("identity: remapIdentity prefix must end at a path component",
              steps: [.sign(.a, identity: "mirror.example.com/team1/app:v1")],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns", signedPrefix: "mirror.example.com/team"))]]),
              .denied(because: notAccepted)),
        .init("identity: remapIdentity, pulled by digest, signature for a mirror tag",
              .docker(appByDigest), steps: [.sign(.a, identity: "mirror.example.com/team/app:v1", image: appV1)],
              policy: .docker(["{host}/ns1": [.signedByA(.remapIdentity(prefix: "{host}/ns1", signedPrefix: "mirror.example.com/team"))]]),
              .allowed),
    ]

    // MARK: key sources

    static let keySources: [PolicyDifferentialCase] = [
        .init("keys: keyPaths [A, B], signature by B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.paths([.a, .b]))]]), .allowed),
        .init("keys: keyPaths [A, B], signature by an untrusted key",
              steps: [.sign(.untrusted)], policy: .docker(["{host}/ns1": [.signedBy(.paths([.a, .b]))]]),
              .denied(because: invalidSignature)),
        .init("keys: keyPath of the rsa3072 key B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.path(.b))]]), .allowed),
        .init("keys: keyData, base64 of the armored key",
              policy: .docker(["{host}/ns1": [.signedBy(.armoredData(.a))]]), .allowed),
        .init("keys: keyData, base64 of the binary key",
              policy: .docker(["{host}/ns1": [.signedBy(.binaryData(.a))]]), .allowed),
        .init("keys: keyData of A, signature by B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.armoredData(.a))]]),
              .denied(because: invalidSignature)),
        .init("keys: keyPath of a binary keyring with A and B, signature by B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.keyring([.a, .b]))]]), .allowed),
        .init("keys: keyPath of one file with two armored keys, signature by B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.armoredKeyring([.a, .b]))]]), .allowed),
        .init("keys: keyData of a binary keyring with A and B, signature by B",
              steps: [.sign(.b)], policy: .docker(["{host}/ns1": [.signedBy(.keyringData([.a, .b]))]]), .allowed),
        .init("keys: keyPaths, a file that is not a key and A",
              policy: .docker(["{host}/ns1": [.signedBy(.garbageFileAnd(.a))]]), .allowed),
        .init("keys: keyPath of a file that is not a key",
              policy: .docker(["{host}/ns1": [.signedBy(.garbageFile)]]), .notAllowed(because: "No public keys imported")),
        .init("keys: keyPaths, a missing file and A",
              policy: .docker(["{host}/ns1": [.signedBy(.missingFileAnd(.a))]]), .notAllowed(because: "no such file or directory")),
        .init("keys: keyPath of a GnuPG-exported key, signature made by skopeo with GnuPG",
              steps: [.gnupgSign(identity: appV1)], policy: .docker(["{host}/ns1": [.signedBy(.gnupg)]]), .allowed),
        .init("keys: keyPath of a missing file",
              policy: .docker(["{host}/ns1": [.signedBy(.missingFile)]]), .notAllowed(because: "no such file or directory")),
    ]

    // MARK: requirement combinations (containers-image.md §3.6)

    static let combinations: [PolicyDifferentialCase] = [
        .init("requirements: signedBy A AND signedBy B, both signed",
              steps: [.sign(.a), .sign(.b)],
              policy: .docker(["{host}/ns1": [.signedBy(.path(.a)), .signedBy(.path(.b))]]), .allowed),
        .init("requirements: signedBy A AND signedBy B, only A signed",
              policy: .docker(["{host}/ns1": [.signedBy(.path(.a)), .signedBy(.path(.b))]]),
              .denied(because: invalidSignature)),
        .init("requirements: insecureAcceptAnything plus signedBy, unsigned",
              steps: [], policy: .docker(["{host}/ns1": [.insecureAcceptAnything, .signedByA()]]), .denied(because: noSignature)),
        .init("requirements: insecureAcceptAnything plus signedBy, signed",
              policy: .docker(["{host}/ns1": [.insecureAcceptAnything, .signedByA()]]), .allowed),
        .init("requirements: signedBy plus reject, signed",
              policy: .docker(["{host}/ns1": [.signedByA(), .reject]]), .denied(because: rejectedByPolicy)),
        .init("requirements: signedBy with no signatures",
              steps: [], policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: noSignature)),
        .init("requirements: signedBy with keyType signedByGPGKeys is parsed but never satisfied",
              policy: .docker(["{host}/ns1": [.signedByKeyType("signedByGPGKeys", .a)]]),
              // skopeo's log line escapes the quotes.
              .denied(because: #"Unimplemented \"keyType\" value \"signedByGPGKeys\""#)),
        .init("requirements: signedBaseLayer is parsed but never satisfied",
              policy: .docker(["{host}/ns1": [.signedBaseLayer]]), .denied(because: "signedBaseLayer not implemented yet!")),
        .init("requirements: sigstoreSigned is not satisfied by simple signatures",
              policy: .docker(["{host}/ns1": [.sigstoreSigned]]), .denied(because: "(1 non-sigstore signatures")),
        .init("requirements: insecureAcceptAnything plus reject",
              steps: [], policy: .docker(["{host}/ns1": [.insecureAcceptAnything, .reject]]), .denied(because: rejectedByPolicy)),
        .init("requirements: signedBy A, signature by an untrusted key",
              steps: [.sign(.untrusted)], policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: invalidSignature)),
    ]

    // MARK: several signatures on one manifest

    static let signatureSets: [PolicyDifferentialCase] = [
        .init("signatures: untrusted first, then a good one",
              steps: [.sign(.untrusted), .sign(.a)], policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("signatures: one for another tag, then a good one",
              steps: [.sign(.a, identity: "{host}/ns1/app:v2"), .sign(.a)], policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("signatures: two bad ones (untrusted key, another tag)",
              steps: [.sign(.untrusted), .sign(.a, identity: "{host}/ns1/app:v2")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: noneAccepted)),
        .init("signatures: a signature for another manifest's digest",
              steps: [.gnupgSign(identity: appV1, manifest: "{arm64}")],
              policy: .docker(["{host}/ns1": [.signedBy(.gnupg)]]), .denied(because: "does not match")),
        .init("signatures: a good one and a corrupted one",
              steps: [.sign(.a), .sign(.a), .corrupt(2)], policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("signatures: a gap at signature-1 hides signature-2",
              steps: [.sign(.untrusted), .sign(.a), .remove(1)], policy: .docker(["{host}/ns1": [.signedByA()]]),
              .denied(because: noSignature)),
        .init("signatures: only a corrupted one",
              steps: [.sign(.a), .corrupt(1)], policy: .docker(["{host}/ns1": [.signedByA()]]),
              // A byte in the middle of the compressed packet: gpgme reports a broken stream, an
              // empty verification or a bad signature, depending on the bytes.
              .deniedOneOf(["Unexpected GPG signature count 0", "No data", "Invalid GPG signature"])),
    ]

    // MARK: index images (containers-image.md §5.2): each instance needs its own signature

    static let indexes: [PolicyDifferentialCase] = [
        .init("index: the index and every instance signed",
              .dockerIndex(multiV1), policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("index: only the index signed",
              .dockerIndex(multiV1), steps: [.sign(.a), .unsign("{amd64}"), .unsign("{arm64}")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: noSignature)),
        .init("index: only the instances signed",
              .dockerIndex(multiV1), steps: [.sign(.a), .unsign("{multi}")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("index: one instance unsigned",
              .dockerIndex(multiV1), steps: [.sign(.a), .unsign("{arm64}")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: noSignature)),
        .init("index: one instance signed by an untrusted key only",
              .dockerIndex(multiV1), steps: [.sign(.a), .unsign("{arm64}"), .sign(.untrusted)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: invalidSignature)),
        .init("index: instances signed for another tag",
              .dockerIndex(multiV1), steps: [.sign(.a, identity: "{host}/ns1/multi:v2")],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .denied(because: notAccepted)),
        .init("index: an exact-reference scope applies to every instance",
              .dockerIndex(multiV1), policy: .docker(["{host}/ns1/multi:v1": [.signedByA()]]), .allowed,
              scope: "{host}/ns1/multi:v1"),
        .init("index: pulled by the index digest, signed for the tag",
              .dockerIndex("{host}/ns1/multi@{multi}"), steps: [.sign(.a, image: multiV1)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("index: one instance pulled by digest, signed for the tag",
              .docker("{host}/ns1/multi@{amd64}"), steps: [.sign(.a, image: multiV1)],
              policy: .docker(["{host}/ns1": [.signedByA()]]), .allowed),
        .init("index: one instance pulled by digest is not in the tag's scope",
              .docker("{host}/ns1/multi@{amd64}"), steps: [.sign(.a, image: multiV1)],
              policy: .docker(["{host}/ns1/multi:v1": [.signedByA()]]), .denied(because: rejectedByPolicy)),
    ]

    // MARK: dir: images (no Docker identity; scopes are absolute paths and their parents)

    static let directories: [PolicyDifferentialCase] = [
        .init("dir: transport default \"\", exactReference",
              .directory, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["": [.signedByA(.exactReference(busybox))]]), .allowed, scope: ""),
        .init("dir: exactReference for another tag",
              .directory, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["": [.signedByA(.exactReference("busybox:v2"))]]), .denied(because: notAccepted)),
        .init("dir: the default identity rule never matches (no Docker identity)",
              .directory, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["": [.signedByA()]]), .denied(because: notAccepted)),
        .init("dir: matchRepository never matches (no Docker identity)",
              .directory, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["": [.signedByA(.matchRepository)]]), .denied(because: notAccepted)),
        .init("dir: exactRepository busybox, signature for busybox:v9",
              .directory, steps: [.sign(.a, identity: "busybox:v9")],
              policy: .dir(["": [.signedByA(.exactRepository("busybox"))]]), .allowed),
        .init("dir: scope is the image's absolute path",
              .directory, steps: [], policy: .dir(["{image}": [.insecureAcceptAnything]]), .allowed, scope: "{image}"),
        .init("dir: scope is the image's parent directory",
              .directory, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["{parent}": [.signedByA(.exactReference(busybox))]]), .allowed, scope: "{parent}"),
        .init("dir: scope is a grandparent directory",
              .directory, steps: [], policy: .dir(["{cases}": [.insecureAcceptAnything]]), .allowed),
        .init("dir: scope of another path does not match",
              .directory, steps: [], policy: .dir(["{parent}/elsewhere": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("dir: scope of a path that extends the image's path does not match",
              .directory, steps: [], policy: .dir(["{image}/inner": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("dir: a reject on the image's path beats an accept on its parent",
              .directory, steps: [],
              policy: .dir(["{image}": [.reject], "{parent}": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("dir: docker scopes never apply",
              .directory, steps: [], policy: .docker(["": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("dir: unknown transport name falls to the global default",
              .directory, steps: [],
              policy: PolicySpec(default: [.reject], transports: ["bogus": ["": [.insecureAcceptAnything]]]),
              .denied(because: rejectedByPolicy)),
        .init("dir: global default insecureAcceptAnything, unsigned",
              .directory, steps: [], policy: PolicySpec(default: [.insecureAcceptAnything]), .allowed),
        .init("dir: signedBy A AND signedBy B, both signed",
              .directory, steps: [.sign(.a, identity: busybox), .sign(.b, identity: busybox)],
              policy: .dir(["": [.signedBy(.path(.a), identity: .exactReference(busybox)),
                                 .signedBy(.path(.b), identity: .exactReference(busybox))]]), .allowed),
        .init("dir: a gap at signature-1 hides signature-2",
              .directory, steps: [.sign(.untrusted, identity: busybox), .sign(.a, identity: busybox), .remove(1)],
              policy: .dir(["": [.signedByA(.exactReference(busybox))]]), .denied(because: noSignature)),
        .init("dir: signedBy with no signatures",
              .directory, steps: [], policy: .dir(["": [.signedByA(.exactReference(busybox))]]), .denied(because: noSignature)),
        .init("dir: index with every instance signed",
              .directoryIndex, steps: [.sign(.a, identity: busybox)],
              policy: .dir(["": [.signedByA(.exactReference(busybox))]]), .allowed),
        .init("dir: index with one instance unsigned",
              .directoryIndex, steps: [.sign(.a, identity: busybox), .unsign("{arm64}")],
              policy: .dir(["": [.signedByA(.exactReference(busybox))]]), .denied(because: noSignature)),
        .init("dir: named through a symbolic link, the scope of the resolved path applies",
              .directoryLink, steps: [], policy: .dir(["{image}": [.insecureAcceptAnything]]), .allowed, scope: "{image}"),
        .init("dir: named through a symbolic link, the link's own path is no scope",
              .directoryLink, steps: [], policy: .dir(["{parent}/link": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
    ]

    // MARK: oci: layouts (no signatures; the scope is the layout's path without ":reference")

    static let ociLayouts: [PolicyDifferentialCase] = [
        .init("oci: scope is the layout's path",
              .ociLayout, steps: [], policy: PolicySpec(transports: ["oci": ["{image}": [.insecureAcceptAnything]]]), .allowed,
              scope: "{image}"),
        .init("oci: a scope naming path:reference never matches",
              .ociLayout, steps: [], policy: PolicySpec(transports: ["oci": ["{image}:latest": [.insecureAcceptAnything]]]),
              .denied(because: rejectedByPolicy)),
        .init("oci: scope is the layout's parent directory",
              .ociLayout, steps: [], policy: PolicySpec(transports: ["oci": ["{parent}": [.insecureAcceptAnything]]]), .allowed),
        .init("oci: dir scopes never apply",
              .ociLayout, steps: [], policy: .dir(["{image}": [.insecureAcceptAnything]]), .denied(because: rejectedByPolicy)),
        .init("oci: signedBy with no signatures",
              .ociLayout, steps: [], policy: PolicySpec(default: [.signedByA()]), .denied(because: noSignature)),
    ]
}
