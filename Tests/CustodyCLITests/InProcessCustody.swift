import CustodyCLI

/// What one in-process run of the command line did.
struct CLIOutcome {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the `custody` command line in this process with its output captured (fast; for tests
/// that do not need a separate process or environment).
func runCustody(_ arguments: [String]) async -> CLIOutcome {
    let console = Console.capturing()
    let status = await Console.$current.withValue(console) { await CustodyEntry.run(arguments) }
    return CLIOutcome(status: status, stdout: console.standardOutput, stderr: console.standardError)
}
