import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real OCI registry (Distribution 2.8, the Debian `docker-registry` package) serving plain HTTP
/// on 127.0.0.1, for tests that push and pull through skopeo.
///
/// `init` writes a `config.yml` (filesystem storage in a fresh temporary directory, `http.addr`
/// on a free 127.0.0.1 port, no auth, log level warn), runs `docker-registry serve config.yml`
/// and waits until `GET /v2/` answers 200. It never uses :5000 (where Debian's post-install
/// script may have started the system service). `stop()` terminates the server and deletes the
/// temporary directory; `deinit` does the same, so a test that throws still cleans up.
///
///     let registry = try RegistryServer()
///     defer { registry.stop() }
///     // skopeo copy --dest-tls-verify=false dir:… docker://\(registry.host)/custody/test:v1
///
/// Not thread-safe: one test owns one server.
public final class RegistryServer {
    /// `127.0.0.1:PORT`, the registry host as it appears in image references.
    public let host: String
    /// The port the server listens on.
    public let port: UInt16
    /// The temporary directory holding `config.yml`, `storage/` and the server's output files.
    public let directory: String
    /// The certificate and key the server serves TLS with; nil for plain HTTP.
    public let tls: TLSFiles?
    /// How the server authenticates clients (`.none`: it does not).
    public let authentication: Authentication
    /// The token service of a `.token` registry, nil otherwise; stopped with the registry.
    public let tokenService: TokenService?

    private let process: Process
    private var stopped = false

    /// How long to wait for `GET /v2/` to answer 200 after starting the server.
    public static let startupTimeout: Duration = .seconds(20)

