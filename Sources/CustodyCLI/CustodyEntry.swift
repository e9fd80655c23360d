import ArgumentParser
import Foundation

/// Runs the `custody` command line: parses, runs, and maps every outcome to an ``ExitStatus``.
public enum CustodyEntry {
    /// Runs with the process's arguments and exits.
    public static func main() async -> Never {
        let status = await run(Array(CommandLine.arguments.dropFirst()))
        exit(status)
    }

    /// Runs one command line and returns its exit status; output goes to ``Console/current``.
    public static func run(_ arguments: [String]) async -> Int32 {
        let console = Console.current
        let command: any ParsableCommand
        do {
            command = try CustodyCommand.parseAsRoot(arguments)
        } catch {
            return reportUsage(error, console: console)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return ExitStatus.success.rawValue
        } catch {
            return report(error, console: console)
        }
    }

    /// Prints a parse error or help request as ArgumentParser words it; usage errors exit 64.
    private static func reportUsage(_ error: any Error, console: Console) -> Int32 {
        let code = CustodyCommand.exitCode(for: error)
        let message = CustodyCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { console.line(message) }
            return ExitStatus.success.rawValue
        }
        console.errorLine(message)
        return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
    }

    /// Prints a run-time error in one line and picks the exit status.
    private static func report(_ error: any Error, console: Console) -> Int32 {
        switch error {
        case let exit as ExitCode:
            return exit.rawValue
        case let denied as CommandDenied:
            console.errorLine("custody: \(denied.label): \(denied.reason.replacingOccurrences(of: "\n", with: " "))")
            return ExitStatus.denied.rawValue
        case _ where CustodyCommand.exitCode(for: error) != .failure:
            // ArgumentParser's own outcomes (help requests, validation and parse errors, some of
            // which surface from `run()` of a command group): it words them and picks the status.
            return reportUsage(error, console: console)
        default:
            // Everything else is a failure to evaluate: bad input, missing file, integrity failure.
            let message = String(describing: error).replacingOccurrences(of: "\n", with: " ")
            console.errorLine("custody: error: \(message)")
            return ExitStatus.couldNotEvaluate.rawValue
        }
    }
}
