import ArgumentParser
import CustodyJSON
import CustodyOCI
import CustodyPolicy
import CustodyVerify
import Foundation

/// `custody policy test DIR`: runs a folder of recorded cases against a policy and reports each.
struct PolicyTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a folder of policy test cases: each an image, its evidence and the expected decision.",
        discussion: """
            DIR holds policy.json and one folder per case. A case folder holds case.json, \
            {"image": "registry.example/app:v1", "expect": "allowed" | "denied" | "couldNotEvaluate"} \
            (optional "policy": a policy file relative to the case folder, instead of DIR/policy.json), \
            and evidence/, a dir: image with the manifests and signature files. Cases run in name \
            order. Exit status 0 when every case gets its expected decision, 1 when one does not, \
            2 when a case cannot be read. See Docs/policy.md.
            """
    )

    @Argument(help: "The folder of cases.") var directory: String
    @OptionGroup var output: OutputOptions

    /// `case.json`.
    struct CaseFile: Decodable {
        let image: String
        let expect: PolicyDecision.Outcome
        let policy: String?
    }

    struct Result: Encodable {
        let name: String
        let expected: PolicyDecision.Outcome
        let outcome: PolicyDecision.Outcome
        let passed: Bool
        let reasons: [String]
    }

    struct Report: Encodable {
        let directory: String
        let passed: Int
        let failed: Int
        let cases: [Result]
    }

    /// The largest case.json read.
    static let maxCaseFileBytes = 64 * 1024

    func run() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(directory)/\(name)/case.json", isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        guard !names.isEmpty else { throw ValidationError("\(directory) holds no case folders (NAME/case.json)") }
        var evaluators: [String: PolicyEvaluator] = [:]
        var results: [Result] = []
        for name in names {
            let folder = "\(directory)/\(name)"
            let file: CaseFile
            do {
                file = try StrictJSONDecoder().decode(CaseFile.self, from: try InputFiles.read("\(folder)/case.json", what: "case file", limit: Self.maxCaseFileBytes))
            } catch {
                throw ValidationError("\(folder)/case.json: \(error)")
            }
            let policyPath = file.policy.map { $0.hasPrefix("/") ? $0 : "\(folder)/\($0)" } ?? "\(directory)/policy.json"
            let evaluator: PolicyEvaluator
            if let cached = evaluators[policyPath] {
                evaluator = cached
            } else {
                evaluator = try PolicyEvaluator(contentsOfFile: policyPath)
                evaluators[policyPath] = evaluator
            }
            let decision = await PolicyEvidence.decide(image: try PolicyEvidence.imageName(file.image), evidence: "\(folder)/evidence", evaluator: evaluator)
            results.append(Result(name: name, expected: file.expect, outcome: decision.outcome, passed: decision.outcome == file.expect, reasons: decision.reasons))
        }
        let failed = results.filter { !$0.passed }.count
        let report = Report(directory: directory, passed: results.count - failed, failed: failed, cases: results)
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            for result in results {
                let because = result.passed || result.reasons.isEmpty ? "" : " (\(result.reasons.prefix(2).joined(separator: "; ")))"
                Console.current.line("\(result.passed ? "PASS" : "FAIL") \(result.name): expected \(result.expected), got \(result.outcome)\(because)")
            }
            Console.current.line("\(report.passed) passed, \(failed) failed")
        }
        if failed > 0 { throw CommandDenied(reason: "\(failed) of \(results.count) cases did not get the expected decision", label: "failed") }
    }
}
