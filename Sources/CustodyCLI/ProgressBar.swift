/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    private let console: Console
    private let total: Int64
    private let isEnabled: Bool
    private var lastPermille = -1

    /// The width of the bar in cells.
    static let width = 30

    init(console: Console, total: Int64) {
        self.console = console
        self.total = max(total, 1)
        self.isEnabled = console.isErrorTerminal
    }

    /// Redraws when the shown value changes (at most 1000 times in all).
    mutating func update(done: Int64, label: String) {
        guard isEnabled else { return }
        let permille = Int(min(done, total) * 1000 / total)
        guard permille != lastPermille else { return }
        lastPermille = permille
        let filled = permille * ProgressBar.width / 1000
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: ProgressBar.width - filled)
        let percent = String(permille / 10) + "." + String(permille % 10)
        console.error("\r[\(bar)] \(percent)% \(ProgressBar.mebibytes(done))/\(ProgressBar.mebibytes(total)) MiB \(label)\u{1B}[K")
    }

    /// Clears the line.
    func finish() {
        guard isEnabled else { return }
        console.error("\r\u{1B}[K")
    }

    private static func mebibytes(_ bytes: Int64) -> String {
        let tenths = bytes * 10 / (1024 * 1024)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
