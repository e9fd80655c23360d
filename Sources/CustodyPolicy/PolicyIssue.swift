/// One finding of ``PolicyDocument/lint(bytes:baseDirectory:)``: an error that makes the policy
/// invalid, or a warning about a policy that is valid but probably not what its author meant.
public struct PolicyIssue: Sendable, Hashable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: String, Sendable, Hashable, CustomStringConvertible {
        /// The policy is invalid: ``PolicyDocument/init(bytes:baseDirectory:)`` throws.
        case error
        /// The policy is valid, but this part is questionable (it can never match, never allow, or
        /// may be out of reach).
        case warning

        public var description: String { rawValue }
    }

    /// Error or warning.
    public var severity: Severity
    /// The kind of finding; warnings use ``PolicyError/Code/questionable``.
    public var code: PolicyError.Code
    /// The JSON path of the value concerned (`$.transports.docker["quay.io/x"][0].keyPath`).
    public var path: String
    /// What is wrong, in one line, without the path.
    public var message: String

    /// Makes a finding.
    public init(severity: Severity, code: PolicyError.Code, path: String, message: String) {
        self.severity = severity
        self.code = code
        self.path = path
        self.message = message
    }

    /// `path: severity: message`, one line.
    public var description: String { "\(path): \(severity): \(message)" }

    /// The finding as the error ``PolicyDocument/init(bytes:baseDirectory:)`` throws for it; its
    /// reason is `path: message`.
    public var error: PolicyError { PolicyError(code: code, reason: "\(path): \(message)", path: path) }
}
