// AuditLog and RecordedEvidence: records appended as JSON lines read back equal, a corrupt line
// reported with its number while the others still read, another schema version or a bad time
// refused, O_APPEND keeping what was there, oversized records written without evidence, and
// evidence (manifests and signatures, byte for byte) surviving the round trip while tampered
// base64 does not load.

@testable import CustodyAdmission
import CustodyOCI
import CustodyPolicy
import CustodyStores
import CustodyTestSupport
import CustodyVerify
import Foundation
import Testing

enum AuditFixtures {
    static let digest = Digest.compute(Array("config".utf8))

    /// An OCI image manifest, distinct per `marker`.
    static func manifest(_ marker: String) throws -> Manifest {
        let config = Digest.compute(Array(marker.utf8))
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(config)","size":\#(marker.utf8.count)},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\#(Digest.compute(Array((marker + " layer").utf8)))","size":1234}],"annotations":{"org.opencontainers.image.title":"\#(marker)"}}"#
        return try Manifest(bytes: Array(json.utf8), declaredMediaType: "application/vnd.oci.image.manifest.v1+json")
    }

    /// An OCI index naming `instances`.
    static func index(_ instances: [(manifest: Manifest, platform: Platform)]) throws -> Manifest {
        let entries = instances.map { instance in
            #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\#(instance.manifest.digest)","size":\#(instance.manifest.bytes.count),"platform":{"architecture":"\#(instance.platform.architecture)","os":"\#(instance.platform.os)"}}"#
        }
        let json = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(entries.joined(separator: ","))]}"#
        return try Manifest(bytes: Array(json.utf8), declaredMediaType: "application/vnd.oci.image.index.v1+json")
    }

    /// A single image with a readable and an unreadable signature.
    static func singleEvidence() throws -> ImageEvidence {
        ImageEvidence(root: .init(manifest: try manifest("single"), signatures: [
            .blob(Array("a cosign signature\u{0}\u{FF}".utf8) + [0x00, 0xFF, 0x80], location: "docker://registry.example/shop/web@sha256:… signature-1"),
            .unreadable(location: "https://lookaside.example/shop/web@sha256=abc/signature-2", reason: "HTTP 500 from the lookaside server"),
        ]))
    }

    /// An index of two platforms, each with signatures.
    static func indexEvidence() throws -> ImageEvidence {
        let amd64 = try manifest("amd64")
        let arm64 = try manifest("arm64")
        let amd64Platform = Platform(os: "linux", architecture: "amd64")
        let arm64Platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let root = try index([(amd64, amd64Platform), (arm64, arm64Platform)])
        return ImageEvidence(
            root: .init(manifest: root, signatures: [.blob([1, 2, 3], location: "index signature-1")]),
            instances: [
                .init(manifest: amd64, platform: amd64Platform, signatures: [.blob([4, 5], location: "amd64 signature-1")]),
                .init(manifest: arm64, platform: arm64Platform, signatures: [.unreadable(location: "arm64 signature-1", reason: "truncated")]),
            ])
    }

    static func decision(_ outcome: PolicyDecision.Outcome, digest: Digest) -> PolicyDecision {
        PolicyDecision(
            image: .init(name: "docker://registry.example/shop/web:1.4", transport: "docker", reference: "registry.example/shop/web:1.4", digest: digest),
            policy: .init(path: "/etc/custody/policy.json", sha256: Digest.compute(Array("policy".utf8))),
            scope: .init(transport: "docker", scope: "registry.example", path: #"$.transports.docker["registry.example"]"#),
            outcome: outcome, reasons: outcome == .allowed ? [] : ["no signature matched"], platforms: [],
            evaluatedAt: Date(timeIntervalSince1970: 1_760_000_000))
    }

    static func record(
        id: String = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002", outcome: String = "allowed",
        images: [AdmissionRecord.Image] = [], patch: [AdmissionResponse.PatchOperation] = []
    ) -> AdmissionRecord {
        AdmissionRecord(
            id: id, time: "2026-03-01T12:00:00.123Z", endpoint: "mutate", mode: "enforce",
            request: .init(
                uid: uid, kind: .init(group: "apps", version: "v1", kind: "Deployment"), namespace: "shop", name: "web", operation: "CREATE",
                user: "system:serviceaccount:argocd:argocd-application-controller", groups: ["system:serviceaccounts", "system:authenticated"], dryRun: false),
            outcome: outcome, reasons: outcome == "allowed" ? [] : ["image x: denied: no signature"], images: images,
            policy: .init(path: "/etc/custody/policy.json", sha256: Digest.compute(Array("policy".utf8)), generation: 3),
            trust: .init(path: nil, sha256: Digest.compute(Array("trust".utf8)), generation: 2), patch: patch,
            latencyMilliseconds: 12.345, budgetMilliseconds: 9000)
    }

    static func image(evidence: RecordedEvidence?) throws -> AdmissionRecord.Image {
        let digest = try manifest("single").digest
        return AdmissionRecord.Image(
            image: "registry.example/shop/web:1.4", pointers: ["/spec/template/spec/containers/0/image", "/spec/template/spec/initContainers/0/image"],
            reference: "registry.example/shop/web:1.4", digest: digest, outcome: .allowed, reasons: [], cached: false,
            decision: decision(.allowed, digest: digest), evidence: evidence)
    }

    static func deniedImage() -> AdmissionRecord.Image {
        AdmissionRecord.Image(
            image: "UPPER/Case:tag", pointers: ["/spec/containers/1/image"], reference: nil, digest: nil, outcome: .denied,
            reasons: ["not a valid image reference: invalid reference format"], cached: false, decision: nil, evidence: nil)
    }

    /// Every line of the audit file at `path`.
    static func read(_ path: String) throws -> [Result<AdmissionRecord, AuditLineError>] {
        var all: [Result<AdmissionRecord, AuditLineError>] = []
        try AuditLog.read(path: path) { all.append($0) }
        return all
    }

    static func append(raw text: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw AdmissionFixtures.FixtureError("cannot open \(path)") }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}

