import ArgumentParser
import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import Foundation

/// `custody audit query FILE`: the audit records that match every filter given.
struct AuditQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print the audit records that match the filters.",
        discussion: """
            Reads a webhook audit file (custody.admission/v1 JSON lines) and prints each record \
            that matches every filter: one line per record, or with --output json the records \
            themselves (JSON lines, as stored). A line that is not a record is reported on standard \
            error with its number, and the exit status is then 2; otherwise 0, whether or not \
            anything matched.
            """
    )

    @Argument(help: "The audit file.") var file: String
    @Option(name: .long, help: "Only this namespace.") var namespace: String?
    @Option(name: .long, help: "Only this kind (Pod, Deployment, …).") var kind: String?
    @Option(name: .long, help: "Only this object name.") var name: String?
    @Option(name: .long, help: "Only requests by this user.") var user: String?
    @Option(name: .long, help: "Only this outcome: allowed, denied or warned.") var outcome: String?
    @Option(name: .long, help: "Only records with an image whose reference or written form contains this text.") var image: String?
    @Option(name: .long, help: "Only records with an image that resolved to this digest.") var digest: String?
    @Option(name: .long, help: "Only the record of this request uid or record id.") var id: String?
    @Option(name: .long, help: "Only records at or after this RFC 3339 time.") var since: String?
    @Option(name: .long, help: "Only records before this RFC 3339 time.") var until: String?
    @Option(name: .long, help: "Print at most this many records.") var limit: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let outcome, !["allowed", "denied", "warned"].contains(outcome) { throw ValidationError("--outcome must be allowed, denied or warned") }
        if let since, DecisionTime.parse(since) == nil { throw ValidationError("--since must be an RFC 3339 time such as 2026-11-22T10:00:00Z") }
        if let until, DecisionTime.parse(until) == nil { throw ValidationError("--until must be an RFC 3339 time such as 2026-11-22T10:00:00Z") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    /// Whether `record` passes every filter.
    func matches(_ record: AdmissionRecord) -> Bool {
        if let namespace, record.request.namespace != namespace { return false }
        if let kind, record.request.kind.kind != kind { return false }
        if let name, record.request.name != name { return false }
        if let user, record.request.user != user { return false }
        if let outcome, record.outcome != outcome { return false }
        if let id, record.request.uid != id && record.id != id { return false }
        if let image, !record.images.contains(where: { $0.image.contains(image) || ($0.reference?.contains(image) ?? false) }) { return false }
        if let digest, !record.images.contains(where: { $0.digest?.description == digest }) { return false }
        if since != nil || until != nil {
            guard let time = DecisionTime.parse(record.time) else { return false }
            if let since, let start = DecisionTime.parse(since), time < start { return false }
            if let until, let end = DecisionTime.parse(until), time >= end { return false }
        }
        return true
    }

    func run() async throws {
        var printed = 0
        var bad = 0
        try AuditLog.read(path: file) { result in
            switch result {
            case .failure(let error):
                bad += 1
                Console.current.errorLine("custody: \(file): \(error)")
            case .success(let record):
                guard matches(record), limit.map({ printed < $0 }) ?? true else { return }
                printed += 1
                switch output.output {
                case .json: Console.current.line(String(decoding: try record.jsonLine(), as: UTF8.self))
                case .text: Console.current.line(Self.summary(record))
                }
            }
        }
        if bad > 0 { throw CouldNotEvaluate(reason: "\(bad) line(s) of \(file) are not audit records") }
    }

    /// One line: time, outcome, what, who, images with digests and outcomes.
    static func summary(_ record: AdmissionRecord) -> String {
        let object = [record.request.namespace, record.request.name].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "/")
        let images = record.images.map { image in
            "\(image.image)\(image.digest.map { "@\($0)" } ?? "")=\(image.outcome)\(image.cached ? "(cached)" : "")"
        }
        return "\(record.time) \(record.outcome) \(record.endpoint) \(record.request.operation) \(record.request.kind.kind) \(object.isEmpty ? "-" : object) "
            + "user=\(record.request.user ?? "-") id=\(record.id) \(images.joined(separator: " "))"
    }
}
