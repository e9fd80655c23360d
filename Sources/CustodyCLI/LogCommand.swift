import ArgumentParser

/// `custody log`: the transparency log.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Run and use a transparency log (Rekor v2 write API, C2SP tlog-tiles read API).",
        subcommands: [
            LogServeCommand.self, LogAppendCommand.self, LogGetCommand.self, LogProofCommand.self, LogVerifyCommand.self,
            LogMonitorCommand.self,
        ]
    )
}