    /// The `docker-registry` binary: found in `PATH`, else `/usr/bin/docker-registry`.
    public static func executablePath() throws -> String {
        if let found = PeerTool.path("docker-registry") { return found }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry") {
            return "/usr/bin/docker-registry"
        }
        throw TestSupportError(
            "docker-registry not found in PATH or at /usr/bin/docker-registry (apt-get install docker-registry; bash Scripts/test.sh installs it)"
        )
    }

    /// Starts a registry on a free port. Retries with another port (up to `attempts` times) when
    /// the chosen port was taken between choosing it and the server binding it. With `tls`, the
    /// server speaks HTTPS only, with that certificate and key. With `authentication`, clients must
    /// authenticate (htpasswd basic auth, or token auth with a token service started here).
    public init(attempts: Int = 3, tls: TLSFiles? = nil, authentication: Authentication = .none) throws {
        let executable = try Self.executablePath()
        let fileManager = FileManager.default
        let directory = fileManager.temporaryDirectory
            .appendingPathComponent("custody-registry-\(UUID().uuidString.prefix(8))", isDirectory: true)
            .path
        try fileManager.createDirectory(atPath: directory + "/storage", withIntermediateDirectories: true)
        let authenticationSetup: AuthenticationSetup
        do {
            authenticationSetup = try Self.prepareAuthentication(authentication, directory: directory)
        } catch {
            try? fileManager.removeItem(atPath: directory)
            throw error
        }

        var lastFailure = ""
        retry: for attempt in 1...max(1, attempts) {
            let port: UInt16
            do {
                port = try Self.freePort()
            } catch {
                try? fileManager.removeItem(atPath: directory)
                throw error
            }
            let outcome: Result<Process, TestSupportError>
            do {
                outcome = try Self.start(executable: executable, directory: directory, port: port, attempt: attempt, tls: tls,
                    authenticationYAML: authenticationSetup.yaml)
            } catch {
                try? fileManager.removeItem(atPath: directory)
                throw error
            }
            switch outcome {
            case .success(let process):
                self.process = process
                self.port = port
                self.host = "127.0.0.1:\(port)"
                self.directory = directory
                self.tls = tls
                self.authentication = authentication
                self.tokenService = authenticationSetup.tokenService
                return
            case .failure(let failure):
                lastFailure = failure.message
                // Only a lost race for the port is worth another try.
                guard failure.message.contains("address already in use") else { break retry }
            }
        }
        try? fileManager.removeItem(atPath: directory)
        throw TestSupportError(lastFailure)
    }

    deinit {
        stop()
    }

    /// Terminates the server (SIGTERM, then SIGKILL after 5 s), waits for it, and deletes its
    /// temporary directory. Safe to call more than once.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        Self.terminate(process)
        tokenService?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The server's standard error so far (its log; warnings and errors only).
    public var log: String {
        (try? String(contentsOfFile: directory + "/stderr", encoding: .utf8)) ?? ""
    }

    // MARK: - Starting

    /// Writes the config for `port`, starts the server and waits for `/v2/`. Returns the running
    /// process, or a failure (the server exited or never answered) after stopping it. Throws only
    /// when the config cannot be written or the process cannot be launched.
    private static func start(
        executable: String, directory: String, port: UInt16, attempt: Int, tls: TLSFiles? = nil,
        authenticationYAML: String = ""
    ) throws -> Result<Process, TestSupportError> {
        let config = directory + "/config.yml"
        // http.secret only silences the "No HTTP secret provided" warning; this is a test server.
        let yaml = """
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: custody-test-registry-\(UUID().uuidString)
            \(tlsConfiguration(tls))
            \(authenticationYAML)
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: config))

        let stdoutPath = directory + "/stdout"
        let stderrPath = directory + "/stderr"
        let fileManager = FileManager.default
        guard fileManager.createFile(atPath: stdoutPath, contents: nil),
              fileManager.createFile(atPath: stderrPath, contents: nil)
        else {
            throw TestSupportError("cannot create output files in \(directory)")
        }
        let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        defer { try? stdoutHandle.close() }
        let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? stderrHandle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", config]
        process.currentDirectoryURL = URL(fileURLWithPath: directory, isDirectory: true)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        do {
            try process.run()
        } catch {
            throw TestSupportError("cannot start \(executable) serve \(config): \(error)")
        }

        let clock = ContinuousClock()
        let deadline = clock.now + startupTimeout
        var lastAnswer = "no answer"
        while clock.now < deadline {
            if !process.isRunning {
                let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                return .failure(TestSupportError("""
                    docker-registry exited with status \(process.terminationStatus) before answering \
                    on 127.0.0.1:\(port) (attempt \(attempt))
                    --- config.yml ---
                    \(yaml)--- stderr ---
                    \(stderr)
                    """))
            }
            switch httpStatus(port: port, path: "/v2/") {
            case .success(200):
                return .success(process)
            case .success(let status) where isReadyOverTLS(status: status, tls: tls):
                return .success(process)
            case .success(401) where !authenticationYAML.isEmpty:
                return .success(process)
            case .success(let status):
                lastAnswer = "HTTP \(status)"
            case .failure(let error):
                lastAnswer = error.message
            }
            usleep(50_000)
        }
        terminate(process)
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return .failure(TestSupportError("""
            docker-registry on 127.0.0.1:\(port) did not answer GET /v2/ with 200 within \
            \(startupTimeout) (last: \(lastAnswer))
            --- stderr ---
            \(stderr)
            """))
    }

    private static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()  // SIGTERM
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while process.isRunning && clock.now < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    // MARK: - Sockets

    /// A port that was free a moment ago: binds a TCP socket to 127.0.0.1:0 and closes it.
    /// Never 5000.
    public static func freePort() throws -> UInt16 {
        for _ in 0..<10 {
            let port = try bindEphemeralPort()
            if port != 5000 { return port }
        }
        throw TestSupportError("could not find a free port on 127.0.0.1")
    }

    private static func bindEphemeralPort() throws -> UInt16 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestSupportError("socket(): errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw TestSupportError("bind(127.0.0.1:0): errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard named == 0 else { throw TestSupportError("getsockname(): errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// `GET path` over HTTP/1.0 to 127.0.0.1:port with 1-second socket timeouts; the status code
    /// of the answer, or why there was none.
    static func httpStatus(port: UInt16, path: String) -> Result<Int, TestSupportError> {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return .failure(TestSupportError("socket(): errno \(errno)")) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            return .failure(TestSupportError("connect(127.0.0.1:\(port)): errno \(errno)"))
        }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { return .failure(TestSupportError("send(): errno \(errno)")) }

        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while response.count < 4096, !response.contains(UInt8(ascii: "\n")) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            response.append(contentsOf: buffer[0..<count])
        }
        // "HTTP/1.1 200 OK"
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let status = Int(fields[1]) else {
            return .failure(TestSupportError("no HTTP status line from 127.0.0.1:\(port) (got \(statusLine.debugDescription))"))
        }
        return .success(status)
    }
}

// MARK: - TLS

extension RegistryServer {
    /// A PEM certificate (chain) and its PEM private key for a registry serving HTTPS.
    public struct TLSFiles: Sendable {
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// `https` when the server speaks TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    /// The `http.tls` lines of config.yml (indented under `http:`), or nothing.
    static func tlsConfiguration(_ tls: TLSFiles?) -> String {
        guard let tls else { return "" }
        return """
              tls:
                certificate: \(tls.certificate)
                key: \(tls.key)

            """
    }

    /// The startup probe speaks plain HTTP; a TLS server answers it with 400 ("Client sent an
    /// HTTP request to an HTTPS server"), which shows it is up.
    static func isReadyOverTLS(status: Int, tls: TLSFiles?) -> Bool {
        tls != nil && status == 400
    }
}

// MARK: - Authentication (htpasswd basic auth and token auth, for the registry-auth tests)

extension RegistryServer {
    /// How a test registry authenticates clients.
    public enum Authentication: Sendable {
        /// No authentication.
        case none
        /// `auth: htpasswd` with bcrypt entries for `users` (name → password); the registry
        /// challenges with `Basic realm="custody-test-realm"`.
        case htpasswd(users: [String: String])
        /// `auth: token` with a token service (`Scripts/registry-token-server.py`) that accepts
        /// `users` (name → password) as basic credentials and `refreshTokens` (identity token →
        /// user name) in OAuth2 refresh-token requests, and issues tokens valid for `expiresIn` seconds.
        case token(users: [String: String], refreshTokens: [String: String] = [:], expiresIn: Int = 300)
    }

    /// The htpasswd realm of `.htpasswd` registries.
    public static let htpasswdRealm = "custody-test-realm"
    /// The `service` of `.token` registries.
    public static let tokenServiceName = "custody-test-registry"
    /// The token issuer `.token` registries trust.
    public static let tokenIssuer = "custody-test-issuer"

    /// The `auth:` section of config.yml and the token service it names.
    struct AuthenticationSetup {
        var yaml: String
        var tokenService: TokenService?
    }

    /// Writes the htpasswd file or starts the token service for `authentication`.
    static func prepareAuthentication(_ authentication: Authentication, directory: String) throws -> AuthenticationSetup {
        switch authentication {
        case .none:
            return AuthenticationSetup(yaml: "", tokenService: nil)
        case .htpasswd(let users):
            let lines = try users.keys.sorted().map { try htpasswdLine(user: $0, password: users[$0]!) }
            let path = directory + "/htpasswd"
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
            return AuthenticationSetup(
                yaml: """
                    auth:
                      htpasswd:
                        realm: \(htpasswdRealm)
                        path: \(path)

                    """,
                tokenService: nil)
        case .token(let users, let refreshTokens, let expiresIn):
            let service = try TokenService(
                directory: directory, users: users, refreshTokens: refreshTokens, expiresIn: expiresIn)
            return AuthenticationSetup(
                yaml: """
                    auth:
                      token:
                        realm: \(service.realm)
                        service: \(tokenServiceName)
                        issuer: \(tokenIssuer)
                        rootcertbundle: \(service.certificatePath)

                    """,
                tokenService: service)
        }
    }

    /// One htpasswd line `user:bcrypt-hash` (cost 4, the minimum, to keep tests fast), made with
    /// Python's `bcrypt` module when it is importable (pip `bcrypt`, Debian `python3-bcrypt`),
    /// else `htpasswd -nbB` (Debian `apache2-utils`), else Python's `crypt` module (Python 3.12
    /// and older, on a libcrypt with bcrypt such as Debian's libxcrypt).
    public static func htpasswdLine(user: String, password: String) throws -> String {
        var attempts: [String] = []
        if PeerTool.path("python3") != nil {
            let script = """
                import sys, bcrypt
                sys.stdout.write(bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt(rounds=4)).decode())
                """
            let result = try runProcess("python3", ["-c", script, user, password])
            if result.status == 0, result.stdoutText.hasPrefix("$2") {
                return "\(user):\(result.stdoutText)"
            }
            attempts.append("python3 -c 'import bcrypt': \(result.stderrText.split(separator: "\n").last ?? "")")
        }
        if PeerTool.path("htpasswd") != nil {
            let result = try runProcess("htpasswd", ["-nbBC", "4", user, password])
            let line = result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.status == 0, line.hasPrefix("\(user):$2") { return line }
            attempts.append("htpasswd -nbB: status \(result.status)")
        }
        if PeerTool.path("python3") != nil {
            let script = """
                import sys, warnings
                warnings.simplefilter("ignore")
                import crypt
                sys.stdout.write(crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))
                """
            let result = try runProcess("python3", ["-c", script, user, password])
            if result.status == 0, result.stdoutText.hasPrefix("$2") {
                return "\(user):\(result.stdoutText)"
            }
            attempts.append("python3 -c 'import crypt': \(result.stderrText.split(separator: "\n").last ?? "")")
        }
        throw TestSupportError("""
            cannot make a bcrypt htpasswd entry: install the Python module bcrypt (pip install bcrypt) \
            or apache2-utils (htpasswd); tried: \(attempts.joined(separator: "; "))
            """)
    }

    /// The token service of a token-auth test registry: `Scripts/registry-token-server.py` on a
    /// free 127.0.0.1 port, with a fresh ES256 key whose self-signed certificate is the registry's
    /// `rootcertbundle`. Stopped by ``stop()`` or when released.
    public final class TokenService {
        /// The port it listens on.
        public let port: UInt16
        /// The certificate the registry trusts (PEM).
        public let certificatePath: String
        /// One line per token issued: `GET|POST user=NAME scopes=A|B`.
        public let logPath: String
        private let process: Process
        private var stopped = false

        /// The token endpoint, as the registry's challenges name it.
        public var realm: String { "http://127.0.0.1:\(port)/token" }

        /// The lines of the issue log so far (one per token issued).
        public var issuedTokens: [String] {
            ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        init(directory: String, users: [String: String], refreshTokens: [String: String], expiresIn: Int) throws {
            guard let python = PeerTool.path("python3") else {
                throw TestSupportError("python3 not found in PATH; the token service needs it (with the cryptography module)")
            }
            let script = Fixtures.repositoryRoot + "/Scripts/registry-token-server.py"
            let config: [String: Any] = [
                "issuer": RegistryServer.tokenIssuer,
                "service": RegistryServer.tokenServiceName,
                "users": users,
                "refresh_tokens": refreshTokens,
            ]
            let configPath = directory + "/token-service.json"
            try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
            certificatePath = directory + "/token-service.pem"
            logPath = directory + "/token-service.log"
            let stdoutPath = directory + "/token-service.stdout"
            let stderrPath = directory + "/token-service.stderr"
            guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
                  FileManager.default.createFile(atPath: stderrPath, contents: nil),
                  FileManager.default.createFile(atPath: logPath, contents: nil)
            else {
                throw TestSupportError("cannot create the token service's files in \(directory)")
            }
            let stdoutHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
            defer { try? stdoutHandle.close() }
            let stderrHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
            defer { try? stderrHandle.close() }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [
                script, "--config", configPath, "--certificate", certificatePath, "--log", logPath,
                "--expires-in", String(expiresIn), "--port", "0",
            ]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdoutHandle
            process.standardError = stderrHandle
            do {
                try process.run()
            } catch {
                throw TestSupportError("cannot start \(script): \(error)")
            }

            // The first line of standard output is the port, printed once the certificate is written.
            let clock = ContinuousClock()
            let deadline = clock.now + RegistryServer.startupTimeout
            while true {
                let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
                if let line = output.split(separator: "\n", omittingEmptySubsequences: false).first, output.contains("\n") {
                    guard let port = UInt16(line) else {
                        RegistryServer.terminate(process)
                        throw TestSupportError("the token service printed \(String(line).debugDescription) instead of its port")
                    }
                    self.port = port
                    break
                }
                if !process.isRunning || clock.now >= deadline {
                    RegistryServer.terminate(process)
                    let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                    throw TestSupportError("""
                        the token service (\(script)) did not start (is the Python module cryptography installed?)
                        --- stderr ---
                        \(stderr)
                        """)
                }
                usleep(20_000)
            }
            self.process = process
        }

        deinit {
            stop()
        }

        /// Terminates the token service. Safe to call more than once.
        public func stop() {
            guard !stopped else { return }
            stopped = true
            RegistryServer.terminate(process)
        }
    }
}
