import Foundation

/// Finds the credentials for a registry (and repository) the way containers tools (skopeo,
/// podman) do, from a ``CredentialSource``.
///
/// For ``CredentialSource/standard`` the auth files are, in order (``authFiles(for:)``):
///
/// 1. `$REGISTRY_AUTH_FILE` when set, and then **only** that file, as skopeo and podman treat it
///    as the default of `--authfile`;
/// 2. `$XDG_RUNTIME_DIR/containers/auth.json` (when `XDG_RUNTIME_DIR` is set);
/// 3. `$XDG_CONFIG_HOME/containers/auth.json`, by default `$HOME/.config/containers/auth.json`;
/// 4. `$DOCKER_CONFIG/config.json`, by default `$HOME/.docker/config.json`;
/// 5. `$HOME/.dockercfg` (docker's legacy format: the `auths` map at the top level).
///
/// The first file that yields credentials wins; files that do not exist are skipped, and a file
/// that exists but is malformed is an error (nothing is skipped silently). Within one file:
/// a `credHelpers` entry for the registry host runs that helper; else the most specific `auths`
/// key among `host/ns/repo`, `host/ns`, `host` (then keys that are URLs, such as
/// `https://index.docker.io/v1/`, reduced to their host; `index.docker.io` and
/// `registry-1.docker.io` count as `docker.io`); else the `credsStore` helper. A helper that has
/// no credentials sends the search on to the next file.
///
/// ``CredentialSource/authFile(_:)`` reads only that file, which must exist;
/// ``CredentialSource/basic(username:password:)`` is used as given; and
/// ``CredentialSource/anonymous`` finds nothing.
///
/// Everything the lookup reads from the process comes from ``environment`` (including `HOME` and
/// the helper search path `PATH`), so tests can point it at temporary directories.
public struct RegistryCredentialLookup: Sendable {
    /// The largest auth file read.
    public static let maxFileBytes = 1 << 20
    /// How long a credential helper may run by default.
    public static let defaultHelperTimeout: Duration = .seconds(30)

    /// The environment: `REGISTRY_AUTH_FILE`, `XDG_RUNTIME_DIR`, `XDG_CONFIG_HOME`, `DOCKER_CONFIG`,
    /// `HOME`; also the environment credential helpers run with.
    public var environment: [String: String]
    /// The `:`-separated directories searched for `docker-credential-<name>`.
    public var helperSearchPath: String
    /// How long a credential helper may run before it is stopped.
    public var helperTimeout: Duration

