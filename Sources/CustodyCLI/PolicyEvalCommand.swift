import ArgumentParser
import CustodyOCI
import CustodyPolicy
import CustodyStores
import CustodyVerify

/// `custody policy eval`: decides an image under a policy from recorded evidence, fully offline.
struct PolicyEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Decide an image under a policy from evidence in a directory, offline.",
        discussion: """
            The evidence is a dir: image (as `skopeo copy … dir:EVIDENCE` or `custody copy … \
            dir:EVIDENCE` write it): its manifests and its signature files (simple signatures and \
            cosign signatures in containers/image's framing). --image names the image the policy \
            decides about (its scope and the identity signatures must match), e.g. \
            registry.example/app:v1 or docker://registry.example/app@sha256:…; nothing is \
            fetched. Exit status 0 allowed, 1 denied, 2 could not evaluate.
            """
    )

    @Option(name: .long, help: "The policy file.") var policy: String
    @Option(name: .long, help: "The image the decision is about: a docker reference, docker://REF, or dir:/oci: name.") var image: String
    @Option(name: .long, help: "A dir: image directory holding the manifests and signatures.") var evidence: String
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let evaluator = try PolicyEvaluator(contentsOfFile: policy)
        let decision = await PolicyEvidence.decide(image: try PolicyEvidence.imageName(image), evidence: evidence, evaluator: evaluator)
        try DecisionOutput.report(decision, format: output.output)
    }
}

/// Offline evidence: a `dir:` image standing for the image a policy decides about.
enum PolicyEvidence {
    /// `docker://REF`, `oci:…`, `dir:…`, or a bare docker reference (as `docker://REF`).
    static func imageName(_ text: String) throws -> ImageName {
        if text.contains("://") || text.hasPrefix("oci:") || text.hasPrefix("dir:") { return try ImageName(parsing: text) }
        return try ImageName(parsing: "docker://" + text)
    }

    /// Decides `image` with the manifests and signature files of the `dir:` image at `evidence`.
    static func decide(image: ImageName, evidence: String, evaluator: PolicyEvaluator) async -> PolicyDecision {
        await evaluator.evaluate(
            image: image, source: DirectorySource(path: evidence), stores: [DirectorySignatureStore(path: evidence)],
            readsImageSignatures: false)
    }
}
