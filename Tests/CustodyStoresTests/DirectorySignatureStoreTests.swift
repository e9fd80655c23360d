import CustodyTestSupport
import CustodyOCI
import CustodyStores
import Foundation
import Testing

/// A minimal `dir:` image: `manifest.json` (an index, as bytes only) and one instance manifest.
private struct DirImage {
    let directory: TemporaryDirectory
    let rootDigest: Digest
    let instanceDigest: Digest
    var path: String { directory.file("image") }
    var store: DirectorySignatureStore { DirectorySignatureStore(path: path) }

    init(_ directory: TemporaryDirectory) throws {
        self.directory = directory
        let instance = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#
        try directory.write(instance, to: "image/placeholder")
        instanceDigest = try Digest.compute(fileAt: directory.file("image/placeholder"))
        try FileManager.default.removeItem(atPath: directory.file("image/placeholder"))
        try directory.write(instance, to: "image/\(instanceDigest.encoded).manifest.json")
        let index = #"{"schemaVersion":2,"manifests":[{"digest":"\#(instanceDigest)"}]}"#
        try directory.write(index, to: "image/manifest.json")
        rootDigest = try Digest.compute(fileAt: directory.file("image/manifest.json"))
        try directory.write("Directory Transport Version: 1.1\n", to: "image/version")
    }
}

@Suite("DirectorySignatureStore")
struct DirectorySignatureStoreTests {
    @Test("the root manifest's signatures are signature-N")
    func rootSignatures() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            try directory.write([1], to: "image/signature-1")
            try directory.write([2], to: "image/signature-2")
            try directory.write([9], to: "image/\(image.instanceDigest.encoded).signature-1")
            let signatures = try await image.store.signatures(for: image.rootDigest, reference: nil)
            #expect(signatures == [
                .blob([1], location: "\(image.path)/signature-1"),
                .blob([2], location: "\(image.path)/signature-2"),
            ])
        }
    }

    @Test("an instance's signatures are <hex>.signature-N")
    func instanceSignatures() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            try directory.write([1], to: "image/signature-1")
            try directory.write([9], to: "image/\(image.instanceDigest.encoded).signature-1")
            let signatures = try await image.store.signatures(for: image.instanceDigest, reference: nil)
            #expect(signatures == [.blob([9], location: "\(image.path)/\(image.instanceDigest.encoded).signature-1")])
        }
    }

    @Test("a gap ends reading; no files means no signatures")
    func gap() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            #expect(try await image.store.signatures(for: image.rootDigest, reference: nil).isEmpty)
            try directory.write([1], to: "image/signature-1")
            try directory.write([3], to: "image/signature-3")
            #expect(blobs(try await image.store.signatures(for: image.rootDigest, reference: nil)) == [[1]])
        }
    }

    @Test("an unreadable signature-2 (a directory) is reported and the others are returned")
    func unreadable() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            try directory.write([1], to: "image/signature-1")
            try directory.makeDirectory("image/signature-2")
            try directory.write([3], to: "image/signature-3")
            let signatures = try await image.store.signatures(for: image.rootDigest, reference: nil)
            #expect(signatures.count == 3)
            #expect(blobs(signatures) == [[1], [3]])
            #expect(signatures[1].bytes == nil)
            #expect(signatures[1].location == "\(image.path)/signature-2")
        }
    }

    @Test("more than 128 signatures is an error; 128 are read")
    func countLimit() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            for number in 1...DirectoryLayout.maxSignatures { try directory.write([1], to: "image/signature-\(number)") }
            #expect(try await image.store.signatures(for: image.rootDigest, reference: nil).count == 128)
            try directory.write([1], to: "image/signature-129")
            await #expect(throws: StoreError(code: .tooManySignatures)) {
                _ = try await image.store.signatures(for: image.rootDigest, reference: nil)
            }
        }
    }

    @Test("a directory without manifest.json is not an image")
    func notAnImage() async throws {
        try await withTemporaryDirectory { directory in
            try directory.makeDirectory("image")
            let store = DirectorySignatureStore(path: directory.file("image"))
            let error = await storeError { _ = try await store.signatures(for: try fakeDigest(), reference: nil) }
            #expect(error?.code == .notFound)
            #expect(error?.reason.contains(directory.file("image")) == true)
            await #expect(throws: StoreError(code: .notFound)) {
                _ = try await store.append([1], for: try fakeDigest(), reference: nil)
            }
        }
    }

    @Test("append after two root signatures writes signature-3")
    func appendRoot() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            try directory.write([1], to: "image/signature-1")
            try directory.write([2], to: "image/signature-2")
            let written = try await image.store.append([3], for: image.rootDigest, reference: nil)
            #expect(written == "\(image.path)/signature-3")
            #expect(blobs(try await image.store.signatures(for: image.rootDigest, reference: nil)) == [[1], [2], [3]])
        }
    }

    @Test("append for an instance writes <hex>.signature-N")
    func appendInstance() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            let written = try await image.store.append([7], for: image.instanceDigest, reference: nil)
            #expect(written == "\(image.path)/\(image.instanceDigest.encoded).signature-1")
            #expect(!FileManager.default.fileExists(atPath: "\(image.path)/signature-1"))
        }
    }

    @Test("append for a digest that is no manifest of the image is refused")
    func appendUnknownDigest() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            let error = await storeError { _ = try await image.store.append([7], for: try fakeDigest("9"), reference: nil) }
            #expect(error?.code == .notFound)
            #expect(try directory.names(in: "image").allSatisfy { !$0.contains("signature") })
        }
    }

    @Test("concurrent appends never overwrite")
    func concurrentAppends() async throws {
        try await withTemporaryDirectory { directory in
            let image = try DirImage(directory)
            let store = image.store, digest = image.rootDigest
            try await withThrowingTaskGroup(of: String.self) { group in
                for value in UInt8(1)...8 { group.addTask { try await store.append([value], for: digest, reference: nil) } }
                var written: Set<String> = []
                for try await path in group { written.insert(path) }
                #expect(written.count == 8)
            }
            #expect(Set(blobs(try await store.signatures(for: digest, reference: nil))) == Set((UInt8(1)...8).map { [$0] }))
        }
    }

    @Test("the store describes itself as the dir: image")
    func describes() {
        #expect(DirectorySignatureStore(path: "/tmp/x").description == "dir:/tmp/x")
    }
}