extension Result where Failure == AuditLineError {
    var record: Success? { try? get() }
    var lineError: AuditLineError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

@Suite("AuditLog: the append-only record file")
struct AuditLogTests {
    typealias F = AuditFixtures

    @Test("records appended read back equal, in order")
    func roundTrip() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            let records = [
                F.record(id: "1", images: [try F.image(evidence: RecordedEvidence(try F.singleEvidence()))],
                         patch: [.init(replace: "/spec/template/spec/containers/0/image", with: "registry.example/shop/web:1.4@" + (try F.manifest("single").digest.description))]),
                F.record(id: "2", uid: "another-uid", outcome: "denied", images: [F.deniedImage()]),
                F.record(id: "3", outcome: "warned"),
            ]
            for record in records { try log.append(record) }
            let read = try F.read(path)
            #expect(read.count == records.count)
            #expect(read.compactMap(\.record) == records)
            let first = try #require(read.first?.record)
            #expect(first.schemaVersion == AdmissionRecord.schemaVersion)
            #expect(first.images.first?.evidence != nil)
            #expect(first.images.first?.decision?.outcome == .allowed)
            #expect(first.request.groups == ["system:serviceaccounts", "system:authenticated"])
        }
    }

    @Test("each record is one line; every member is written, nulls included")
    func lineShape() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            try log.append(F.record(images: [F.deniedImage()]))
            try log.append(F.record(id: "2"))
            let text = String(decoding: try directory.read("audit.jsonl"), as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3)
            #expect(lines.last == "")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(object["schemaVersion"] as? String == "custody.admission/v1")
            let image = try #require((object["images"] as? [[String: Any]])?.first)
            #expect(Set(image.keys) == ["image", "pointers", "reference", "digest", "outcome", "reasons", "cached", "decision", "evidence", "evidenceID"])
            #expect(image["reference"] is NSNull)
            #expect(image["evidence"] is NSNull)
            let trust = try #require(object["trust"] as? [String: Any])
            #expect(trust["path"] is NSNull)
        }
    }

    @Test("a corrupt line in the middle is reported with its number; the others still read")
    func corruptLine() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            try log.append(F.record(id: "1"))
            try log.append(F.record(id: "2"))
            try F.append(raw: "{\"schemaVersion\":\"custody.admission/v1\", this is not JSON\n", to: path)
            try log.append(F.record(id: "4"))
            let read = try F.read(path)
            #expect(read.count == 4)
            #expect(read.compactMap(\.record).map(\.id) == ["1", "2", "4"])
            let error = try #require(read[2].lineError)
            #expect(error.line == 3)
            #expect(error.description.hasPrefix("line 3: "))
        }
    }

    @Test("empty lines are skipped but counted")
    func emptyLines() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            try log.append(F.record(id: "1"))
            try F.append(raw: "\n\n", to: path)
            try F.append(raw: "garbage\n", to: path)
            try log.append(F.record(id: "5"))
            let read = try F.read(path)
            #expect(read.count == 3)
            #expect(read[1].lineError?.line == 4)
            #expect(read[2].record?.id == "5")
        }
    }

    @Test("a last line without a newline is read")
    func lastLineWithoutNewline() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let line = String(decoding: try F.record(id: "only").jsonLine(), as: UTF8.self)
            try directory.write(line, to: "audit.jsonl")
            #expect(try F.read(path).compactMap(\.record).map(\.id) == ["only"])
        }
    }

    @Test("a record of another schema version is refused; the same record in v1 is read")
    func otherSchema() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            var future = F.record(id: "v2")
            future.schemaVersion = "custody.admission/v2"
            try log.append(future)
            try log.append(F.record(id: "v1"))
            let read = try F.read(path)
            #expect(read.count == 2)
            let error = try #require(read[0].lineError)
            #expect(error.line == 1)
            #expect(error.reason.contains("custody.admission/v2"))
            #expect(read[1].record?.id == "v1")
        }
    }

    @Test("a record whose time is not RFC 3339 is refused")
    func badTime() throws {
        var record = F.record(id: "t")
        record.time = "yesterday"
        #expect(throws: AdmissionError.self) { try AdmissionRecord(line: try record.jsonLine()) }
        record.time = "2026-03-01T12:00:00Z"
        #expect(try AdmissionRecord(line: try record.jsonLine()) == record)
    }

    @Test("a line missing a member is refused")
    func missingMember() throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(try F.record().jsonLine())) as? [String: Any])
        #expect(throws: Never.self) { try AdmissionRecord(line: Array(try JSONSerialization.data(withJSONObject: object))) }
        object["request"] = nil
        #expect(throws: (any Error).self) { try AdmissionRecord(line: Array(try JSONSerialization.data(withJSONObject: object))) }
    }

    @Test("reopening appends after what is there (O_APPEND, never truncated)")
    func reopenAppends() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            do {
                let log = try AuditLog(path: path)
                try log.append(F.record(id: "first"))
            }
            do {
                let log = try AuditLog(path: path)
                try log.append(F.record(id: "second"))
            }
            // Two handles open at once both append whole lines.
            let one = try AuditLog(path: path)
            let two = try AuditLog(path: path)
            try one.append(F.record(id: "third"))
            try two.append(F.record(id: "fourth"))
            try one.append(F.record(id: "fifth"))
            #expect(try F.read(path).compactMap(\.record).map(\.id) == ["first", "second", "third", "fourth", "fifth"])
        }
    }

    @Test("concurrent appends from many tasks never interleave within a line")
    func concurrentAppends() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path, synchronous: false)
            let evidence = RecordedEvidence(try F.singleEvidence())
            try await withThrowingTaskGroup(of: Void.self) { group in
                for number in 0..<50 {
                    group.addTask { try log.append(F.record(id: "\(number)", images: [try F.image(evidence: evidence)])) }
                }
                try await group.waitForAll()
            }
            let read = try F.read(path)
            #expect(read.count == 50)
            #expect(Set(read.compactMap(\.record).map(\.id)) == Set((0..<50).map { "\($0)" }))
        }
    }

    @Test("synchronous appends read back too")
    func synchronous() throws {
        try withTemporaryDirectorySync { directory in
            let log = try AuditLog(path: directory.file("audit.jsonl"), synchronous: true)
            #expect(log.synchronous)
            try log.append(F.record(id: "s"))
            #expect(try F.read(directory.file("audit.jsonl")).compactMap(\.record).map(\.id) == ["s"])
        }
    }

    @Test("a file that cannot be opened is a configuration error, for writing and for reading")
    func unopenable() throws {
        try withTemporaryDirectorySync { directory in
            do throws(AdmissionError) {
                _ = try AuditLog(path: directory.file("no/such/folder/audit.jsonl"))
                Issue.record("opened a file in a missing folder")
            } catch {
                #expect(error.code == .configuration)
            }
            #expect(throws: AdmissionError.self) { try AuditLog.read(path: directory.file("missing.jsonl")) { _ in } }
        }
    }

    @Test("a record over maxRecordBytes is written without its evidence; a smaller one keeps it")
    func oversizedRecord() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            let log = try AuditLog(path: path)
            let small = try #require(RecordedEvidence(try F.singleEvidence()))
            // Evidence far over the line limit (built directly: RecordedEvidence(_:) refuses it).
            var huge = small
            huge.entries[0].signatures.append(.init(location: "padding", bytes: String(repeating: "A", count: AuditLog.maxRecordBytes), unreadable: nil))
            let record = F.record(id: "big", images: [try F.image(evidence: huge), try F.image(evidence: small)])
            #expect(try record.jsonLine().count >= AuditLog.maxRecordBytes)
            try log.append(record)
            try log.append(F.record(id: "small", images: [try F.image(evidence: small)]))
            let read = try F.read(path)
            #expect(read.count == 2)
            let big = try #require(read[0].record)
            #expect(big.images.map(\.evidence) == [nil, nil])
            var expected = record
            for index in expected.images.indices { expected.images[index].evidence = nil }
            #expect(big == expected)
            #expect(read[1].record?.images.first?.evidence == small)
        }
    }

    @Test("a line over maxRecordBytes is reported and skipped; the next line still reads")
    func overlongLine() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            try directory.write(String(repeating: "x", count: AuditLog.maxRecordBytes + (3 << 20)) + "\n", to: "audit.jsonl")
            try AuditLog(path: path).append(F.record(id: "after"))
            let read = try F.read(path)
            #expect(read.count == 2)
            #expect(read[0].lineError?.line == 1)
            #expect(read[0].lineError?.reason.contains("over") == true)
            #expect(read[1].record?.id == "after")
        }
    }

    @Test("a valid record on a line just over maxRecordBytes is reported as over the limit, not read")
    func recordJustOverLimit() throws {
        try withTemporaryDirectorySync { directory in
            let path = directory.file("audit.jsonl")
            // A valid record padded with a member the decoder ignores, to maxRecordBytes + 1000 bytes.
            var line = try F.record(id: "padded").jsonLine()
            line.removeLast()  // "}"
            let prefix = Array(#","padding":""#.utf8)
            let padding = AuditLog.maxRecordBytes + 1000 - line.count - prefix.count - 2
            line += prefix + [UInt8](repeating: UInt8(ascii: "p"), count: padding) + Array("\"}".utf8)
            #expect(line.count == AuditLog.maxRecordBytes + 1000)
            #expect(try AdmissionRecord(line: line).id == "padded")
            try directory.write(line + [UInt8(ascii: "\n")], to: "audit.jsonl")
            try AuditLog(path: path).append(F.record(id: "after"))
            let read = try F.read(path)
            #expect(read.count == 2)
            #expect(read[0].lineError?.line == 1)
            #expect(read[1].record?.id == "after")
        }
    }
}

