import CustodyOCI
import Testing

@Suite("ImageName")
struct ImageNameTests {
    @Test("parses oci: and dir: names", arguments: [
        ("oci:/tmp/layout", ImageName.ociLayout(path: "/tmp/layout", selector: .onlyImage)),
        ("oci:relative/dir", ImageName.ociLayout(path: "relative/dir", selector: .onlyImage)),
        ("oci:/tmp/layout:v1", ImageName.ociLayout(path: "/tmp/layout", selector: .name("v1"))),
        ("oci:/tmp/layout:example.com/repo/name:1.0", ImageName.ociLayout(path: "/tmp/layout", selector: .name("example.com/repo/name:1.0"))),
        ("oci:/tmp/layout:a--b_c.d@e+f", ImageName.ociLayout(path: "/tmp/layout", selector: .name("a--b_c.d@e+f"))),
        ("oci:/tmp/layout:@1", ImageName.ociLayout(path: "/tmp/layout", selector: .index(1))),
        ("oci:/tmp/layout:@0", ImageName.ociLayout(path: "/tmp/layout", selector: .index(0))),
        ("dir:/tmp/image", ImageName.directory(path: "/tmp/image")),
        ("dir:/tmp/with:colon", ImageName.directory(path: "/tmp/with:colon")),
        ("docker://docker.io/library/busybox:latest", ImageName.docker(try! ImageReference.parse("docker.io/library/busybox:latest"))),
        ("docker://127.0.0.1:5000/a/b:v1", ImageName.docker(try! ImageReference.parse("127.0.0.1:5000/a/b:v1"))),
        ("docker://quay.io/a/b@sha256:" + String(repeating: "ab", count: 32),
         ImageName.docker(try! ImageReference.parse("quay.io/a/b@sha256:" + String(repeating: "ab", count: 32)))),
    ])
    func parses(text: String, expected: ImageName) throws {
        let name = try ImageName(parsing: text)
        #expect(name == expected)
        #expect(name.description == text)
        #expect(try ImageName(parsing: name.description) == name)
    }

    @Test("an empty reference after the path means the only image")
    func emptyReference() throws {
        let name = try ImageName(parsing: "oci:/tmp/layout:")
        #expect(name == .ociLayout(path: "/tmp/layout", selector: .onlyImage))
        #expect(name.description == "oci:/tmp/layout")
    }

    @Test("rejects malformed names", arguments: [
        "foo", "", "oci:", "oci::v1", "dir:", ":x",
        "oci:/d:a b", "oci:/d:-x", "oci:/d:x/", "oci:/d:x-", "oci:/d:/x", "oci:/d:a//b", "oci:/d:a---b",
        "oci:/d:@", "oci:/d:@-1", "oci:/d:@x", "oci:/d:@1.5", "oci:/d:é",
        "docker:busybox", "docker://", "docker://Busybox", "docker://a b", "docker:///x",
        "docker://busybox:1@sha256:" + String(repeating: "ab", count: 32),
        "docker://" + String(repeating: "ab", count: 32),
    ])
    func rejects(text: String) {
        #expect(throws: OCIError(code: .invalidImageName)) { try ImageName(parsing: text) }
    }

    @Test("docker:// names are normalised as skopeo does", arguments: [
        ("docker://busybox", "docker://docker.io/library/busybox:latest"),
        ("docker://busybox:1.36", "docker://docker.io/library/busybox:1.36"),
        ("docker://example.com/team/app", "docker://example.com/team/app:latest"),
        ("docker://localhost/app", "docker://localhost/app:latest"),
    ])
    func dockerNormalised(text: String, expected: String) throws {
        let name = try ImageName(parsing: text)
        #expect(name.description == expected)
        #expect(!name.isLocal)
        #expect(throws: OCIError(code: .invalidImageName)) { try name.openLocalSource() }
    }

    @Test("a known but unsupported transport says so", arguments: [
        "docker-archive:/tmp/a.tar", "oci-archive:/tmp/a.tar", "containers-storage:x",
    ])
    func unsupportedTransport(text: String) async {
        let error = await ociError { _ = try ImageName(parsing: text) }
        #expect(error?.code == .invalidImageName)
        #expect(error?.reason.contains("transport is not supported") == true)
        #expect(error?.reason.contains("docker, oci, dir") == true)
    }

    @Test("an unknown transport is named as unknown")
    func unknownTransport() async {
        let error = await ociError { _ = try ImageName(parsing: "ftp://example.com/x") }
        #expect(error?.code == .invalidImageName)
        #expect(error?.reason.contains("unknown transport \"ftp\"") == true)
    }

    @Test("a name without a transport explains the expected form")
    func noTransport() async {
        let error = await ociError { _ = try ImageName(parsing: "foo") }
        #expect(error?.reason.contains("TRANSPORT:DETAILS") == true)
    }

    @Test("openSource opens the matching source with the same name")
    func openSource() throws {
        let oci = try ImageName(parsing: "oci:/tmp/layout:v1")
        #expect(try oci.openLocalSource() is OCILayoutSource)
        #expect(try oci.openLocalSource().imageName == oci)
        let dir = try ImageName(parsing: "dir:/tmp/image")
        #expect(try dir.openLocalSource() is DirectorySource)
        #expect(try dir.openLocalSource().imageName == dir)
    }
}
