import ArgumentParser
import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import CustodyVerify
import Foundation

/// `custody audit replay FILE`: decides a recorded admission again, offline, under today's policy.
struct AuditReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Decide a recorded admission again, offline, and say whether today's policy decides the same.",
        discussion: """
            FILE is an audit file or a file holding one record; --id picks the record (by record \
            id or request uid) when there are several. Each image is decided again from the \
            manifests and signatures the record kept (or, for a decision answered from the cache, \
            the earlier record of the same file that kept them), with no network access, under --policy \
            (default: the policy file the record names) at the current time (--at-record-time: at \
            the time of the record). Exit status 0 when every image is decided as recorded, 1 when \
            any decision differs, 2 when an image cannot be replayed (no evidence was recorded, \
            for example because verification did not finish before the deadline).
            """
    )

    @Argument(help: "An audit file, or a file holding one record.") var file: String
    @Option(name: .long, help: "The record id or request uid to replay.") var id: String?
    @Option(name: .long, help: "The policy to decide with (default: the path in the record).") var policy: String?
    @Flag(name: .customLong("at-record-time"), help: "Decide at the record's time instead of now (key and signature expiry).")
    var atRecordTime = false
    @OptionGroup var output: OutputOptions

    struct ImageReplay: Encodable {
        let image: String
        let digest: Digest?
        let recorded: String
        let now: String?
        let same: Bool?
        let reasons: [String]
    }

    struct Report: Encodable {
        let record: String
        let uid: String
        let recordedPolicy: String
        let policy: String
        let policyChanged: Bool
        let images: [ImageReplay]
        let verdict: String
    }

    func run() async throws {
        var candidates: [AdmissionRecord] = []
        try AuditLog.read(path: file) { result in
            if case .success(let record) = result, id == nil || record.id == id || record.request.uid == id { candidates.append(record) }
        }
        guard let record = candidates.last else {
            throw CouldNotEvaluate(reason: id.map { "no record \($0) in \(file)" } ?? "\(file) holds no audit record")
        }
        if id == nil && candidates.count > 1 {
            throw ValidationError("\(file) holds \(candidates.count) records: pick one with --id")
        }
        // Records answered from the cache name their evidence, kept by an earlier record.
        let wanted = Set(record.images.filter { $0.evidence == nil }.compactMap(\.evidenceID))
        var found: [String: RecordedEvidence] = [:]
        if !wanted.isEmpty {
            try AuditLog.read(path: file) { result in
                guard case .success(let other) = result else { return }
                for image in other.images {
                    if let id = image.evidenceID, let evidence = image.evidence, wanted.contains(id), found[id] == nil { found[id] = evidence }
                }
            }
        }
        let policyPath = policy ?? record.policy.path ?? ""
        let evaluator = try PolicyEvaluator(contentsOfFile: policyPath)
        let when = atRecordTime ? (DecisionTime.parse(record.time) ?? Date()) : Date()
        var images: [ImageReplay] = []
        for image in record.images {
            let recorded = image.outcome.rawValue
            guard let reference = image.reference else {
                images.append(.init(image: image.image, digest: image.digest, recorded: recorded, now: nil, same: nil,
                                    reasons: ["the image was not a valid reference: nothing was decided from it"]))
                continue
            }
            let decision: PolicyDecision
            do {
                let identity = try ImageReference.parseDockerReference(reference)
                if let evidence = image.evidence ?? image.evidenceID.flatMap({ found[$0] }) {
                    decision = evaluator.evaluate(image: .docker(identity), evidence: try evidence.evidence(), now: when)
                } else if let rejected = await RejectedScope.decision(for: identity, evaluator: evaluator) {
                    // Today's policy rejects the scope: no evidence is needed to decide.
                    decision = rejected
                } else {
                    let why = image.decision == nil ? "no decision was made (\(image.reasons.first ?? "no reason recorded"))" : "the record holds no evidence for it"
                    images.append(.init(image: image.image, digest: image.digest, recorded: recorded, now: nil, same: nil,
                                        reasons: ["cannot be replayed: \(why), and today's policy needs the image to decide"]))
                    continue
                }
            } catch {
                images.append(.init(image: image.image, digest: image.digest, recorded: recorded, now: nil, same: nil, reasons: ["\(error)"]))
                continue
            }
            images.append(.init(
                image: image.image, digest: image.digest, recorded: recorded, now: decision.outcome.rawValue,
                same: decision.outcome == image.outcome, reasons: decision.reasons))
        }
        let verdict = images.contains { $0.same == nil } ? "not replayable" : images.allSatisfy { $0.same == true } ? "same" : "differs"
        let report = Report(
            record: record.id, uid: record.request.uid, recordedPolicy: record.policy.sha256.description,
            policy: (evaluator.policyFile.sha256 ?? record.policy.sha256).description,
            policyChanged: evaluator.policyFile.sha256 != record.policy.sha256, images: images, verdict: verdict)
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            Console.current.line("record \(record.id) (\(record.request.kind.kind) \(record.request.namespace ?? "")/\(record.request.name ?? ""), \(record.time)): \(verdict)")
            Console.current.line("  policy then \(report.recordedPolicy), now \(report.policy)\(report.policyChanged ? " (changed)" : "")")
            for image in images {
                Console.current.line("  \(image.image): recorded \(image.recorded), now \(image.now ?? "not replayable")")
                for reason in image.reasons { Console.current.line("    \(reason)") }
            }
        }
        switch verdict {
        case "same": return
        case "differs": throw CommandDenied(reason: "today's policy decides record \(record.id) differently", label: "differs")
        default: throw CouldNotEvaluate(reason: "record \(record.id) cannot be fully replayed")
        }
    }
}