@Suite("RecordedEvidence: evidence kept byte for byte")
struct RecordedEvidenceTests {
    typealias F = AuditFixtures

    static func same(_ a: ImageEvidence, _ b: ImageEvidence) -> Bool {
        func entries(_ evidence: ImageEvidence) -> [ImageEvidence.Entry] { [evidence.root] + evidence.instances }
        let left = entries(a)
        let right = entries(b)
        return left.count == right.count
            && zip(left, right).allSatisfy { l, r in
                l.manifest.bytes == r.manifest.bytes && l.manifest.mediaType == r.manifest.mediaType && l.manifest.digest == r.manifest.digest
                    && l.platform == r.platform && l.signatures == r.signatures
            }
    }

    @Test("a single image with a blob and an unreadable signature round-trips")
    func single() throws {
        let evidence = try F.singleEvidence()
        let recorded = try #require(RecordedEvidence(evidence))
        #expect(recorded.entries.count == 1)
        #expect(recorded.entries[0].platform == nil)
        #expect(recorded.entries[0].signatures[1] == .init(location: "https://lookaside.example/shop/web@sha256=abc/signature-2", bytes: nil, unreadable: "HTTP 500 from the lookaside server"))
        let loaded = try recorded.evidence()
        #expect(Self.same(loaded, evidence))
        #expect(loaded.root.signatures == evidence.root.signatures)
        #expect(loaded.root.manifest.bytes == evidence.root.manifest.bytes)
        #expect(!loaded.isIndex)
    }

