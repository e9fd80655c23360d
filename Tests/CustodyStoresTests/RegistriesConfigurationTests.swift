import CustodyTestSupport
import CustodyOCI
import CustodyStores
import Foundation
import Testing

/// Reads a registries.d directory holding `files` (name → content).
private func configuration(_ files: [String: String]) async throws -> RegistriesConfiguration {
    try await withTemporaryDirectory { directory in
        for (name, content) in files { try directory.write(content, to: "rd/\(name)") }
        return try RegistriesConfiguration(directory: directory.file("rd"))
    }
}

/// The error reading a registries.d directory holding `files`, with the directory's path replaced by `rd`.
private func configurationError(_ files: [String: String]) async throws -> StoreError? {
    try await withTemporaryDirectory { directory in
        for (name, content) in files { try directory.write(content, to: "rd/\(name)") }
        let error = await storeError { _ = try RegistriesConfiguration(directory: directory.file("rd")) }
        return error.map { StoreError(code: $0.code, reason: $0.reason.replacingOccurrences(of: directory.path + "/", with: "")) }
    }
}

@Suite("RegistriesConfiguration: scopes")
struct RegistriesScopeTests {
    @Test("a Docker Hub tag: full reference, repository, namespaces, domain, wildcard")
    func dockerHub() throws {
        #expect(RegistriesConfiguration.scopes(for: try dockerReference("busybox")) == [
            "docker.io/library/busybox:latest", "docker.io/library/busybox", "docker.io/library", "docker.io", "*.io",
        ])
    }

    @Test("a digest reference uses name@digest; a port is dropped before the wildcards")
    func digestAndPort() throws {
        let digest = try fakeDigest()
        let reference = try dockerReference("registry.example.com:5000/ns/repo@\(digest)")
        #expect(RegistriesConfiguration.scopes(for: reference) == [
            "registry.example.com:5000/ns/repo@\(digest)", "registry.example.com:5000/ns/repo",
            "registry.example.com:5000/ns", "registry.example.com:5000", "*.example.com", "*.com",
        ])
    }

    @Test("localhost:5000 has no port-less parent and no wildcard")
    func localhost() throws {
        #expect(RegistriesConfiguration.scopes(for: try dockerReference("localhost:5000/busybox:1")) == [
            "localhost:5000/busybox:1", "localhost:5000/busybox", "localhost:5000",
        ])
    }

    @Test("a name-only reference has no full-reference scope")
    func nameOnly() throws {
        #expect(RegistriesConfiguration.scopes(for: try ImageReference.parseNormalized("quay.io/org/app")) == [
            "quay.io/org/app", "quay.io/org", "quay.io", "*.io",
        ])
    }
}

@Suite("RegistriesConfiguration: lookup")
struct RegistriesLookupTests {
    /// One section per level, each with its own lookaside.
    static let allLevels: [String: String] = [
        "full": "registry.example.com/ns/repo:tag",
        "repo": "registry.example.com/ns/repo",
        "namespace": "registry.example.com/ns",
        "domain": "registry.example.com",
        "wildcard": "*.example.com",
        "tld": "*.com",
    ]

    static func yaml(levels: [String]) -> String {
        var text = "docker:\n"
        for level in levels where level != "default" {
            text += "  \"\(allLevels[level, default: level])\":\n    lookaside: file:///\(level)\n"
        }
        if levels.contains("default") { text += "default-docker:\n  lookaside: file:///default\n" }
        return text
    }

    @Test(
        "the most specific configured level wins",
        arguments: [
            (["full", "repo", "namespace", "domain", "wildcard", "tld", "default"], "full"),
            (["repo", "namespace", "domain", "wildcard", "tld", "default"], "repo"),
            (["namespace", "domain", "wildcard", "tld", "default"], "namespace"),
            (["domain", "wildcard", "tld", "default"], "domain"),
            (["wildcard", "tld", "default"], "wildcard"),
            (["tld", "default"], "tld"),
            (["default"], "default"),
        ]
    )
    func precedence(levels: [String], winner: String) async throws {
        let configuration = try await configuration(["a.yaml": Self.yaml(levels: levels)])
        let reference = try dockerReference("registry.example.com/ns/repo:tag")
        #expect(configuration.lookaside(for: reference, forWriting: false)?.url == "file:///\(winner)")
        #expect(configuration.lookaside(for: reference, forWriting: true)?.url == "file:///\(winner)")
    }