    /// Makes a lookup.
    /// - Parameters:
    ///   - environment: the variables to use (default: this process's environment).
    ///   - helperSearchPath: where helpers are found (default: `PATH` from `environment`).
    ///   - helperTimeout: the budget of one helper run.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        helperSearchPath: String? = nil,
        helperTimeout: Duration = RegistryCredentialLookup.defaultHelperTimeout
    ) {
        self.environment = environment
        self.helperSearchPath = helperSearchPath ?? environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        self.helperTimeout = helperTimeout
    }

    /// One auth file the lookup reads.
    public struct AuthFileLocation: Sendable, Hashable, CustomStringConvertible {
        /// The file's path.
        public var path: String
        /// Docker's legacy `.dockercfg` format.
        public var isLegacy: Bool
        /// Named explicitly (`--authfile`, `$REGISTRY_AUTH_FILE`): it must exist.
        public var isExplicit: Bool

        public var description: String { path }
    }

    /// The auth files read for `source`, in order (none for `.anonymous` and `.basic`).
    public func authFiles(for source: CredentialSource) -> [AuthFileLocation] {
        switch source {
        case .anonymous, .basic:
            return []
        case .authFile(let path):
            return [AuthFileLocation(path: path, isLegacy: false, isExplicit: true)]
        case .standard:
            if let path = value("REGISTRY_AUTH_FILE") {
                return [AuthFileLocation(path: path, isLegacy: false, isExplicit: true)]
            }
            var files: [AuthFileLocation] = []
            if let runtime = value("XDG_RUNTIME_DIR") {
                files.append(AuthFileLocation(path: Self.join(runtime, "containers/auth.json"), isLegacy: false, isExplicit: false))
            }
            let home = homeDirectory
            if let config = value("XDG_CONFIG_HOME") ?? home.map({ Self.join($0, ".config") }) {
                files.append(AuthFileLocation(path: Self.join(config, "containers/auth.json"), isLegacy: false, isExplicit: false))
            }
            if let docker = value("DOCKER_CONFIG") ?? home.map({ Self.join($0, ".docker") }) {
                files.append(AuthFileLocation(path: Self.join(docker, "config.json"), isLegacy: false, isExplicit: false))
            }
            if let home {
                files.append(AuthFileLocation(path: Self.join(home, ".dockercfg"), isLegacy: true, isExplicit: false))
            }
            return files
        }
    }

    /// The credentials for `registry` (a host as in image references: `docker.io`,
    /// `registry.example:5000`) and, optionally, `repository` (`ns/repo`, for namespaced
    /// auth-file keys); nil when `source` has none for it.
    /// - Throws: ``RegistryError`` with code `credentialFile` (an auth file is malformed, too
    ///   large, unreadable, or missing though named explicitly) or `credentialHelper`.
    public func credentials(
        for source: CredentialSource, registry: String, repository: String? = nil
    ) async throws(RegistryError) -> RegistryCredentials? {
        switch source {
        case .anonymous:
            return nil
        case .basic(let username, let password):
            return RegistryCredentials(username: username, password: password, origin: "--creds")
        case .authFile, .standard:
            for location in authFiles(for: source) {
                guard let file = try AuthFile.load(path: location.path, format: location.isLegacy ? .legacy : .standard) else {
                    if location.isExplicit {
                        throw RegistryError(code: .credentialFile, reason: "auth file \(location.path) does not exist")
                    }
                    continue
                }
                if let found = try await credentials(in: file, registry: registry, repository: repository) {
                    return found
                }
            }
            return nil
        }
    }

    /// The credentials one file gives for the registry.
    func credentials(in file: AuthFile, registry: String, repository: String?) async throws(RegistryError) -> RegistryCredentials? {
        if let (key, helper) = helperEntry(in: file, registry: registry) {
            return try await ask(helper: helper, registry: registry, origin: "credHelpers[\"\(key)\"] of \(file.path)")
        }
        if let match = try file.match(registry: registry, repository: repository) {
            return match.credentials
        }
        if let store = file.credentialStore {
            return try await ask(helper: store, registry: registry, origin: "credsStore of \(file.path)")
        }
        return nil
    }

    /// The `credHelpers` entry for the registry: the host itself, else another spelling of it.
    private func helperEntry(in file: AuthFile, registry: String) -> (String, String)? {
        if let helper = file.credentialHelpers[registry] { return (registry, helper) }
        let host = AuthFile.normalizedHost(registry)
        for key in file.credentialHelpers.keys.sorted() where AuthFile.normalizedKey(key, format: file.format) == host {
            return (key, file.credentialHelpers[key]!)
        }
        return nil
    }

    private func ask(helper name: String, registry: String, origin: String) async throws(RegistryError) -> RegistryCredentials? {
        let helper = try CredentialHelper.find(name: name, searchPath: helperSearchPath, origin: origin)
        return try await helper.get(server: registry, environment: environment, timeout: helperTimeout)
    }

    /// `HOME` from the environment, else the user's home directory from the password database.
    private var homeDirectory: String? {
        if let home = value("HOME") { return home }
        let home = NSHomeDirectoryForUser(NSUserName())
        return home.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A non-empty environment variable.
    private func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    private static func join(_ directory: String, _ relative: String) -> String {
        directory.hasSuffix("/") ? directory + relative : directory + "/" + relative
    }
}