    @Test("an index with platforms round-trips, also through JSON")
    func index() throws {
        let evidence = try F.indexEvidence()
        let recorded = try #require(RecordedEvidence(evidence))
        #expect(recorded.entries.map(\.platform) == [nil, Platform(os: "linux", architecture: "amd64"), Platform(os: "linux", architecture: "arm64", variant: "v8")])
        let decoded = try JSONDecoder().decode(RecordedEvidence.self, from: try JSONEncoder().encode(recorded))
        #expect(decoded == recorded)
        let loaded = try decoded.evidence()
        #expect(loaded.isIndex)
        #expect(loaded.instances.count == 2)
        #expect(Self.same(loaded, evidence))
    }

    @Test("the comparison used here tells different evidence apart")
    func comparisonDiscriminates() throws {
        #expect(!Self.same(try F.singleEvidence(), try F.indexEvidence()))
        var other = try F.singleEvidence()
        other.root.signatures.removeLast()
        #expect(!Self.same(try F.singleEvidence(), other))
    }

    @Test("evidence over maxBytes is not recorded")
    func tooLarge() throws {
        let manifest = try F.manifest("big")
        let fits = ImageEvidence(root: .init(manifest: manifest, signatures: [.blob([UInt8](repeating: 7, count: RecordedEvidence.maxBytes - manifest.bytes.count), location: "s")]))
        #expect(RecordedEvidence(fits) != nil)
        let over = ImageEvidence(root: .init(manifest: manifest, signatures: [.blob([UInt8](repeating: 7, count: RecordedEvidence.maxBytes - manifest.bytes.count + 1), location: "s")]))
        #expect(RecordedEvidence(over) == nil)
    }

