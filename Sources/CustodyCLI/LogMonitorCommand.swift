import ArgumentParser
import CustodyJSON
import CustodyKeys
import CustodyLogClient
import CustodyOCI
import CustodyRegistry
import CustodyTransparency
import Foundation

/// `custody log monitor`: follows a log, verifies that it only ever grows, and reports entries
/// made with watched keys or in the name of watched identities.
struct LogMonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Follow a transparency log and report every entry made with the given keys or identities.",
        discussion: """
            Each poll verifies the log's checkpoint with --log-key, rebuilds the new tree from the \
            last verified one by appending every new entry (so no entry can be hidden), and prints \
            the entries whose verifier is one of the --key public keys (or a certificate for one), \
            or a certificate naming an --identity (email or URI, exact) or matching an \
            --identity-regexp (whole name), from --issuer when given: a signature the team did not \
            make is a key, CI or identity compromise. Entries the monitor cannot read are counted \
            and listed. The last verified tree is kept in --state, so a \
            later run goes on where this one stopped and notices a log that went back or forked. \
            Exit status: 0 after --once (or never, while following), 1 and an ALARM line when the \
            log shows a smaller tree than before or two different trees (a fork), 2 when the log \
            cannot be read or its checkpoint does not verify. See Docs/log.md.
            """
    )

    /// The longest checkpoint, tile or entry bundle read.
    static let maxResponseBytes = 1 << 20

    @Option(name: .long, help: "The log's base URL, e.g. https://log.example.com.") var server: String
    @Option(name: .customLong("log-key"), help: "The log's key: a PEM public key file (with --origin) or its C2SP verifier key string.")
    var logKey: String
    @Option(name: .long, help: "The checkpoint origin, needed with a PEM --log-key (defaults to the verifier key's name).")
    var origin: String?
    @Option(name: .customLong("key"), help: "A public key (PEM) whose entries are reported; repeat for several.") var keys: [String] = []
    @Option(name: .customLong("identity"), help: "An email address or URI: entries whose certificate names it are reported; repeat for several.")
    var identities: [String] = []
    @Option(name: .customLong("identity-regexp"), help: "A regular expression a certificate's email or URI must match whole; repeat for several.")
    var identityPatterns: [String] = []
    @Option(name: .long, help: "The OIDC issuer a certificate must also name for --identity and --identity-regexp to match.")
    var issuer: String?
    @Option(name: .long, help: "The state file: the last verified tree (created when missing).") var state: String
    @Flag(name: .long, help: "Poll once and exit instead of following.") var once = false
    @Option(name: .long, help: "Seconds between polls when following (1-86400).") var interval: Int = 30
    @Option(name: .long, help: "text, or json (one JSON object per line).") var output: OutputFormat = .text

    enum OutputFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        guard (1...86_400).contains(interval) else { throw ValidationError("--interval must be 1 to 86400 seconds") }
        guard !keys.isEmpty || !identities.isEmpty || !identityPatterns.isEmpty else {
            throw ValidationError("give at least one --key, --identity or --identity-regexp whose entries to report")
        }
        guard issuer == nil || !identities.isEmpty || !identityPatterns.isEmpty else {
            throw ValidationError("--issuer applies to --identity or --identity-regexp; give one")
        }
        _ = try watchedIdentities()
        guard server.hasPrefix("http://") || server.hasPrefix("https://") else { throw ValidationError("--server must be an http(s) URL") }
    }

    func run() async throws {
        let verifierKey = try Self.verifierKey(logKey, origin: origin)
        let fetcher = HTTPFetcher()
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let monitor = LogMonitor(
            logKey: verifierKey, origin: origin, watchedKeys: try InputFiles.publicKeys(keys), watchedIdentities: try watchedIdentities(),
            fetch: { path in
                let response = try await fetcher.get(base + "/" + path, maxBytes: Self.maxResponseBytes)
                if response.status == 404 { return nil }
                guard response.status == 200 else {
                    throw CouldNotEvaluate(reason: "GET \(base)/\(path) answered \(response.status)")
                }
                return response.body
            })
        var current = try readState()
        while true {
            let report: LogMonitor.Report
            do {
                report = try await monitor.poll(from: current)
            } catch let alarm as LogMonitor.Alarm {
                emit(alarm: alarm)
                throw CommandDenied(reason: alarm.reason, label: "ALARM (\(alarm.kind.rawValue))")
            }
            for match in report.matches { emit(match: match) }
            if report.state != current {
                try writeState(report.state)
                current = report.state
            }
            if !report.unreadable.isEmpty { emit(unreadable: report.unreadable) }
            emit(size: report.state.size, newEntries: report.newEntries, matches: report.matches.count)
            if once { return }
            try await Task.sleep(for: .seconds(interval))
        }
    }

    /// A verifier key from a C2SP verifier key string or a PEM public key file named by `text`.
    static func verifierKey(_ text: String, origin: String?) throws -> NoteVerifierKey {
        if !FileManager.default.fileExists(atPath: text), text.contains("+") {
            return try NoteVerifierKey(parsing: text)
        }
        guard let origin else { throw ValidationError("--origin is needed with a PEM --log-key") }
        let key = try InputFiles.publicKeys([text])[0]
        return try NoteVerifierKey(name: origin, publicKey: key)
    }

    private func readState() throws -> LogMonitorState? {
        guard FileManager.default.fileExists(atPath: state) else { return nil }
        return try LogMonitorState(json: InputFiles.read(state, what: "monitor state file", limit: LogMonitorState.maxFileBytes))
    }

    /// Writes the state next to the file and renames it into place, so a crash leaves the old state.
    private func writeState(_ value: LogMonitorState) throws {
        let temporary = state + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(value.json + [0x0A])) else {
            throw CouldNotEvaluate(reason: "cannot write \(temporary)")
        }
        guard rename(temporary, state) == 0 else { throw CouldNotEvaluate(reason: "cannot rename \(temporary) to \(state)") }
    }

    /// The --identity and --identity-regexp watches.
    func watchedIdentities() throws -> [LogMonitor.IdentityWatch] {
        do {
            return try identities.map { try LogMonitor.IdentityWatch(identity: $0, issuer: issuer) }
                + identityPatterns.map { try LogMonitor.IdentityWatch(identity: $0, mode: .regularExpression, issuer: issuer) }
        } catch {
            throw ValidationError("--identity-regexp: \(error)")
        }
    }

    private func emit(match: LogMonitor.Match) {
        let fingerprint = Self.fingerprint(match.key)
        let names = match.certificate?.identities ?? []
        let issuer = match.certificate?.oidcIssuer
        switch output {
        case .text:
            var line = "entry \(match.index): \(match.kind) by watched \(match.watched == "key" ? "key \(fingerprint)" : "identity \(match.watched), key \(fingerprint)")"
            if match.certificate != nil {
                line += ", certificate for \(names.isEmpty ? "no identity" : names.joined(separator: ", "))"
                if let issuer { line += " from \(issuer)" }
            }
            Console.current.line(line + ", digest \(match.digest)")
        case .json:
            var members: [(String, JSONValue)] = [
                ("event", .string("match")), ("index", .number(JSONNumber(Int64(clamping: match.index)))), ("kind", .string(match.kind)),
                ("watched", .string(match.watched)), ("key", .string(fingerprint)), ("digest", .string(match.digest)),
            ]
            if let certificate = match.certificate {
                members.append(("identities", .array(names.map { .string($0) })))
                members.append(("issuer", certificate.oidcIssuer.map { .string($0) } ?? .null))
                members.append(("certificate", .string(Digest.compute(certificate.derBytes).description)))
            }
            try? LogClientOptions.printJSON(members)
        }
    }

    private func emit(unreadable: [UInt64]) {
        let shown = unreadable.prefix(20).map(String.init).joined(separator: ", ") + (unreadable.count > 20 ? ", …" : "")
        switch output {
        case .text: Console.current.line("\(unreadable.count) new entries are not hashedrekord entries this monitor can read: \(shown)")
        case .json:
            try? LogClientOptions.printJSON([
                ("event", .string("unreadable")), ("count", .number(JSONNumber(Int64(unreadable.count)))),
                ("indexes", .array(unreadable.prefix(1_000).map { .number(JSONNumber(Int64(clamping: $0))) })),
            ])
        }
    }

    private func emit(alarm: LogMonitor.Alarm) {
        switch output {
        case .text: Console.current.line(alarm.description)
        case .json:
            try? LogClientOptions.printJSON([
                ("event", .string("alarm")), ("kind", .string(alarm.kind.rawValue)), ("reason", .string(alarm.reason)),
            ])
        }
    }

    private func emit(size: UInt64, newEntries: UInt64, matches: Int) {
        switch output {
        case .text: Console.current.line("log at \(size) entries: \(newEntries) new, \(matches) by watched keys or identities")
        case .json:
            try? LogClientOptions.printJSON([
                ("event", .string("checkpoint")), ("size", .number(JSONNumber(Int64(clamping: size)))),
                ("newEntries", .number(JSONNumber(Int64(clamping: newEntries)))), ("matches", .number(JSONNumber(Int64(matches)))),
            ])
        }
    }

    /// `sha256:<hex>` of a SubjectPublicKeyInfo.
    static func fingerprint(_ spki: [UInt8]) -> String {
        Digest.compute(spki).description
    }
}
