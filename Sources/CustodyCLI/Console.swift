import Foundation

/// Where commands write. Tests swap it for one that captures output.
public final class Console: @unchecked Sendable {
    // @unchecked: every access to the mutable buffers happens under `lock`.
    private let lock = NSLock()
    private var capturedOut: [UInt8]?
    private var capturedErr: [UInt8]?
    /// Whether standard error is a terminal (progress bars are drawn only then).
    public let isErrorTerminal: Bool

    private init(capturing: Bool) {
        if capturing {
            capturedOut = []
            capturedErr = []
            isErrorTerminal = false
        } else {
            isErrorTerminal = isatty(STDERR_FILENO) == 1
        }
    }

    /// The process's standard output and error.
    public static let standard = Console(capturing: false)

    /// A console that keeps everything written, for tests.
    public static func capturing() -> Console { Console(capturing: true) }

    /// The console commands write to in this task.
    @TaskLocal public static var current: Console = .standard

    /// Writes a line to standard output.
    public func line(_ text: String) { write(text + "\n", toError: false) }

    /// Writes to standard error without a newline (progress bars).
    public func error(_ text: String) { write(text, toError: true) }

    /// Writes a line to standard error.
    public func errorLine(_ text: String) { write(text + "\n", toError: true) }

    /// What was written to standard output (capturing consoles only).
    public var standardOutput: String { lock.withLock { String(decoding: capturedOut ?? [], as: UTF8.self) } }
    /// What was written to standard error (capturing consoles only).
    public var standardError: String { lock.withLock { String(decoding: capturedErr ?? [], as: UTF8.self) } }

    private func write(_ text: String, toError: Bool) {
        lock.withLock {
            if capturedOut != nil {
                if toError { capturedErr?.append(contentsOf: text.utf8) } else { capturedOut?.append(contentsOf: text.utf8) }
                return
            }
            let handle = toError ? FileHandle.standardError : FileHandle.standardOutput
            try? handle.write(contentsOf: Data(text.utf8))  // a closed pipe must not crash the command
        }
    }
}
