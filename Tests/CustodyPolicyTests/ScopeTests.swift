import CustodyOCI
import CustodyPolicy
import CustodyTestSupport
import Foundation
import Testing

/// Each scope's requirement list is one `reject` with the scope's name as its description, so a
/// lookup shows which scope won.
private func labelled(_ scopes: [String]) -> String {
    scopes.map { #""\#($0)":[{"type":"reject","description":"\#($0.isEmpty ? "transport default" : $0)"}]"# }.joined(separator: ",")
}

private func winner(_ document: PolicyDocument, _ image: PolicyImageIdentity) -> String? {
    document.requirements(for: image).requirements.first?.description
}

private func docker(_ reference: String) throws -> PolicyImageIdentity {
    guard case .docker(let parsed) = try ImageName(parsing: "docker://" + reference) else { throw TestSupportError("not docker") }
    return try PolicyImageIdentity(.docker(parsed))
}

@Suite("Scopes")
struct ScopeTests {
    static let dockerScopes = [
        "docker.io/library/busybox:latest", "docker.io/library/busybox", "docker.io/library", "docker.io",
        "quay.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "*.example.com", "*.com", "example.com", "registry.example.com:5000", "registry.example.com", "",
    ]

    @Test("precedence: exact > repository > namespace > host > *.domain > \"\" > default", arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:latest", "docker.io/library/busybox:latest"),
        ("docker.io/library/busybox:1.36", "docker.io/library/busybox"),
        ("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker.io/library/busybox"),
        ("alpine:3", "docker.io/library"),
        ("someone/app:1", "docker.io"),
        ("index.docker.io/someone/app:1", "docker.io"),
        ("quay.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "quay.io/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ("quay.io/team/app:v1", "transport default"),
        ("a.b.example.com/app:1", "*.example.com"),
        ("example.com/app:1", "example.com"),
        ("registry.example.com:5000/ns/app:1", "registry.example.com:5000"),
        ("registry.example.com:6000/app:1", "*.example.com"),
        ("registry.example.com/app:1", "registry.example.com"),
        ("registry.example.org/app:1", "transport default"),
        ("gitlab.com/g/app:1", "*.com"),
        ("localhost:5000/app:1", "transport default"),
    ])
    func dockerPrecedence(_ reference: String, _ expected: String) throws {
        let document = try parsePolicy(policy(transport: "docker", scopes: labelled(Self.dockerScopes)))
        #expect(winner(document, try docker(reference)) == expected)
    }

    @Test("*.example.com does not match example.com itself")
    func wildcardExcludesItsDomain() throws {
        let document = try parsePolicy(policy(transport: "docker", scopes: labelled(["*.example.com"])))
        let (scope, requirements) = document.requirements(for: try docker("example.com/app:1"))
        #expect(scope == .globalDefault)
        #expect(requirements.map(\.kind) == [.reject])
        #expect(winner(document, try docker("x.example.com/app:1")) == "*.example.com")
        #expect(winner(document, try docker("x.y.example.com:443/app:1")) == "*.example.com")
    }

    @Test("a host with a port does not match a scope without it, nor the reverse")
    func ports() throws {
        let document = try parsePolicy(policy(transport: "docker", scopes: labelled(["registry.example.net", "other.example.net:5000"])))
        #expect(winner(document, try docker("registry.example.net:5000/app:1")) == nil)
        #expect(document.requirements(for: try docker("registry.example.net:5000/app:1")).scope == .globalDefault)
        #expect(document.requirements(for: try docker("other.example.net/app:1")).scope == .globalDefault)
        #expect(winner(document, try docker("other.example.net:5000/app:1")) == "other.example.net:5000")
    }

    @Test("the scope match names the scope and its JSON path")
    func scopeMatchNames() throws {
        let document = try parsePolicy(#"""
            {"default":[{"type":"reject"}],
             "transports":{"docker":{"quay.io/team":[{"type":"insecureAcceptAnything"}]},"dir":{"":[{"type":"insecureAcceptAnything"}]},
                           "docker-daemon":{"":[{"type":"reject"}]}}}
            """#)
        let team = document.requirements(for: try docker("quay.io/team/app:1")).scope
        #expect(team == .scope(transport: "docker", scope: "quay.io/team"))
        #expect(team.description == #"transports.docker["quay.io/team"]"#)
        #expect(team.path == #"$.transports.docker["quay.io/team"]"#)
        #expect(team.transport == "docker" && team.scope == "quay.io/team")
        let dir = document.requirements(for: try PolicyImageIdentity.localPath(transport: "dir", path: "/nonexistent-custody-image")).scope
        #expect(dir == .transportDefault(transport: "dir"))
        #expect(dir.description == #"transports.dir[""]"#)
        #expect(dir.scope == "")
        let daemon = ScopeMatch.transportDefault(transport: "docker-daemon")
        #expect(daemon.path == #"$.transports["docker-daemon"][""]"#)
        let other = document.requirements(for: try docker("docker.io/library/busybox:1")).scope
        #expect(other == .globalDefault)
        #expect(other.description == "default" && other.path == "$.default" && other.transport == nil && other.scope == nil)
    }

    @Test("only the first match applies; nothing is merged from wider scopes")
    func firstMatchOnly() throws {
        let document = try parsePolicy(policy(transport: "docker", scopes: #"""
            "quay.io/team":[{"type":"insecureAcceptAnything"}],
            "quay.io":[{"type":"reject"},{"type":"digestRequired"}]
            """#))
        #expect(document.requirements(for: try docker("quay.io/team/app:1")).requirements.map(\.kind) == [.insecureAcceptAnything])
    }

    @Test("a transport without a section, or a section without a match and without \"\", falls to default")
    func fallsToDefault() throws {
        let document = try parsePolicy(#"{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"quay.io":[{"type":"reject"}]}}}"#)
        #expect(document.requirements(for: try docker("ghcr.io/a/b:1")).scope == .globalDefault)
        #expect(document.requirements(for: try PolicyImageIdentity.localPath(transport: "oci", path: "/srv/x")).scope == .globalDefault)
    }

    @Test("docker identities and namespaces, as containers/image computes them")
    func dockerNamespaces() throws {
        let identity = try docker("a.b.example.com:8443/ns/repo:tag")
        #expect(identity.transport == "docker")
        #expect(identity.identity == "a.b.example.com:8443/ns/repo:tag")
        #expect(identity.namespaces == [
            "a.b.example.com:8443/ns/repo", "a.b.example.com:8443/ns", "a.b.example.com:8443", "*.b.example.com", "*.example.com", "*.com",
        ])
        #expect(identity.dockerReference?.description == "a.b.example.com:8443/ns/repo:tag")
        #expect(identity.description == "docker:a.b.example.com:8443/ns/repo:tag")
        let busybox = try docker("busybox")
        #expect(busybox.identity == "docker.io/library/busybox:latest")
        #expect(busybox.namespaces == ["docker.io/library/busybox", "docker.io/library", "docker.io", "*.io"])
        #expect(try docker("localhost/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").namespaces == ["localhost/app", "localhost"])
    }

    @Test("a docker reference with neither or both of tag and digest has no identity")
    func dockerWithoutIdentity() throws {
        #expect(throws: PolicyError(code: .invalidImage)) { try PolicyImageIdentity.docker(try ImageReference.parseNormalized("busybox")) }
        let both = try ImageReference.parseNormalized("busybox:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        #expect(throws: PolicyError(code: .invalidImage)) { try PolicyImageIdentity(.docker(both)) }
    }
}

@Suite("Path scopes")
struct PathScopeTests {
    /// `root/real/images/app` (a directory), `root/link` → `real/images` (a symbolic link).
    private func makeTree() throws -> (directory: TemporaryDirectory, real: String) {
        let directory = try TemporaryDirectory()
        try directory.makeDirectory("real/images/app")
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: "real/images")
        // The temporary folder itself may lie behind a symbolic link.
        let real = URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path
        return (directory, real)
    }

    @Test("dir: and oci: identities are the resolved path, without the oci: reference")
    func identities() throws {
        let (directory, real) = try makeTree()
        defer { directory.remove() }
        let viaLink = try PolicyImageIdentity(try ImageName(parsing: "dir:\(directory.file("link"))/app"))
        #expect(viaLink.transport == "dir")
        #expect(viaLink.identity == "\(real)/real/images/app")
        #expect(viaLink.dockerReference == nil)
        #expect(viaLink.namespaces.first == "\(real)/real/images")
        #expect(viaLink.namespaces.last != "/")
        #expect(viaLink.namespaces == Array(sequence(first: "\(real)/real/images") { path in
            let parent = (path as NSString).deletingLastPathComponent
            return parent == "/" ? nil : parent
        }))
        let oci = try PolicyImageIdentity(try ImageName(parsing: "oci:\(directory.file("link"))/app:v1.2"))
        #expect(oci.transport == "oci")
        #expect(oci.identity == "\(real)/real/images/app")
        let dotted = try PolicyImageIdentity.localPath(transport: "oci", path: "\(directory.file("link"))/./app/../app")
        #expect(dotted.identity == "\(real)/real/images/app")
    }

    @Test("a path that does not exist yet resolves through its parent; a missing parent is an error")
    func missingPaths() throws {
        let (directory, real) = try makeTree()
        defer { directory.remove() }
        let fresh = try PolicyImageIdentity.localPath(transport: "dir", path: "\(directory.file("link"))/new")
        #expect(fresh.identity == "\(real)/real/images/new")
        #expect(throws: PolicyError(code: .invalidImage)) {
            try PolicyImageIdentity.localPath(transport: "dir", path: "\(directory.file("link"))/missing/new")
        }
    }

    @Test("exact path, then the nearest parent, then \"\"; a scope through a symbolic link never matches")
    func precedence() throws {
        let (directory, real) = try makeTree()
        defer { directory.remove() }
        try directory.makeDirectory("real/images/other")
        let scopes = ["\(real)/real/images/app", "\(real)/real", "\(directory.file("link"))", ""]
        let document = try parsePolicy(policy(transport: "dir", scopes: labelled(scopes)))
        let app = try PolicyImageIdentity.localPath(transport: "dir", path: "\(directory.file("link"))/app")
        #expect(winner(document, app) == "\(real)/real/images/app")
        let other = try PolicyImageIdentity.localPath(transport: "dir", path: "\(directory.file("link"))/other")
        #expect(winner(document, other) == "\(real)/real")
        let elsewhere = try PolicyImageIdentity.localPath(transport: "dir", path: "/nonexistent-custody-image")
        #expect(winner(document, elsewhere) == "transport default")
        // The same scopes under "oci" do not apply to dir: images, and the other way round.
        #expect(document.requirements(for: try PolicyImageIdentity.localPath(transport: "oci", path: "\(directory.file("link"))/app")).scope == .globalDefault)
    }

    @Test("relative paths are taken from the current directory")
    func relative() throws {
        let identity = try PolicyImageIdentity.localPath(transport: "dir", path: ".")
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        #expect(identity.identity == current)
    }

    @Test("scope matching is byte for byte: a differently normalised Unicode spelling is another path")
    func unicode() throws {
        let composed = "/srv/caf\u{E9}", decomposed = "/srv/cafe\u{301}"
        let document = try parsePolicy(policy(transport: "dir", scopes: labelled([composed])))
        let other = PolicyImageIdentity(transport: "dir", identity: decomposed, namespaces: ["/srv"])
        #expect(document.requirements(for: other).scope == .globalDefault)
        let same = PolicyImageIdentity(transport: "dir", identity: composed, namespaces: ["/srv"])
        #expect(winner(document, same) == composed)
    }
}
