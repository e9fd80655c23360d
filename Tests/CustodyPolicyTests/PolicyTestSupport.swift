import CustodyPolicy

/// The folder test policies are "read from", so relative key paths have a known base.
let testBaseDirectory = "/etc/custody"

/// Parses a policy given as text.
func parsePolicy(_ json: String, baseDirectory: String = testBaseDirectory) throws(PolicyError) -> PolicyDocument {
    try PolicyDocument(bytes: Array(json.utf8), baseDirectory: baseDirectory)
}

/// Lints a policy given as text.
func lintPolicy(_ json: String, baseDirectory: String = testBaseDirectory) -> [PolicyIssue] {
    PolicyDocument.lint(bytes: Array(json.utf8), baseDirectory: baseDirectory)
}

/// A policy whose `default` is the one requirement `requirement` (JSON text).
func policy(default requirement: String) -> String {
    #"{"default":["# + requirement + "]}"
}

/// A policy whose `default` rejects and whose transport `transport` has the scopes `scopes`
/// (JSON text of the scopes object's members).
func policy(transport: String, scopes: String) -> String {
    #"{"default":[{"type":"reject"}],"transports":{"# + "\"\(transport)\":{\(scopes)}}}"
}

/// The errors of a lint result.
func errors(_ issues: [PolicyIssue]) -> [PolicyIssue] { issues.filter { $0.severity == .error } }

/// The warnings of a lint result.
func warnings(_ issues: [PolicyIssue]) -> [PolicyIssue] { issues.filter { $0.severity == .warning } }
