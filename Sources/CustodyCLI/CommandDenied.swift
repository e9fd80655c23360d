/// A run that finished with the answer "no": the image or signature is not accepted, or (for
/// checks such as `policy lint`) the input fails the check. `custody` prints
/// `custody: <label>: <reason>` and exits 1, as distinct from errors (exit 2).
struct CommandDenied: Error, CustomStringConvertible {
    let reason: String
    /// The word before the reason: "denied" for decisions, "invalid" or "failed" for checks.
    var label = "denied"
    var description: String { reason }
}