    @Test("another tag, another repository or another domain does not match the specific levels")
    func nonMatching() async throws {
        let configuration = try await configuration(["a.yaml": Self.yaml(levels: ["full", "repo", "default"])])
        #expect(configuration.lookaside(for: try dockerReference("registry.example.com/ns/repo:other"), forWriting: false)?.url == "file:///repo")
        #expect(configuration.lookaside(for: try dockerReference("registry.example.com/ns/repo2:tag"), forWriting: false)?.url == "file:///default")
        #expect(configuration.lookaside(for: try dockerReference("example.com/ns/repo:tag"), forWriting: false)?.url == "file:///default")
    }

    @Test("the scope and its file are reported")
    func scopeAndFile() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("docker:\n  quay.io:\n    lookaside: https://q/\n", to: "rd/q.yaml")
            let configuration = try RegistriesConfiguration(directory: directory.file("rd"))
            let lookaside = configuration.lookaside(for: try dockerReference("quay.io/a/b:1"), forWriting: false)
            #expect(lookaside?.scope == .docker("quay.io"))
            #expect(lookaside?.file == directory.file("rd/q.yaml"))
            #expect(lookaside?.scope.description == "\"docker\" namespace \"quay.io\"")
        }
    }

    @Test("a section without a URL passes on to the next, more general one")
    func emptyFallsThrough() async throws {
        let configuration = try await configuration(["a.yaml": """
            docker:
              registry.example.com/ns/repo:tag:
                use-sigstore-attachments: true
              registry.example.com/ns:
                lookaside: ""
                lookaside-staging: file:///ns-staging
              registry.example.com:
                lookaside: https://domain.example.com
            """])
        let reference = try dockerReference("registry.example.com/ns/repo:tag")
        // Reading skips the tag section (no URL) and the namespace (only a staging URL).
        #expect(configuration.lookaside(for: reference, forWriting: false)?.url == "https://domain.example.com")
        #expect(configuration.lookaside(for: reference, forWriting: false)?.scope == .docker("registry.example.com"))
        // Writing stops at the namespace, which has a staging URL.
        #expect(configuration.lookaside(for: reference, forWriting: true)?.url == "file:///ns-staging")
    }

    @Test("nothing configured gives no lookaside (no built-in default)")
    func nothingConfigured() async throws {
        let configuration = try await configuration(["a.yaml": "docker:\n  quay.io:\n    lookaside: file:///q\n"])
        #expect(configuration.lookaside(for: try dockerReference("busybox"), forWriting: false) == nil)
        #expect(configuration.lookaside(for: try dockerReference("busybox"), forWriting: true) == nil)
        #expect(try configuration.lookasideStore(for: try dockerReference("busybox"), forWriting: true) == nil)
        #expect(RegistriesConfiguration.builtinDefaultLookaside(home: "/home/u", isRoot: false) == "file:///home/u/.local/share/containers/sigstore")
        #expect(RegistriesConfiguration.builtinDefaultLookaside(home: "/root", isRoot: true) == "file:///var/lib/containers/sigstore")
    }

    @Test("a missing directory is an empty configuration")
    func missingDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let configuration = try RegistriesConfiguration(directory: directory.file("absent"))
            #expect(configuration == RegistriesConfiguration())
        }
    }

    @Test("a file where the directory should be is an error")
    func directoryIsAFile() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("docker: {}\n", to: "rd")
            let error = await storeError { _ = try RegistriesConfiguration(directory: directory.file("rd")) }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.reason.contains(directory.file("rd")) == true)
        }
    }
}

