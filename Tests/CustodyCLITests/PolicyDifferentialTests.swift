import CustodyTestSupport
import Foundation
import Testing

// Differential conformance of `custody verify --policy` against skopeo 1.9.3 (issue 5 item 6).
//
// Each case of PolicyDifferentialCases.swift writes a containers-policy.json, signs the image (or
// leaves it unsigned), then asks both tools for a decision on the same image, the same policy and
// the same registries.d:
//
//   skopeo --policy POLICY --registries.d RD copy --src-tls-verify=false [--all] docker://REF dir:OUT
//   skopeo --policy POLICY --registries.d RD copy [--all] dir:IMAGE dir:OUT     (or oci:LAYOUT:latest)
//       allowed = exit 0 (skopeo evaluates the policy for every single image it copies; --all for
//       an index, so every instance is evaluated, as custody does)
//   custody verify docker://REF --policy POLICY --registries.d RD --tls-verify=false --output json
//   custody verify dir:IMAGE --policy POLICY --output json                    (or oci:LAYOUT:latest)
//       0 allowed, 1 denied, 2 could not evaluate
//
// A case passes when skopeo reaches the case's decision (and, for a denial, for the stated cause),
// and custody reaches the same decision. A failure names the case and shows the policy and both
// tools' outputs.
//
// One registry (Distribution 2.8 on 127.0.0.1) and one set of keys serve the whole suite; they are
// set up on first use and torn down when the test process exits. Signatures are made by
// `custody sign` (lookaside file:// directories through registries.d, or a dir: image's own
// signature files), and once by GnuPG through `skopeo standalone-sign`.
//
// skopeo 1.9.3 facts checked by hand while writing these cases:
//   - a docker image's wildcard scopes are built from the host without its port, one DNS label
//     stripped at a time, also for an IP address: 127.0.0.1:PORT is matched by "*.0.0.1", "*.0.1"
//     and "*.1" (not by "*.0.0.1:PORT" or "127.0.0.1").
//
// Deliberate differences are shown by their own tests, never by differential cases:
//   - a relative keyPath is opened relative to skopeo's working directory; Custody resolves it
//     against the policy file's directory (relativeKeyPaths);
//   - a signature file that is not a signature at all makes skopeo abort the pull; Custody reports
//     it as rejected and goes on (garbageSignatureFile; Docs/decision-record.md).
@Suite(
    "policy differential: custody verify --policy decides as skopeo 1.9.3 does",
    .enabled(if: PeerTool.availableOrCI("docker-registry", "skopeo", "gpg")),
    .serialized,
    .timeLimit(.minutes(15))
)
struct PolicyDifferentialTests {
    @Test("the case list is large enough and its names are unique")
    func caseList() {
        let names = PolicyDifferentialCase.all.map(\.name)
        #expect(names.count >= 40)
        #expect(Set(names).count == names.count, "duplicate case names")
    }

    @Test("skopeo and custody reach the same decision", arguments: PolicyDifferentialCase.all)
    func sameDecision(_ testCase: PolicyDifferentialCase) throws {
        let environment = try DifferentialEnvironment.shared.get()
        let run = try environment.run(testCase)
        let report = run.report

        switch testCase.expected {
        case .allowed:
            #expect(run.skopeo.status == 0, "skopeo should allow this image\n\(report)")
        case .denied(let because), .notAllowed(let because):
            #expect(run.skopeo.status != 0, "skopeo should deny this image\n\(report)")
            #expect(run.skopeo.stderrText.contains(because), "skopeo should deny because of \"\(because)\"\n\(report)")
        case .deniedOneOf(let causes):
            #expect(run.skopeo.status != 0, "skopeo should deny this image\n\(report)")
            #expect(causes.contains { run.skopeo.stderrText.contains($0) }, "skopeo should deny because of one of \(causes)\n\(report)")
        }

        let skopeoAllowed = run.skopeo.status == 0
        switch run.custody.status {
        case 0:
            #expect(skopeoAllowed, "custody allowed an image skopeo denies\n\(report)")
        case 1:
            #expect(!skopeoAllowed, "custody denied an image skopeo allows\n\(report)")
        case 2:
            if case .notAllowed = testCase.expected, !skopeoAllowed {
                break
            }
            Issue.record("custody could not evaluate (exit 2)\n\(report)")
        default:
            Issue.record("custody exit status \(run.custody.status)\n\(report)")
        }

        if let scope = testCase.scope {
            let expected: DifferentialEnvironment.ReportedScope
            switch scope {
            case .scope(let name):
                expected = .init(transport: run.context.kind.rawValue, scope: environment.substitute(name, in: run.context))
            case .globalDefault:
                expected = .init(transport: nil, scope: nil)
            }
            let reported = DifferentialEnvironment.reportedScopes(inJSON: run.custody.stdout)
            #expect(reported.contains(expected), "custody's decision should report the scope \(expected); it reports \(reported)\n\(report)")
        }
    }

