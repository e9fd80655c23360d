/// A run that finished with the answer "no": the image or signature is not accepted.
/// `custody` prints `custody: denied: <reason>` and exits 1, as distinct from errors (exit 2).
struct CommandDenied: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