@Suite("RegistriesConfiguration: staging and deprecated keys")
struct RegistriesStagingTests {
    static let reference = "registry.example.com/repo:1"

    static func lookups(_ section: String) async throws -> (read: String?, write: String?) {
        let configuration = try await configuration(["a.yaml": "default-docker:\n" + section])
        let reference = try dockerReference(Self.reference)
        return (
            configuration.lookaside(for: reference, forWriting: false)?.url,
            configuration.lookaside(for: reference, forWriting: true)?.url
        )
    }

    @Test("lookaside-staging is written, lookaside read")
    func staging() async throws {
        let result = try await Self.lookups("  lookaside: https://read\n  lookaside-staging: file:///write\n")
        #expect(result.read == "https://read")
        #expect(result.write == "file:///write")
    }

    @Test("without staging, lookaside is both read and written")
    func noStaging() async throws {
        let result = try await Self.lookups("  lookaside: file:///both\n")
        #expect(result.read == "file:///both")
        #expect(result.write == "file:///both")
    }

    @Test("staging alone is only for writing")
    func stagingOnly() async throws {
        let result = try await Self.lookups("  lookaside-staging: file:///write\n")
        #expect(result.read == nil)
        #expect(result.write == "file:///write")
    }

    @Test("deprecated sigstore and sigstore-staging are used when the new keys are absent")
    func deprecatedKeys() async throws {
        let result = try await Self.lookups("  sigstore: https://old-read\n  sigstore-staging: file:///old-write\n")
        #expect(result.read == "https://old-read")
        #expect(result.write == "file:///old-write")
    }

    @Test("the new keys win over the deprecated ones; lookaside-staging over sigstore-staging")
    func newKeysWin() async throws {
        let result = try await Self.lookups("""
              sigstore: https://old-read
              sigstore-staging: file:///old-write
              lookaside: https://new-read
              lookaside-staging: file:///new-write

            """)
        #expect(result.read == "https://new-read")
        #expect(result.write == "file:///new-write")
        let mixed = try await Self.lookups("  lookaside: https://new-read\n  sigstore-staging: file:///old-write\n")
        #expect(mixed.write == "file:///old-write")
    }

    @Test("Section.lookasideURL orders the keys as containers/image")
    func sectionOrder() {
        let section = RegistriesConfiguration.Section(lookaside: "l", sigstore: "s", sigstoreStaging: "ss")
        #expect(section.lookasideURL(forWriting: true) == "ss")
        #expect(section.lookasideURL(forWriting: false) == "l")
        #expect(RegistriesConfiguration.Section().lookasideURL(forWriting: true) == nil)
    }
}

@Suite("RegistriesConfiguration: use-sigstore-attachments")
struct RegistriesAttachmentTests {
    @Test("the most specific scope that sets it wins, even one without a lookaside")
    func mostSpecific() async throws {
        let configuration = try await configuration(["a.yaml": """
            default-docker:
              use-sigstore-attachments: true
            docker:
              quay.io/org:
                use-sigstore-attachments: false
              quay.io:
                lookaside: file:///q
            """])
        #expect(configuration.useSigstoreAttachments(for: try dockerReference("quay.io/org/app:1")) == false)
        #expect(configuration.useSigstoreAttachments(for: try dockerReference("quay.io/other/app:1")) == true)
    }

    @Test("unset everywhere is false")
    func defaultFalse() async throws {
        let configuration = try await configuration(["a.yaml": "docker:\n  quay.io:\n    lookaside: file:///q\n"])
        #expect(configuration.useSigstoreAttachments(for: try dockerReference("quay.io/a/b:1")) == false)
    }

    @Test("YAML 1.1 boolean words are accepted, as yaml.v3 accepts them for a bool", arguments: [
        ("yes", true), ("On", true), ("Y", true), ("TRUE", true), ("no", false), ("off", false), ("False", false), ("\"yes\"", true),
    ])
    func booleanWords(word: String, value: Bool) async throws {
        let configuration = try await configuration(["a.yaml": "default-docker:\n  use-sigstore-attachments: \(word)\n"])
        #expect(configuration.defaultDocker?.useSigstoreAttachments == value)
    }

