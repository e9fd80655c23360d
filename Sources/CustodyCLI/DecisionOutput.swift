import ArgumentParser
import CustodyOCI
import CustodyPolicy
import CustodyStores
import CustodyVerify

/// Prints a policy decision and turns its outcome into the exit status: 0 allowed, 1 denied
/// (`custody: denied: …`), 2 could not evaluate (`custody: error: could not evaluate: …`).
enum DecisionOutput {
    static func report(_ decision: PolicyDecision, format: OutputFormat) throws {
        switch format {
        case .json: try Console.current.json(decision)
        case .text: printText(decision)
        }
        switch decision.outcome {
        case .allowed: return
        case .denied: throw CommandDenied(reason: summary(decision))
        case .couldNotEvaluate: throw CouldNotEvaluate(reason: summary(decision))
        }
    }

    /// The first reasons, on one line.
    static func summary(_ decision: PolicyDecision) -> String {
        let reasons = decision.reasons.isEmpty ? ["\(decision.outcome)"] : decision.reasons
        return reasons.prefix(3).joined(separator: "; ") + (reasons.count > 3 ? "; …" : "")
    }

    private static func printText(_ decision: PolicyDecision) {
        let console = Console.current
        console.line("\(decision.image.name): \(decision.outcome)")
        if let scope = decision.scope { console.line("  policy scope: \(scope.path)") }
        for platform in decision.platforms {
            console.line("  \(platform.name): \(platform.outcome)")
            for requirement in platform.requirements {
                let label = requirement.description.map { "\(requirement.type) (\($0))" } ?? requirement.type
                console.line("    \(label) at \(requirement.path): \(requirement.outcome): \(requirement.reason)")
                for signature in requirement.signatures {
                    console.line("      \(signature.location): \(signature.outcome): \(signature.reason)")
                }
            }
        }
        if decision.platforms.isEmpty {
            for reason in decision.reasons { console.line("  \(reason)") }
        }
    }

    /// Evaluates `name` under `evaluator`, reading its signatures where Custody finds them: the
    /// registry's cosign attachments and the lookaside for `docker://`, the signature files of a
    /// `dir:` image (each unreadable file reported on its own).
    /// - Parameter source: an already opened source to decide about (`copy` decides on the source
    ///   it copies). A `docker://` source given here must have been opened with its lookaside and
    ///   attached signatures; its lookaside is then read through it, not as a store of its own.
    static func evaluate(
        _ name: ImageName, evaluator: PolicyEvaluator, transport: ImageTransport, source: (any ImageSource)? = nil
    ) async throws -> PolicyDecision {
        let reader = try source ?? transport.openSource(name, lookasideSignatures: false, attachments: true)
        var stores: [any SignatureStore] = []
        var readsImageSignatures = true
        switch name {
        case .docker(let reference):
            if source == nil, let lookaside = try transport.lookaside(for: reference, forWriting: false) { stores.append(lookaside) }
        case .directory(let path):
            stores.append(DirectorySignatureStore(path: path))
            readsImageSignatures = false
        case .ociLayout:
            break
        }
        return await evaluator.evaluate(image: name, source: reader, stores: stores, readsImageSignatures: readsImageSignatures)
    }
}

/// "Could not evaluate": exit 2, as any error, with the decision's reasons.
struct CouldNotEvaluate: Error, CustomStringConvertible {
    let reason: String
    var description: String { "could not evaluate: \(reason)" }
}
