import CustodyTestSupport
import Foundation
import Testing
@testable import CustodyRegistry

/// A temporary home for credential lookups: HOME, XDG_RUNTIME_DIR and a helper directory all
/// inside one temporary directory, so no test reads the real home or the real PATH.
struct CredentialHome {
    let directory: TemporaryDirectory
    var home: String { directory.file("home") }
    var runtime: String { directory.file("run") }
    var helpers: String { directory.file("bin") }
    var helperLog: String { directory.file("helper.log") }

    init() throws {
        directory = try TemporaryDirectory()
        try directory.makeDirectory("home")
        try directory.makeDirectory("run")
        try directory.makeDirectory("bin")
    }

    var environment: [String: String] {
        ["HOME": home, "XDG_RUNTIME_DIR": runtime, "PATH": "/usr/bin:/bin", "CUSTODY_HELPER_LOG": helperLog]
    }

    func lookup(_ extra: [String: String] = [:], helperTimeout: Duration = .seconds(30)) -> RegistryCredentialLookup {
        RegistryCredentialLookup(
            environment: environment.merging(extra) { _, new in new }, helperSearchPath: helpers, helperTimeout: helperTimeout)
    }

    /// Writes `text` at `relative` (inside the temporary directory) and returns its path.
    @discardableResult
    func write(_ text: String, _ relative: String) throws -> String {
        try directory.write(text, to: relative)
    }

    /// `{"auths": {key: {"auth": base64(user:password)}}}` for each entry.
    static func authJSON(_ entries: [(key: String, user: String, password: String)]) -> String {
        let auths = entries.map { entry in
            "\"\(entry.key)\": {\"auth\": \"\(Data("\(entry.user):\(entry.password)".utf8).base64EncodedString())\"}"
        }
        return "{\"auths\": {\(auths.joined(separator: ", "))}}"
    }