    @Test("anything else is rejected, naming the file", arguments: ["maybe", "1", "\"true\"", "[true]"])
    func notABoolean(word: String) async throws {
        let error = try await configurationError(["a.yaml": "default-docker:\n  use-sigstore-attachments: \(word)\n"])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.hasPrefix("parsing rd/a.yaml: line 2: expected a boolean") == true)
    }
}

@Suite("RegistriesConfiguration: files")
struct RegistriesFileTests {
    @Test("sections of several files are merged")
    func merged() async throws {
        let configuration = try await configuration([
            "a.yaml": "docker:\n  quay.io:\n    lookaside: file:///q\n",
            "b.yaml": "docker:\n  ghcr.io:\n    lookaside: file:///g\ndefault-docker:\n  lookaside: file:///d\n",
        ])
        #expect(configuration.docker.keys.sorted() == ["ghcr.io", "quay.io"])
        #expect(configuration.defaultDocker?.lookaside == "file:///d")
    }

    @Test("a docker namespace defined in two files is an error naming both files")
    func duplicateNamespace() async throws {
        let error = try await configurationError([
            "c.yaml": "docker:\n  localhost:5000:\n    lookaside: file:///c\n",
            "a.yaml": "docker:\n  localhost:5000:\n    lookaside: file:///a\n",
            "b.yaml": "docker:\n  quay.io:\n    lookaside: file:///b\n",
        ])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason == #"Error parsing signature storage configuration: "docker" namespace "localhost:5000" defined both in "rd/a.yaml" and "rd/c.yaml""#)
    }

    @Test("default-docker defined in two files is an error naming both files")
    func duplicateDefault() async throws {
        let error = try await configurationError([
            "x.yaml": "default-docker:\n  lookaside: file:///x\n",
            "y.yaml": "default-docker:\n  lookaside-staging: file:///y\n",
        ])
        #expect(error?.reason == #"Error parsing signature storage configuration: "default-docker" defined both in "rd/x.yaml" and "rd/y.yaml""#)
    }

    @Test("a null default-docker does not count as defined")
    func nullDefault() async throws {
        let configuration = try await configuration([
            "x.yaml": "default-docker:\n",
            "y.yaml": "default-docker:\n  lookaside: file:///y\n",
        ])
        #expect(configuration.defaultDocker?.lookaside == "file:///y")
    }

