import CustodyCLI
import CustodyTestSupport
import Foundation

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

/// Runs the built `custody` binary as a child process, waited for on a thread of its own.
///
/// For commands that talk to a server with deadlines: in this process their HTTP timeouts run on
/// the test process's cooperative pool, which the rest of the suite can keep busy for minutes on
/// two cores (a `log append` once gave up after its 30 s there while the server was fine). A
/// child process keeps its own clock. A binary that cannot be started is status -1.
func runCustodyProcess(_ arguments: [String]) async -> CLIOutcome {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            do {
                let result = try runProcess(try CustodyExecutable.path(), arguments)
                continuation.resume(returning: CLIOutcome(status: result.status, stdout: result.stdoutText, stderr: result.stderrText))
            } catch {
                continuation.resume(returning: CLIOutcome(status: -1, stdout: "", stderr: "cannot run custody: \(error)"))
            }
        }
    }
}