    @Test("relative keyPath: skopeo opens it relative to its working directory, custody relative to the policy's directory")
    func relativeKeyPaths() throws {
        let environment = try DifferentialEnvironment.shared.get()
        let context = try environment.prepare(name: "relative key paths", subject: .docker("{host}/ns1/app:v1"), steps: [.sign(.a)])
        let policies = context.directory + "/policies"
        let other = context.directory + "/elsewhere"
        for directory in [policies + "/keys", other + "/keys"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // The trusted key next to the policy; an untrusted key under the same relative name elsewhere.
        try FileManager.default.copyItem(atPath: environment.publicKey(.a), toPath: policies + "/keys/signer.pub.asc")
        try FileManager.default.copyItem(atPath: environment.publicKey(.untrusted), toPath: other + "/keys/signer.pub.asc")
        let policy = policies + "/policy.json"
        try Data(#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"keys/signer.pub.asc"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: policy))

        func skopeo(in directory: String, _ output: String) throws -> ProcessResult {
            try runProcess("skopeo", [
                "--policy", policy, "--registries.d", context.registriesD, "copy", "--src-tls-verify=false",
                "docker://\(context.reference)", "dir:\(context.directory)/\(output)",
            ], currentDirectory: directory)
        }
        func custody(in directory: String) throws -> ProcessResult {
            try runProcess(try CustodyExecutable.path(), [
                "verify", "docker://\(context.reference)", "--policy", policy,
                "--registries.d", context.registriesD, "--tls-verify=false",
            ], currentDirectory: directory)
        }

        // skopeo: found next to the policy only when started there.
        let skopeoBesidePolicy = try skopeo(in: policies, "out-policies")
        #expect(skopeoBesidePolicy.status == 0, "skopeo started in the policy's directory: \(skopeoBesidePolicy)")
        let skopeoNoKey = try skopeo(in: context.directory, "out-case")
        #expect(skopeoNoKey.status != 0, "skopeo started where keys/signer.pub.asc does not exist: \(skopeoNoKey)")
        #expect(skopeoNoKey.stderrText.contains("keys/signer.pub.asc: no such file or directory"), "\(skopeoNoKey)")
        let skopeoOtherKey = try skopeo(in: other, "out-other")
        #expect(skopeoOtherKey.status != 0, "skopeo started where keys/signer.pub.asc is another key: \(skopeoOtherKey)")
        #expect(skopeoOtherKey.stderrText.contains("Invalid GPG signature"), "\(skopeoOtherKey)")

        // custody: the policy's directory, wherever it is started.
        for directory in [policies, context.directory, other] {
            let result = try custody(in: directory)
            #expect(result.status == 0, "custody started in \(directory): \(result)")
        }
    }
}

extension PolicyDifferentialTests {
    @Test("a signature file that is not a signature: skopeo aborts the pull, custody rejects that file and accepts the good one")
    func garbageSignatureFile() throws {
        let environment = try DifferentialEnvironment.shared.get()
        let context = try environment.prepare(name: "garbage signature file", subject: .docker("{host}/ns1/app:v1"), steps: [.sign(.a)])
        let directory = try #require(
            FileManager.default.contentsOfDirectory(atPath: context.lookaside + "/ns1").first.map { context.lookaside + "/ns1/" + $0 })
        try Data("not a signature\n".utf8).write(to: URL(fileURLWithPath: directory + "/signature-2"))
        let policy = context.directory + "/policy.json"
        try Data(#"{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":"\#(environment.publicKey(.a))"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: policy))

        let skopeo = try runProcess("skopeo", [
            "--policy", policy, "--registries.d", context.registriesD, "copy", "--src-tls-verify=false",
            context.imageTransportName, "dir:\(context.directory)/skopeo-out",
        ])
        #expect(skopeo.status != 0, "\(skopeo)")
        #expect(skopeo.stderrText.contains("unrecognized signature format, starting with binary 0x6e"), "\(skopeo)")

        let custody = try CustodyExecutable.run([
            "verify", context.imageTransportName, "--policy", policy, "--registries.d", context.registriesD,
            "--tls-verify=false", "--output", "json",
        ])
        #expect(custody.status == 0, "\(custody)")
        #expect(custody.stdoutText.contains("unrecognized signature format"), "custody should report the garbage file: \(custody)")
    }
}

// MARK: - the environment shared by every case

/// One registry, the keys, and image templates for the whole suite; made on first use, torn down
/// at process exit (a static is never deinitialised).
final class DifferentialEnvironment: @unchecked Sendable {
    static let shared: Result<DifferentialEnvironment, any Error> = Result {
        let environment = try DifferentialEnvironment()
        tearDownAtExit()
        return environment
    }

    private static func tearDownAtExit() {
        atexit {
            // `shared` is initialised when this runs, so this never sets anything up.
            if case .success(let environment) = DifferentialEnvironment.shared { environment.tearDown() }
        }
    }

    let work: Workspace
    let registry: RegistryServer
    private let gnupg: GnuPGHome
    private let gnupgKey: GnuPGKey
    private let keyPrefixes: [TestKey: String]
    private let binaryKeys: [TestKey: Data]
    /// `dir:` copies of the single image and of the index (templates, never modified).
    private let singleTemplate: String
    private let indexTemplate: String
    /// Samples/hello, an OCI layout holding the index.
    private let ociTemplate = Fixtures.repositoryRoot + "/Samples/hello"
    /// A PEM (ECDSA P-256) public key, for `sigstoreSigned`.
    private let pemPublicKey: String
    /// Manifest digest → a file holding exactly those manifest bytes.
    private let manifestFiles: [String: String]
    /// Registry reference (host included, tag form) → its manifest digest.
    private let taggedDigests: [String: String]
    private let tokens: [String: String]
    private let casesDirectory: String
    private let lock = NSLock()
    private var caseCount = 0

    private init() throws {
        let work = try Workspace()
        self.work = work
        do {
            registry = try RegistryServer()
        } catch {
            work.remove()
            throw error
        }
        let host = registry.host
        casesDirectory = work.path("cases")
        try FileManager.default.createDirectory(atPath: casesDirectory, withIntermediateDirectories: true)

        // Keys: custody-made OpenPGP keys, their binary forms (gpg --dearmor), and a GnuPG key.
        gnupg = try work.gnupgHome()
        var prefixes: [TestKey: String] = [:]
        var binaries: [TestKey: Data] = [:]
        for key in TestKey.allCases {
            let prefix = try work.generateKey("key-\(key.rawValue)", algorithm: key == .b ? "rsa3072" : "ed25519")
            prefixes[key] = prefix
            let dearmored = prefix + ".pub.gpg"
            let result = try gnupg.gpg(["--dearmor", "--output", dearmored, prefix + ".pub.asc"])
            guard result.status == 0 else { throw TestSupportError("gpg --dearmor: \(result)") }
            binaries[key] = try fileBytes(dearmored)
        }
        keyPrefixes = prefixes
        binaryKeys = binaries
        let pem = try CustodyExecutable.run(["key", "generate", "--type", "ecdsa-p256", "--format", "pem", "-o", work.path("key-pem")])
        guard pem.status == 0 else { throw TestSupportError("custody key generate --type ecdsa-p256: \(pem)") }
        pemPublicKey = work.path("key-pem.pub")
        gnupgKey = try gnupg.generateKey(uid: "Differential GnuPG Signer <gnupg@example.invalid>")

        // Images: Samples/hello (an index of two platforms) and its amd64 instance alone.
        let sample = "oci:\(ociTemplate):latest"
        indexTemplate = work.path("template-index")
        try Self.skopeoCopy(work, ["--all", sample, "dir:\(indexTemplate)"])
        let instances = try instanceDigests(ofIndex: indexTemplate + "/manifest.json")
        guard instances.count == 2 else { throw TestSupportError("Samples/hello should list two platforms, lists \(instances)") }
        let multi = try manifestDigest(ofFile: indexTemplate + "/manifest.json")
        try Self.skopeoCopy(work, ["--all", sample, "docker://\(host)/ns1/multi:v1"])
        for repository in ["ns1/app", "ns1/sub/deep"] {
            try Self.skopeoCopy(work, ["docker://\(host)/ns1/multi@\(instances[0])", "docker://\(host)/\(repository):v1"])
        }
        singleTemplate = work.path("template-single")
        try Self.skopeoCopy(work, ["docker://\(host)/ns1/app:v1", "dir:\(singleTemplate)"])
        let app = try manifestDigest(ofFile: singleTemplate + "/manifest.json")
        guard app == instances[0] else { throw TestSupportError("ns1/app:v1 has digest \(app), expected \(instances[0])") }

        manifestFiles = [
            multi: indexTemplate + "/manifest.json",
            instances[0]: indexTemplate + "/\(hex(instances[0])).manifest.json",
            instances[1]: indexTemplate + "/\(hex(instances[1])).manifest.json",
        ]
        taggedDigests = ["\(host)/ns1/multi:v1": multi, "\(host)/ns1/app:v1": app, "\(host)/ns1/sub/deep:v1": app]
        tokens = [
            "{host}": host, "{port}": String(registry.port), "{app}": app, "{multi}": multi,
            "{amd64}": instances[0], "{arm64}": instances[1], "{cases}": casesDirectory,
        ]
    }

    func tearDown() {
        registry.stop()
        work.remove()
    }

    /// `skopeo copy` with no policy checks and no registries.d, plain HTTP both ways.
    private static func skopeoCopy(_ work: Workspace, _ arguments: [String]) throws {
        let empty = work.path("rd-empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let result = try runProcess("skopeo", [
            "--insecure-policy", "--registries.d", empty, "copy", "--src-tls-verify=false", "--dest-tls-verify=false",
        ] + arguments)
        guard result.status == 0 else { throw TestSupportError("skopeo copy \(arguments.joined(separator: " ")): \(result)") }
    }

    func publicKey(_ key: TestKey) -> String { keyPrefixes[key]! + ".pub.asc" }
    private func secretKey(_ key: TestKey) -> String { keyPrefixes[key]! + ".sec.asc" }

    // MARK: one case

    /// Where one case lives and what it verifies.
    struct CaseContext {
        /// The transport, named as policies name it.
        enum Kind: String { case docker, dir, oci }

        let directory: String
        let lookaside: String
        let registriesD: String
        let kind: Kind
        /// docker: the reference (no transport); dir: and oci: the image directory, symbolic links resolved.
        let reference: String
        /// The image as both tools are given it: `docker://REF`, `dir:PATH`, `oci:PATH:latest`.
        let imageTransportName: String
        let isIndex: Bool
        let rootDigest: String
        var isDocker: Bool { kind == .docker }
    }

    struct CaseRun {
        let context: CaseContext
        let policyText: String
        let skopeo: ProcessResult
        let custody: ProcessResult
        let testCase: PolicyDifferentialCase

        var report: String {
            """
            case: \(testCase.name)
            image: \(context.imageTransportName)
            policy:
            \(policyText)
            --- skopeo (exit \(skopeo.status)) ---
            \(Self.tail(skopeo.stderrText))
            --- custody (exit \(custody.status)) ---
            \(Self.tail(custody.stdoutText))
            \(Self.tail(custody.stderrText))
            """
        }

        private static func tail(_ text: String) -> String {
            text.count <= 4000 ? text : "…" + String(text.suffix(4000))
        }
    }

    func run(_ testCase: PolicyDifferentialCase) throws -> CaseRun {
        let context = try prepare(name: testCase.name, subject: testCase.subject, steps: testCase.steps)
        let policyText = try render(testCase.policy, in: context)
        let policy = context.directory + "/policy.json"
        try Data(policyText.utf8).write(to: URL(fileURLWithPath: policy))

        var skopeoArguments = ["--policy", policy, "--registries.d", context.registriesD, "copy"]
        // oci: and dir: destinations cannot take signatures from an oci: source anyway; none exist.
        if context.isDocker { skopeoArguments.append("--src-tls-verify=false") }
        if context.isIndex { skopeoArguments.append("--all") }
        skopeoArguments += [context.imageTransportName, "dir:\(context.directory)/skopeo-out"]
        let skopeo = try runProcess("skopeo", skopeoArguments)

        var custodyArguments = ["verify", context.imageTransportName, "--policy", policy]
        if context.isDocker { custodyArguments += ["--registries.d", context.registriesD, "--tls-verify=false"] }
        custodyArguments += ["--output", "json"]
        let custody = try CustodyExecutable.run(custodyArguments)
        return CaseRun(context: context, policyText: policyText, skopeo: skopeo, custody: custody, testCase: testCase)
    }

    /// Makes the case's directory, lookaside and registries.d (and image copy for dir:), then
    /// applies the signing steps.
    func prepare(name: String, subject: Subject, steps: [Step]) throws -> CaseContext {
        let number: Int = lock.withLock {
            caseCount += 1
            return caseCount
        }
        let slug = String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        let relative = "cases/\(String(format: "%03d", number))-\(slug)"
        let directory = work.path(relative)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lookaside = directory + "/lookaside"
        let registriesD = try work.registriesD(relative + "/registries.d", host: registry.host, lookaside: lookaside)

        let context: CaseContext
        switch subject {
        case .docker(let reference), .dockerIndex(let reference):
            let resolved = substitute(reference, directory: directory)
            let isIndex: Bool
            if case .dockerIndex = subject { isIndex = true } else { isIndex = false }
            context = CaseContext(
                directory: directory, lookaside: lookaside, registriesD: registriesD, kind: .docker, reference: resolved,
                imageTransportName: "docker://" + resolved, isIndex: isIndex, rootDigest: try digest(ofRegistryReference: resolved))
        case .directory, .directoryIndex, .directoryLink:
            let isIndex: Bool
            if case .directoryIndex = subject { isIndex = true } else { isIndex = false }
            let template = isIndex ? indexTemplate : singleTemplate
            let image = directory + "/image"
            try FileManager.default.copyItem(atPath: template, toPath: image)
            var name = image
            if case .directoryLink = subject {
                name = directory + "/link"
                try FileManager.default.createSymbolicLink(atPath: name, withDestinationPath: "image")
            }
            context = CaseContext(
                directory: directory, lookaside: lookaside, registriesD: registriesD, kind: .dir,
                reference: URL(fileURLWithPath: image).resolvingSymlinksInPath().path, imageTransportName: "dir:" + name,
                isIndex: isIndex, rootDigest: try manifestDigest(ofFile: template + "/manifest.json"))
        case .ociLayout:
            let image = directory + "/image"
            try FileManager.default.copyItem(atPath: ociTemplate, toPath: image)
            context = CaseContext(
                directory: directory, lookaside: lookaside, registriesD: registriesD, kind: .oci,
                reference: URL(fileURLWithPath: image).resolvingSymlinksInPath().path, imageTransportName: "oci:\(image):latest",
                isIndex: true, rootDigest: try manifestDigest(ofFile: indexTemplate + "/manifest.json"))
        }
        for step in steps {
            try apply(step, in: context)
        }
        return context
    }

    private func digest(ofRegistryReference reference: String) throws -> String {
        if let at = reference.firstIndex(of: "@") { return String(reference[reference.index(after: at)...]) }
        guard let digest = taggedDigests[reference] else { throw TestSupportError("no image \(reference) in the test registry") }
        return digest
    }

    private func apply(_ step: Step, in context: CaseContext) throws {
        switch step {
        case .sign(let key, let identity, let image):
            try sign(key, identity: identity.map { substitute($0, in: context) }, image: image.map { substitute($0, in: context) }, in: context)
        case .gnupgSign(let identity, let manifestDigest):
            let signed = manifestDigest.map { substitute($0, in: context) } ?? context.rootDigest
            guard let manifest = manifestFiles[signed] else { throw TestSupportError("no manifest file for \(signed)") }
            let output = context.directory + "/gnupg-\(UUID().uuidString.prefix(8)).sig"
            let result = try runProcess("skopeo", [
                "standalone-sign", manifest, substitute(identity, in: context), gnupgKey.fingerprint, "--output", output,
            ], environment: gnupg.environment)
            guard result.status == 0 else { throw TestSupportError("skopeo standalone-sign: \(result)") }
            try appendSignature(fileBytes(output), for: context.rootDigest, in: context)
        case .unsign(let digest):
            let resolved = substitute(digest, in: context)
            let files = try signatureFiles(for: resolved, in: context)
            guard !files.isEmpty else { throw TestSupportError("no signatures of \(resolved) to remove in \(context.directory)") }
            for file in files { try FileManager.default.removeItem(atPath: file) }
        case .corrupt(let number):
            let files = try signatureFiles(for: context.rootDigest, in: context)
            guard files.count >= number else { throw TestSupportError("no signature-\(number) of \(context.rootDigest)") }
            var bytes = try fileBytes(files[number - 1])
            // The middle of the compressed stream: the last byte can hold only deflate padding
            // bits beyond the end-of-block code, which every reader ignores.
            bytes[bytes.count / 2] ^= 0xff
            try bytes.write(to: URL(fileURLWithPath: files[number - 1]))
        case .remove(let number):
            let files = try signatureFiles(for: context.rootDigest, in: context)
            guard files.count >= number else { throw TestSupportError("no signature-\(number) of \(context.rootDigest)") }
            try FileManager.default.removeItem(atPath: files[number - 1])
        }
    }

    /// `custody sign`: docker images through the case's registries.d, dir: images into the image.
    private func sign(_ key: TestKey, identity: String?, image: String?, in context: CaseContext) throws {
        guard context.kind != .oci else { throw TestSupportError("oci: layouts hold no signatures") }
        if !context.isDocker {
            guard let identity else { throw TestSupportError("a dir: case must name the identity it signs") }
            let result = try CustodyExecutable.run(["sign", "dir:\(context.reference)", "--gpg-key", secretKey(key), "--identity", identity])
            guard result.status == 0 else { throw TestSupportError("custody sign dir: \(result)") }
            return
        }
        let target = image ?? context.reference
        if let identity, Self.repository(of: identity) != Self.repository(of: target) {
            // `custody sign docker://IMAGE --identity OTHER` files the signature under OTHER's
            // repository in the lookaside (or fails when no registries.d section covers OTHER),
            // where skopeo files it under IMAGE's repository (copy --sign-identity). Reported; until
            // it changes, such signatures are made on a dir: copy of the same manifest and put
            // where readers of IMAGE look.
            guard !context.isIndex else { throw TestSupportError("signing an index for another repository is not supported here") }
            let digest = try self.digest(ofRegistryReference: target)
            guard digest == context.rootDigest, digest == tokens["{app}"] else {
                throw TestSupportError("signatures for another repository are made for the single image only")
            }
            let copy = context.directory + "/signing-\(UUID().uuidString.prefix(8))"
            try FileManager.default.copyItem(atPath: singleTemplate, toPath: copy)
            let result = try CustodyExecutable.run(["sign", "dir:\(copy)", "--gpg-key", secretKey(key), "--identity", identity])
            guard result.status == 0 else { throw TestSupportError("custody sign dir: \(result)") }
            try appendSignature(fileBytes(copy + "/signature-1"), for: digest, in: context)
            return
        }
        var arguments = [
            "sign", "docker://\(target)", "--gpg-key", secretKey(key), "--registries.d", context.registriesD, "--tls-verify=false",
        ]
        if let identity { arguments += ["--identity", identity] }
        let result = try CustodyExecutable.run(arguments)
        guard result.status == 0 else { throw TestSupportError("custody sign: \(result)") }
    }

    /// `host/path` of a reference (its tag or digest removed).
    private static func repository(of reference: String) -> String {
        var name = reference
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
        return name
    }

    /// The directory and file-name prefix of a manifest's signatures: the lookaside
    /// (BASE/PATH@sha256=HEX/signature-N) for docker, the image's (<hex>.)signature-N for dir:.
    private func signatureLocation(for digest: String, in context: CaseContext) throws -> (directory: String, prefix: String) {
        guard context.kind != .oci else { throw TestSupportError("oci: layouts hold no signatures") }
        if context.isDocker {
            let path = Self.repository(of: context.reference).split(separator: "/", maxSplits: 1).last.map(String.init) ?? ""
            return (context.lookaside + "/\(path)@\(digest.replacingOccurrences(of: ":", with: "="))", "signature-")
        }
        return (context.reference, digest == context.rootDigest ? "signature-" : "\(hex(digest)).signature-")
    }

    /// The existing signature files of a manifest, signature-1 first.
    private func signatureFiles(for digest: String, in context: CaseContext) throws -> [String] {
        let (directory, prefix) = try signatureLocation(for: digest, in: context)
        var files: [String] = []
        while FileManager.default.fileExists(atPath: "\(directory)/\(prefix)\(files.count + 1)") {
            files.append("\(directory)/\(prefix)\(files.count + 1)")
        }
        return files
    }

    private func appendSignature(_ bytes: Data, for digest: String, in context: CaseContext) throws {
        let (directory, prefix) = try signatureLocation(for: digest, in: context)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let number = try signatureFiles(for: digest, in: context).count + 1
        try bytes.write(to: URL(fileURLWithPath: "\(directory)/\(prefix)\(number)"))
    }

    // MARK: policy files

    func substitute(_ text: String, in context: CaseContext) -> String {
        substitute(text, directory: context.directory, image: context.isDocker ? nil : context.reference)
    }

    private func substitute(_ text: String, directory: String, image: String? = nil) -> String {
        var result = text
        var values = tokens
        values["{parent}"] = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        if let image { values["{image}"] = image }
        for (token, value) in values { result = result.replacingOccurrences(of: token, with: value) }
        return result
    }

    private func render(_ policy: PolicySpec, in context: CaseContext) throws -> String {
        var object: [String: Any] = ["default": try policy.defaultRequirements.map { try render($0, in: context) }]
        if !policy.transports.isEmpty {
            var transports: [String: Any] = [:]
            for (transport, scopes) in policy.transports {
                var rendered: [String: Any] = [:]
                for (scope, requirements) in scopes {
                    rendered[substitute(scope, in: context)] = try requirements.map { try render($0, in: context) }
                }
                transports[transport] = rendered
            }
            object["transports"] = transports
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private func render(_ requirement: Requirement, in context: CaseContext) throws -> [String: Any] {
        switch requirement {
        case .insecureAcceptAnything: return ["type": "insecureAcceptAnything"]
        case .reject: return ["type": "reject"]
        case .signedBy(let keys, let identity):
            var object: [String: Any] = ["type": "signedBy", "keyType": "GPGKeys"]
            switch keys {
            case .path(let key): object["keyPath"] = publicKey(key)
            case .paths(let keys): object["keyPaths"] = keys.map(publicKey)
            case .armoredData(let key): object["keyData"] = try fileBytes(publicKey(key)).base64EncodedString()
            case .binaryData(let key): object["keyData"] = binaryKeys[key]!.base64EncodedString()
            case .keyring(let keys):
                let file = context.directory + "/keyring-\(keys.map(\.rawValue).joined(separator: "-")).gpg"
                try keys.reduce(into: Data()) { $0.append(binaryKeys[$1]!) }.write(to: URL(fileURLWithPath: file))
                object["keyPath"] = file
            case .armoredKeyring(let keys):
                let file = context.directory + "/keyring-\(keys.map(\.rawValue).joined(separator: "-")).asc"
                try keys.reduce(into: Data()) { $0.append(try fileBytes(publicKey($1))) }.write(to: URL(fileURLWithPath: file))
                object["keyPath"] = file
            case .keyringData(let keys):
                object["keyData"] = keys.reduce(into: Data()) { $0.append(binaryKeys[$1]!) }.base64EncodedString()
            case .gnupg: object["keyPath"] = gnupgKey.publicKey
            case .missingFile: object["keyPath"] = context.directory + "/no-such-key.asc"
            case .missingFileAnd(let key): object["keyPaths"] = [context.directory + "/no-such-key.asc", publicKey(key)]
            case .garbageFile: object["keyPath"] = try garbageKeyFile(in: context)
            case .garbageFileAnd(let key): object["keyPaths"] = [try garbageKeyFile(in: context), publicKey(key)]
            }
            if let identity { object["signedIdentity"] = render(identity, in: context) }
            return object
        case .signedByKeyType(let keyType, let key):
            return ["type": "signedBy", "keyType": keyType, "keyPath": publicKey(key)]
        case .signedBaseLayer:
            return ["type": "signedBaseLayer", "baseLayerIdentity": ["type": "matchRepository"]]
        case .sigstoreSigned:
            return ["type": "sigstoreSigned", "keyPath": pemPublicKey]
        }
    }

    private func garbageKeyFile(in context: CaseContext) throws -> String {
        let file = context.directory + "/not-a-key.txt"
        try Data("this is not an OpenPGP key\n".utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    private func render(_ identity: IdentitySpec, in context: CaseContext) -> [String: Any] {
        switch identity {
        case .matchExact: return ["type": "matchExact"]
        case .matchRepoDigestOrExact: return ["type": "matchRepoDigestOrExact"]
        case .matchRepository: return ["type": "matchRepository"]
        case .exactReference(let reference):
            return ["type": "exactReference", "dockerReference": substitute(reference, in: context)]
        case .exactRepository(let repository):
            return ["type": "exactRepository", "dockerRepository": substitute(repository, in: context)]
        case .remapIdentity(let prefix, let signedPrefix):
            return ["type": "remapIdentity", "prefix": substitute(prefix, in: context), "signedPrefix": substitute(signedPrefix, in: context)]
        }
    }

    // MARK: custody's JSON

    /// A scope as the decision record reports it: `{"transport": …, "scope": …, "path": …}`,
    /// both null for the global default.
    struct ReportedScope: Hashable, CustomStringConvertible {
        let transport: String?
        let scope: String?
        var description: String {
            guard let transport, let scope else { return "default" }
            return "\(transport) \"\(scope)\""
        }
    }

    /// Every object under a member named "scope" in custody's JSON output (the decision record's
    /// top-level `scope`, wherever the CLI nests the record).
    static func reportedScopes(inJSON data: Data) -> [ReportedScope] {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        var found: [ReportedScope] = []
        func walk(_ value: Any) {
            if let dictionary = value as? [String: Any] {
                for (key, member) in dictionary {
                    if key == "scope", let scope = member as? [String: Any] {
                        found.append(ReportedScope(transport: scope["transport"] as? String, scope: scope["scope"] as? String))
                    }
                    walk(member)
                }
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        walk(object)
        return found
    }
}