    @Test("a namespace with an empty section still counts as defined")
    func emptySectionCounts() async throws {
        let error = try await configurationError([
            "x.yaml": "docker:\n  quay.io:\n",
            "y.yaml": "docker:\n  quay.io:\n    lookaside: file:///y\n",
        ])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("\"quay.io\" defined both") == true)
    }

    @Test("only *.yaml files are read")
    func onlyYAML() async throws {
        let configuration = try await configuration([
            "good.yaml": "docker:\n  quay.io:\n    lookaside: file:///q\n",
            "other.yml": "this: [is not read",
            "notes.txt": "docker:\n  quay.io:\n    lookaside: file:///dup\n",
            "old.yaml.bak": "{{{",
            "README": "nothing",
        ])
        #expect(configuration.docker == ["quay.io": RegistriesConfiguration.Section(lookaside: "file:///q")])
    }

    @Test("invalid YAML is an error naming the file")
    func invalidYAML() async throws {
        let error = try await configurationError([
            "good.yaml": "docker:\n  quay.io:\n    lookaside: file:///q\n",
            "bad.yaml": "docker:\n  quay.io: [unclosed\n",
        ])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason == "parsing rd/bad.yaml: line 3, column 1: while parsing a flow sequence at line 2, column 12: did not find expected ',' or ']'")
    }

    @Test("a value of the wrong type is an error naming the file and line", arguments: [
        ("docker:\n  - quay.io\n", "line 2: expected a mapping of namespaces"),
        ("docker:\n  quay.io: file:///q\n", "line 2: expected a mapping of lookaside settings"),
        ("docker:\n  quay.io:\n    lookaside: [a, b]\n", "line 3: expected a string"),
        ("default-docker: yes\n", "line 1: expected a mapping of lookaside settings"),
        ("- a\n- b\n", "line 1: expected a mapping of registries.d keys"),
    ])
    func wrongTypes(content: String, message: String) async throws {
        let error = try await configurationError(["bad.yaml": content])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.hasPrefix("parsing rd/bad.yaml: \(message)") == true, "\(String(describing: error))")
    }

    @Test("a key repeated within one mapping is an error")
    func duplicateKeyInFile() async throws {
        let error = try await configurationError(["a.yaml": "docker:\n  quay.io:\n    lookaside: file:///1\n  quay.io:\n    lookaside: file:///2\n"])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason == #"parsing rd/a.yaml: mapping key "quay.io" already defined at line 2"#)
    }

    @Test("distinct keys in one mapping are accepted")
    func distinctKeysInFile() async throws {
        let configuration = try await configuration(["a.yaml": "docker:\n  quay.io:\n    lookaside: file:///1\n  quay.io/org:\n    lookaside: file:///2\n"])
        #expect(configuration.docker.count == 2)
    }

    @Test("unknown keys are ignored at every level; keys are case-sensitive")
    func unknownKeys() async throws {
        let configuration = try await configuration(["a.yaml": """
            bogus-key: 1
            Docker:
              quay.io:
                lookaside: file:///ignored
            docker:
              quay.io:
                lookaside: file:///q
                Lookaside: file:///ignored
                use-cosign-attachments: true
                whatever: [1, 2]
            """])
        #expect(configuration.docker == ["quay.io": RegistriesConfiguration.Section(lookaside: "file:///q")])
        #expect(configuration.defaultDocker == nil)
    }

    @Test("empty and null files and values are accepted; scalars of other types are read as strings")
    func emptyAndNull() async throws {
        let configuration = try await configuration([
            "empty.yaml": "",
            "null.yaml": "~\n",
            "comments.yaml": "# nothing here\n",
            "values.yaml": "docker:\n  a.io:\n    lookaside: null\n    sigstore: 123\n  b.io: ~\n",
        ])
        #expect(configuration.docker["a.io"] == RegistriesConfiguration.Section(sigstore: "123"))
        #expect(configuration.docker["b.io"] == RegistriesConfiguration.Section())
    }

    @Test("only the first YAML document of a file is read")
    func firstDocumentOnly() async throws {
        let configuration = try await configuration(["a.yaml": "docker:\n  quay.io:\n    lookaside: file:///1\n---\ndocker:\n  ghcr.io:\n    lookaside: file:///2\n"])
        #expect(configuration.docker.keys.sorted() == ["quay.io"])
    }

    @Test("a file that is not UTF-8 is rejected naming it")
    func notUTF8() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write([0x64, 0x6F, 0xFF, 0xFE, 0x0A], to: "rd/a.yaml")
            let error = await storeError { _ = try RegistriesConfiguration(directory: directory.file("rd")) }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.reason.contains(directory.file("rd/a.yaml")) == true)
        }
    }

    @Test("a file over the size limit is rejected")
    func tooLarge() async throws {
        let big = "# " + String(repeating: "x", count: RegistriesConfiguration.maxFileBytes) + "\n"
        let error = try await configurationError(["big.yaml": big])
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("rd/big.yaml") == true)
    }

    @Test("the user directory is used when it exists, else the system one")
    func defaultDirectory() async throws {
        try await withTemporaryDirectory { home in
            #expect(RegistriesConfiguration.defaultDirectory(home: home.path) == "/etc/containers/registries.d")
            try home.makeDirectory(".config/containers/registries.d")
            #expect(RegistriesConfiguration.defaultDirectory(home: home.path) == home.file(".config/containers/registries.d"))
            #expect(RegistriesConfiguration.defaultDirectory(home: nil) == "/etc/containers/registries.d")
        }
    }
}
