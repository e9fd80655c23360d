/// The exit statuses of `custody`, as DESIGN.md fixes them.
public enum ExitStatus: Int32, Sendable {
    /// Success, or the image is allowed.
    case success = 0
    /// The image is denied by policy.
    case denied = 1
    /// Custody could not reach a decision: bad input, a missing file, an integrity failure, the network.
    case couldNotEvaluate = 2
    /// The command line is wrong.
    case usage = 64
}