    /// Installs `docker-credential-custodytest`, a shell script answering per server name, and
    /// logging each server it is asked for (one line each) to `helperLog`.
    func installHelper() throws {
        let script = #"""
            #!/bin/sh
            [ "$1" = get ] || { echo "unsupported action $1" >&2; exit 2; }
            server=$(cat)
            printf '%s\n' "$server" >> "$CUSTODY_HELPER_LOG"
            case "$server" in
              registry.example|127.0.0.1:*)
                printf '{"ServerURL":"%s","Username":"helperuser","Secret":"helper-secret"}\n' "$server" ;;
              token.example)
                printf '{"ServerURL":"%s","Username":"<token>","Secret":"helper-identity-token"}\n' "$server" ;;
              empty.example)
                printf '{"ServerURL":"%s","Username":"","Secret":""}\n' "$server" ;;
              missing.example)
                echo "credentials not found in native keychain"; exit 1 ;;
              broken.example)
                echo "the keyring is locked" >&2; exit 3 ;;
              garbage.example)
                echo "Username=helperuser Secret=helper-secret" ;;
              numbers.example)
                echo '{"Username": 1, "Secret": 2}' ;;
              slow.example)
                # Records SIGTERM: a helper started with a blocked signal mask never runs this trap.
                trap 'kill "$child" 2>/dev/null; echo term > "$CUSTODY_HELPER_LOG.term"; exit 0' TERM
                sleep 30 & child=$!
                wait "$child" ;;
              loud.example)
                head -c 2000000 /dev/zero ;;
              *)
                echo "credentials not found in native keychain"; exit 1 ;;
            esac
            """#
        let path = try write(script, "bin/docker-credential-custodytest")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    var helperCalls: [String] {
        ((try? String(contentsOfFile: helperLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}

@Suite("RegistryCredentialsTests")
struct RegistryCredentialsTests {
    // MARK: - Where credentials are looked for

    @Test("the standard files, in the order containers tools read them")
    func standardFiles() throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let files = home.lookup().authFiles(for: .standard)
        #expect(files.map(\.path) == [
            home.runtime + "/containers/auth.json",
            home.home + "/.config/containers/auth.json",
            home.home + "/.docker/config.json",
            home.home + "/.dockercfg",
        ])
        #expect(files.map(\.isLegacy) == [false, false, false, true])
        #expect(files.allSatisfy { !$0.isExplicit })

        let moved = home.lookup(["XDG_CONFIG_HOME": "/cfg", "DOCKER_CONFIG": "/dockercfg/"]).authFiles(for: .standard)
        #expect(moved.map(\.path) == [
            home.runtime + "/containers/auth.json", "/cfg/containers/auth.json", "/dockercfg/config.json", home.home + "/.dockercfg",
        ])

        let noRuntime = RegistryCredentialLookup(environment: ["HOME": "/h"]).authFiles(for: .standard)
        #expect(noRuntime.map(\.path) == ["/h/.config/containers/auth.json", "/h/.docker/config.json", "/h/.dockercfg"])

        let explicit = home.lookup(["REGISTRY_AUTH_FILE": "/etc/auth.json"]).authFiles(for: .standard)
        #expect(explicit == [RegistryCredentialLookup.AuthFileLocation(path: "/etc/auth.json", isLegacy: false, isExplicit: true)])
        #expect(home.lookup().authFiles(for: .authFile("/x.json")).map(\.path) == ["/x.json"])
        #expect(home.lookup().authFiles(for: .anonymous).isEmpty)
    }

    @Test("the first file with credentials wins: runtime, config, docker, legacy")
    func precedence() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let registry = "registry.example"
        try home.write(CredentialHome.authJSON([(registry, "runtime", "p1")]), "run/containers/auth.json")
        try home.write(CredentialHome.authJSON([(registry, "config", "p2")]), "home/.config/containers/auth.json")
        try home.write(CredentialHome.authJSON([(registry, "docker", "p3")]), "home/.docker/config.json")
        try home.write(#"{"registry.example": {"auth": "\#(Data("legacy:p4".utf8).base64EncodedString())", "email": "x@y"}}"#, "home/.dockercfg")
        let lookup = home.lookup()

        var found = try await lookup.credentials(for: .standard, registry: registry)
        #expect(found?.username == "runtime" && found?.password == "p1")
        #expect(found?.origin == "auth file \(home.runtime)/containers/auth.json (key \"registry.example\")")

        try FileManager.default.removeItem(atPath: home.runtime + "/containers/auth.json")
        found = try await lookup.credentials(for: .standard, registry: registry)
        #expect(found?.username == "config")

        try FileManager.default.removeItem(atPath: home.home + "/.config/containers/auth.json")
        found = try await lookup.credentials(for: .standard, registry: registry)
        #expect(found?.username == "docker" && found?.password == "p3")

        try FileManager.default.removeItem(atPath: home.home + "/.docker/config.json")
        found = try await lookup.credentials(for: .standard, registry: registry)
        #expect(found?.username == "legacy" && found?.password == "p4")

        #expect(try await lookup.credentials(for: .standard, registry: "other.example") == nil)
    }

    @Test("a file without an entry for the registry passes the search on")
    func fallsThrough() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(CredentialHome.authJSON([("other.example", "o", "p")]), "run/containers/auth.json")
        // docker's placeholder entry (credentials kept by a helper) holds no credentials
        try home.write(#"{"auths": {"registry.example": {}}}"#, "home/.config/containers/auth.json")
        try home.write(CredentialHome.authJSON([("registry.example", "docker", "p")]), "home/.docker/config.json")
        let found = try await home.lookup().credentials(for: .standard, registry: "registry.example")
        #expect(found?.username == "docker")
    }

    @Test("$REGISTRY_AUTH_FILE is the only file read when set, and must exist")
    func registryAuthFile() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(CredentialHome.authJSON([("registry.example", "runtime", "p")]), "run/containers/auth.json")
        let path = try home.write(CredentialHome.authJSON([("registry.example", "env", "p")]), "env-auth.json")

        let found = try await home.lookup(["REGISTRY_AUTH_FILE": path]).credentials(for: .standard, registry: "registry.example")
        #expect(found?.username == "env")
        let none = try await home.lookup(["REGISTRY_AUTH_FILE": path]).credentials(for: .standard, registry: "other.example")
        #expect(none == nil)

        let missing = home.directory.file("nowhere.json")
        let error = await #expect(throws: RegistryError(code: .credentialFile)) {
            try await home.lookup(["REGISTRY_AUTH_FILE": missing]).credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason == "auth file \(missing) does not exist")
    }

    @Test("--authfile reads only that file, which must exist; --creds and anonymous")
    func explicitSources() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(CredentialHome.authJSON([("registry.example", "runtime", "p")]), "run/containers/auth.json")
        let path = try home.write(CredentialHome.authJSON([("other.example", "file", "p")]), "given.json")
        let lookup = home.lookup()

        #expect(try await lookup.credentials(for: .authFile(path), registry: "registry.example") == nil)
        #expect(try await lookup.credentials(for: .authFile(path), registry: "other.example")?.username == "file")
        await #expect(throws: RegistryError(code: .credentialFile)) {
            try await lookup.credentials(for: .authFile(home.directory.file("missing.json")), registry: "registry.example")
        }

        let given = try await lookup.credentials(for: .basic(username: "u", password: "pw"), registry: "registry.example")
        #expect(given == RegistryCredentials(username: "u", password: "pw", origin: "--creds"))
        #expect(try await lookup.credentials(for: .anonymous, registry: "registry.example") == nil)
    }

    // MARK: - Keys

    @Test("the most specific key wins: host/ns/repo, host/ns, host")
    func mostSpecificKey() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let path = try home.write(
            CredentialHome.authJSON([
                ("registry.example", "host", "p"),
                ("registry.example/team", "namespace", "p"),
                ("registry.example/team/app", "repository", "p"),
                ("registry.example/team/app/deep", "deeper", "p"),
            ]), "auth.json")
        let lookup = home.lookup()
        func user(_ repository: String?) async throws -> String? {
            try await lookup.credentials(for: .authFile(path), registry: "registry.example", repository: repository)?.username
        }
        #expect(try await user("team/app") == "repository")
        #expect(try await user("team/app/deep") == "deeper")
        #expect(try await user("team/app/deeper") == "repository")
        #expect(try await user("team/other") == "namespace")
        #expect(try await user("team") == "namespace")
        #expect(try await user("teams/app") == "host")
        #expect(try await user(nil) == "host")
        #expect(try await user("") == "host")
        let match = try await lookup.credentials(for: .authFile(path), registry: "registry.example", repository: "team/x")
        #expect(match?.origin == "auth file \(path) (key \"registry.example/team\")")
    }

    @Test("docker's URL keys and Docker Hub's host names", arguments: [
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("docker.io", "index.docker.io"),
        ("http://127.0.0.1:5000/v2/", "127.0.0.1:5000"),
        ("https://registry.example", "registry.example"),
    ])
    func normalisedKeys(key: String, registry: String) async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(CredentialHome.authJSON([(key, "user", "pw")]), "home/.docker/config.json")
        let found = try await home.lookup().credentials(for: .standard, registry: registry, repository: "library/busybox")
        #expect(found?.username == "user")
        #expect(found?.origin == "auth file \(home.home)/.docker/config.json (key \"\(key)\")")
    }

    @Test("a key with a path matches only as a namespace, not as a URL")
    func pathKeysAreNotURLs() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(CredentialHome.authJSON([("registry.example/v1", "ns", "p")]), "home/.docker/config.json")
        #expect(try await home.lookup().credentials(for: .standard, registry: "registry.example", repository: "app") == nil)
        #expect(try await home.lookup().credentials(for: .standard, registry: "registry.example", repository: "v1/app")?.username == "ns")
    }

    @Test("legacy .dockercfg keys lose their path")
    func legacyKeys() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(#"{"https://index.docker.io/v1/": {"auth": "\#(Data("hub:pw".utf8).base64EncodedString())"}}"#, "home/.dockercfg")
        let found = try await home.lookup().credentials(for: .standard, registry: "docker.io", repository: "library/alpine")
        #expect(found?.username == "hub" && found?.password == "pw")
    }

    @Test("an exact key is preferred to a URL spelling of the same host")
    func exactBeforeURL() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.write(
            CredentialHome.authJSON([("https://registry.example/v1/", "url", "p"), ("registry.example", "exact", "p")]),
            "home/.docker/config.json")
        #expect(try await home.lookup().credentials(for: .standard, registry: "registry.example")?.username == "exact")
    }

    @Test("passwords may hold colons; NUL padding is removed; identity tokens")
    func entryForms() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let colon = Data("user:pa:ss:word".utf8).base64EncodedString()
        let padded = Data("user:pw\0\0".utf8).base64EncodedString()
        let tokenOnly = "{\"identitytoken\": \"refresh-123\"}"
        let both = "{\"auth\": \"\(Data("alice:pw".utf8).base64EncodedString())\", \"identitytoken\": \"refresh-456\"}"
        let path = try home.write(
            """
            {"auths": {"colon.example": {"auth": "\(colon)"}, "padded.example": {"auth": "\(padded)"},
                       "token.example": \(tokenOnly), "both.example": \(both)},
             "psFormat": "table", "HttpHeaders": {"User-Agent": "x"}}
            """, "auth.json")
        let lookup = home.lookup()
        let colonCredentials = try await lookup.credentials(for: .authFile(path), registry: "colon.example")
        #expect(colonCredentials?.username == "user" && colonCredentials?.password == "pa:ss:word")
        #expect(try await lookup.credentials(for: .authFile(path), registry: "padded.example")?.password == "pw")
        let token = try #require(try await lookup.credentials(for: .authFile(path), registry: "token.example"))
        #expect(token.identityToken == "refresh-123" && token.username.isEmpty && !token.hasBasicCredentials)
        let bothCredentials = try #require(try await lookup.credentials(for: .authFile(path), registry: "both.example"))
        #expect(bothCredentials.username == "alice" && bothCredentials.password == "pw" && bothCredentials.identityToken == "refresh-456")
    }

    // MARK: - Malformed files

    @Test("malformed auth files are errors naming the file and the key, never the secret", arguments: [
        (#"[]"#, "the top level is not a JSON object"),
        (#""auths""#, "the top level is not a JSON object"),
        (#"{"auths": "#, "not valid JSON"),
        ("", "the file is empty; expected a JSON object"),
        (" \n", "the file is empty; expected a JSON object"),
        (#"{"auths": []}"#, #""auths" is not a JSON object"#),
        (#"{"auths": {"registry.example": "c2VjcmV0OnB3"}}"#, #"auths["registry.example"] is not a JSON object"#),
        (#"{"auths": {"registry.example": {"auth": 12}}}"#, #"auths["registry.example"].auth is not a string"#),
        (#"{"auths": {"registry.example": {"identitytoken": true}}}"#, #"auths["registry.example"].identitytoken is not a string"#),
        (#"{"auths": {"registry.example": {"auth": "s3cr3t-not-base64!"}}}"#, #"auths["registry.example"].auth is not valid base64"#),
        (#"{"auths": {"registry.example": {"auth": "c2VjcmV0LXdpdGhvdXQtY29sb24="}}}"#, #"auths["registry.example"].auth does not decode to USER:PASSWORD"#),
        (#"{"credHelpers": []}"#, #""credHelpers" is not a JSON object"#),
        (#"{"credHelpers": {"registry.example": 1}}"#, #"credHelpers["registry.example"] is not a string"#),
        (#"{"credHelpers": {"registry.example": "../../bin/sh"}}"#, #"credHelpers["registry.example"] is not a valid helper name (letters, digits, ".", "_", "-")"#),
        (#"{"credsStore": 7}"#, #""credsStore" is not a string"#),
        (#"{"credsStore": "a/b"}"#, #""credsStore" is not a valid helper name (letters, digits, ".", "_", "-")"#),
    ])
    func malformedFiles(content: String, problem: String) async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let path = try home.write(content, "home/.docker/config.json")
        let error = await #expect(throws: RegistryError(code: .credentialFile)) {
            try await home.lookup().credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason == "auth file \(path): \(problem)")
        #expect(error?.reason.contains("secret") != true)
        #expect(error?.reason.contains("s3cr3t") != true)
    }

    @Test("a malformed legacy .dockercfg")
    func malformedLegacy() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let path = try home.write(#"{"registry.example": "x"}"#, "home/.dockercfg")
        let error = await #expect(throws: RegistryError(code: .credentialFile)) {
            try await home.lookup().credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason == "auth file \(path): entry \"registry.example\" is not a JSON object")
    }

    @Test("auth files larger than 1 MiB are refused")
    func tooLarge() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let padding = String(repeating: " ", count: RegistryCredentialLookup.maxFileBytes)
        let path = try home.write("{\"auths\": {}}" + padding, "run/containers/auth.json")
        let error = await #expect(throws: RegistryError(code: .credentialFile)) {
            try await home.lookup().credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason == "auth file \(path) is larger than the limit of 1048576 bytes")
    }

    @Test("an auth file that is a directory is an error")
    func directoryAsFile() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.directory.makeDirectory("run/containers/auth.json")
        let error = await #expect(throws: RegistryError(code: .credentialFile)) {
            try await home.lookup().credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason.hasPrefix("cannot read auth file \(home.runtime)/containers/auth.json") == true)
    }

    // MARK: - Credential helpers

    @Test("credHelpers runs docker-credential-<name> get with the host on standard input")
    func credHelpers() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        // The helper entry wins over an auths entry in the same file.
        try home.write(
            #"{"auths": {"registry.example": {"auth": "\#(Data("file:pw".utf8).base64EncodedString())"}}, "credHelpers": {"registry.example": "custodytest"}}"#,
            "home/.docker/config.json")
        let found = try await home.lookup().credentials(for: .standard, registry: "registry.example", repository: "team/app")
        #expect(found == RegistryCredentials(
            username: "helperuser", password: "helper-secret", origin: "credential helper docker-credential-custodytest"))
        #expect(home.helperCalls == ["registry.example"])
    }

    @Test("credsStore is the helper for registries without their own entry")
    func credsStore() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        try home.write(
            #"{"auths": {"own.example": {"auth": "\#(Data("own:pw".utf8).base64EncodedString())"}, "registry.example": {}}, "credsStore": "custodytest"}"#,
            "home/.docker/config.json")
        let lookup = home.lookup()
        #expect(try await lookup.credentials(for: .standard, registry: "registry.example")?.username == "helperuser")
        #expect(try await lookup.credentials(for: .standard, registry: "own.example")?.username == "own")
        #expect(home.helperCalls == ["registry.example"])
    }

    @Test("a helper's <token> user gives an identity token")
    func helperIdentityToken() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        try home.write(#"{"credHelpers": {"token.example": "custodytest"}}"#, "run/containers/auth.json")
        let found = try #require(try await home.lookup().credentials(for: .standard, registry: "token.example"))
        #expect(found.identityToken == "helper-identity-token" && found.username.isEmpty && found.password.isEmpty)
        #expect(!"\(found)".contains("helper-identity-token"))
    }

    @Test("a helper without credentials sends the search on to the next file")
    func helperNotFound() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        try home.write(#"{"credHelpers": {"missing.example": "custodytest", "empty.example": "custodytest"}}"#, "run/containers/auth.json")
        try home.write(
            CredentialHome.authJSON([("missing.example", "next", "p"), ("empty.example", "next2", "p")]),
            "home/.config/containers/auth.json")
        let lookup = home.lookup()
        #expect(try await lookup.credentials(for: .standard, registry: "missing.example")?.username == "next")
        #expect(try await lookup.credentials(for: .standard, registry: "empty.example")?.username == "next2")
        #expect(home.helperCalls == ["missing.example", "empty.example"])
    }

    @Test("helper failures are credentialHelper errors naming the helper", arguments: [
        ("broken.example", "credential helper docker-credential-custodytest exited with status 3 asked for broken.example: the keyring is locked"),
        ("garbage.example", "credential helper docker-credential-custodytest answered garbage.example with something other than a JSON object"),
        ("numbers.example", #"credential helper docker-credential-custodytest: "Username" and "Secret" must be strings"#),
        ("loud.example", "credential helper docker-credential-custodytest printed more than 1048576 bytes"),
    ])
    func helperFailures(registry: String, message: String) async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        try home.write(#"{"credHelpers": {"\#(registry)": "custodytest"}}"#, "run/containers/auth.json")
        let error = await #expect(throws: RegistryError(code: .credentialHelper)) {
            try await home.lookup().credentials(for: .standard, registry: registry)
        }
        #expect(error?.reason == message)
        #expect(error?.reason.contains("helper-secret") != true)
    }

    @Test("a helper that does not answer in time is stopped")
    func helperTimeout() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        try home.installHelper()
        try home.write(#"{"credHelpers": {"slow.example": "custodytest"}}"#, "run/containers/auth.json")
        let error = await #expect(throws: RegistryError(code: .credentialHelper)) {
            try await home.lookup(helperTimeout: .milliseconds(500)).credentials(for: .standard, registry: "slow.example")
        }
        #expect(error?.reason == "credential helper docker-credential-custodytest did not answer within 0.5 seconds")
        // The helper was stopped by SIGTERM (its trap ran), not only by the SIGKILL that follows:
        // a helper started with the thread pool's blocked signal mask would never see SIGTERM.
        #expect(FileManager.default.fileExists(atPath: home.helperLog + ".term"))
    }

    @Test("a helper that is not installed")
    func helperMissing() async throws {
        let home = try CredentialHome()
        defer { home.directory.remove() }
        let path = try home.write(#"{"credHelpers": {"registry.example": "nosuch"}}"#, "run/containers/auth.json")
        let error = await #expect(throws: RegistryError(code: .credentialHelper)) {
            try await home.lookup().credentials(for: .standard, registry: "registry.example")
        }
        #expect(error?.reason == """
            credential helper docker-credential-nosuch (configured in credHelpers["registry.example"] of \(path)) \
            is not installed: not found in the search path \(home.helpers)
            """)
    }

    @Test("the helper search path defaults to PATH from the environment")
    func helperSearchPathDefault() {
        #expect(RegistryCredentialLookup(environment: ["PATH": "/a:/b"]).helperSearchPath == "/a:/b")
        #expect(RegistryCredentialLookup(environment: ["PATH": "/a:/b"], helperSearchPath: "/c").helperSearchPath == "/c")
    }

    // MARK: - Secrets stay out of text

    @Test("descriptions and mirrors never show the password or identity token")
    func redaction() {
        let credentials = RegistryCredentials(username: "alice", password: "hunter2-password", identityToken: "refresh-token-9", origin: "--creds")
        #expect(credentials.description == "user \"alice\" from --creds")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, credentials.debugDescription, String(reflecting: credentials), dumped, "\([credentials])"] {
            #expect(!text.contains("hunter2"), "\(text)")
            #expect(!text.contains("refresh-token-9"), "\(text)")
        }
        let token = RegistryCredentials(username: "", password: "", identityToken: "t", origin: "credential helper docker-credential-x")
        #expect(token.description == "an identity token from credential helper docker-credential-x")
    }
}