    static func failure(_ recorded: RecordedEvidence) -> AdmissionError? {
        do throws(AdmissionError) {
            _ = try recorded.evidence()
            return nil
        } catch {
            return error
        }
    }

    @Test("tampered manifest base64 is refused")
    func tamperedManifestBase64() throws {
        var recorded = try #require(RecordedEvidence(try F.singleEvidence()))
        #expect(Self.failure(recorded) == nil)
        recorded.entries[0].manifest = "%%%" + recorded.entries[0].manifest
        let error = try #require(Self.failure(recorded))
        #expect(error.code == .malformedReview)
        #expect(error.reason.contains("entry 0"))
    }

    @Test("tampered signature base64 is refused")
    func tamperedSignatureBase64() throws {
        var recorded = try #require(RecordedEvidence(try F.indexEvidence()))
        recorded.entries[1].signatures[0].bytes = "not base64!"
        let error = try #require(Self.failure(recorded))
        #expect(error.code == .malformedReview)
        #expect(error.reason.contains("entry 1"))
    }

    @Test("manifest bytes that are not a manifest are refused")
    func tamperedManifest() throws {
        var recorded = try #require(RecordedEvidence(try F.singleEvidence()))
        recorded.entries[0].manifest = Data("{\"schemaVersion\":2}".utf8).base64EncodedString()
        #expect(Self.failure(recorded)?.code == .malformedReview)
    }

    @Test("edited manifest bytes load as different evidence (another digest), never as the original")
    func editedManifest() throws {
        let evidence = try F.singleEvidence()
        var recorded = try #require(RecordedEvidence(evidence))
        let edited = String(decoding: evidence.root.manifest.bytes, as: UTF8.self).replacingOccurrences(of: "\"size\":1234", with: "\"size\":1235")
        recorded.entries[0].manifest = Data(edited.utf8).base64EncodedString()
        let loaded = try recorded.evidence()
        #expect(loaded.root.manifest.digest != evidence.root.manifest.digest)
    }

    @Test("evidence with no entries is refused")
    func empty() throws {
        var recorded = try #require(RecordedEvidence(try F.singleEvidence()))
        recorded.entries = []
        #expect(Self.failure(recorded)?.code == .malformedReview)
    }
}
