import ArgumentParser
import CustodyOCI
import CustodyPolicy
import Foundation

/// `custody policy lint FILE`: every error and warning of a policy, each with its JSON path.
struct PolicyLintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Report every error and warning of a policy file, each with its JSON path.",
        discussion: """
            Errors make the policy invalid (custody and containers tools refuse it); warnings mark \
            parts that are valid but probably not meant (a scope that can never match, a threshold \
            out of reach). Exit status 0 when there is no error, 1 when there are errors, 2 when \
            the file cannot be read.
            """
    )

    @Argument(help: "The policy file.") var file: String
    @OptionGroup var output: OutputOptions

    struct Finding: Encodable {
        let severity: String
        let code: String
        let path: String
        let message: String
    }

    struct Report: Encodable {
        let file: String
        let valid: Bool
        let findings: [Finding]
    }

    func run() async throws {
        let bytes = try InputFiles.read(file, what: "policy file", limit: PolicyDocument.maxBytes)
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        let folder = (absolute as NSString).deletingLastPathComponent
        let issues = PolicyDocument.lint(bytes: bytes, baseDirectory: folder)
        let findings = issues.map { Finding(severity: $0.severity.rawValue, code: $0.code.rawValue, path: $0.path, message: $0.message) }
        let errors = issues.filter { $0.severity == .error }.count
        let report = Report(file: file, valid: errors == 0, findings: findings)
        switch output.output {
        case .json: try Console.current.json(report)
        case .text:
            for finding in findings { Console.current.line("\(file): \(finding.path): \(finding.severity): \(finding.message)") }
            if findings.isEmpty { Console.current.line("\(file): valid") }
        }
        if errors > 0 {
            throw CommandDenied(reason: "\(file) has \(errors) error\(errors == 1 ? "" : "s")", label: "invalid")
        }
    }
}
