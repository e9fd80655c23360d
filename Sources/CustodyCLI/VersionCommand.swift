import ArgumentParser

/// `custody version`: prints the version of this build.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of custody.")

    @OptionGroup var output: OutputOptions

    private struct Report: Encodable {
        let version: String
    }

    func run() async throws {
        switch output.output {
        case .text: Console.current.line("custody \(CustodyVersion.current)")
        case .json: try Console.current.json(Report(version: CustodyVersion.current))
        }
    }
}
