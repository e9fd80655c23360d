/// Where an image lives, named as skopeo names it: `TRANSPORT:DETAILS`.
///
/// - `oci:DIR[:REF]`: an OCI image layout; `REF` is matched against the
///   `org.opencontainers.image.ref.name` annotation in `index.json`, `@N` picks entry N, and no
///   `REF` picks the only entry (an error when there are several).
/// - `dir:DIR`: skopeo's directory format (`manifest.json`, blobs named by hex, `signature-N`).
/// - `docker://REF`: an image in a registry; `REF` is normalised as skopeo does (`busybox` is
///   `docker.io/library/busybox:latest`). Opening one needs a registry client, so it is opened
///   through `ImageTransport` (CustodyStores), not here.
public enum ImageName: Sendable, Hashable, CustomStringConvertible {
    /// An OCI image layout.
    case ociLayout(path: String, selector: OCILayoutSelector)
    /// A skopeo `dir:` directory.
    case directory(path: String)
    /// An image in a registry: a tag or a digest, never both.
    case docker(ImageReference)

    /// The transports Custody reads and writes.
    public static let supportedTransports = ["docker", "oci", "dir"]
    /// Transports of containers/image that this version does not handle.
    static let knownTransports = ["docker-archive", "oci-archive", "docker-daemon", "containers-storage", "atomic", "sif", "tarball"]

    /// Parses `TRANSPORT:DETAILS`.
    /// - Throws: ``OCIError`` with code ``OCIError/Code/invalidImageName``.
    public init(parsing text: String) throws(OCIError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(text)\": expected TRANSPORT:DETAILS, such as oci:DIR:TAG or dir:DIR")
        }
        let transport = String(text[..<colon])
        let details = String(text[text.index(after: colon)...])
        switch transport {
        case "oci":
            // As containers/image: the path ends at the first ':' (so a path cannot contain one).
            let path: String, reference: String
            if let separator = details.firstIndex(of: ":") {
                path = String(details[..<separator])
                reference = String(details[details.index(after: separator)...])
            } else {
                path = details
                reference = ""
            }
            guard !path.isEmpty else { throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(text)\": the layout path is empty") }
            self = .ociLayout(path: path, selector: try OCILayoutSelector(parsing: reference))
        case "dir":
            guard !details.isEmpty else { throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(text)\": the directory path is empty") }
            self = .directory(path: details)
        case "docker":
            guard details.hasPrefix("//") else {
                throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(text.prefix(256))\": expected docker://REFERENCE")
            }
            self = .docker(try ImageName.dockerReference(String(details.dropFirst(2)), in: text))
        case _ where ImageName.knownTransports.contains(transport):
            throw OCIError(
                code: .invalidImageName,
                reason: "the \(transport) transport is not supported by this version of custody (supported: \(ImageName.supportedTransports.joined(separator: ", ")))"
            )
        default:
            throw OCIError(code: .invalidImageName, reason: "unknown transport \"\(transport.prefix(64))\" in \"\(text.prefix(256))\" (supported: \(ImageName.supportedTransports.joined(separator: ", ")))")
        }
    }

    /// The name in `TRANSPORT:DETAILS` form.
    public var description: String {
        switch self {
        case .ociLayout(let path, let selector):
            switch selector {
            case .onlyImage: "oci:\(path)"
            case .name(let name): "oci:\(path):\(name)"
            case .index(let index): "oci:\(path):@\(index)"
            }
        case .directory(let path): "dir:\(path)"
        case .docker(let reference): "docker://\(reference)"
        }
    }

    /// Whether the image lives on this machine (`oci:` or `dir:`), so it opens without a registry client.
    public var isLocal: Bool {
        if case .docker = self { return false }
        return true
    }

    /// Opens a local image (`oci:` or `dir:`) for reading.
    /// - Throws: ``OCIError`` for a `docker://` name, which needs a registry client
    ///   (CustodyStores' `ImageTransport` opens every transport).
    public func openLocalSource() throws(OCIError) -> any ImageSource {
        switch self {
        case .ociLayout(let path, let selector): return OCILayoutSource(path: path, selector: selector)
        case .directory(let path): return DirectorySource(path: path)
        case .docker:
            throw OCIError(code: .invalidImageName, reason: "\(self) is in a registry: open it through ImageTransport")
        }
    }

    /// Parses the reference of a `docker://` name as containers/image's docker transport does:
    /// normalised, `:latest` added to a bare name, and a tag together with a digest refused.
    static func dockerReference(_ text: String, in name: String) throws(OCIError) -> ImageReference {
        let reference: ImageReference
        do {
            reference = try ImageReference.parseNormalized(text)
        } catch {
            throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(name.prefix(256))\": \(error)")
        }
        if reference.tag != nil && reference.digest != nil {
            throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(name.prefix(256))\": a reference with both a tag and a digest is not supported")
        }
        if reference.isNameOnly {
            do { return try reference.withTag(ImageReference.defaultTag) } catch {
                throw OCIError(code: .invalidImageName, reason: "invalid image name \"\(name.prefix(256))\": \(error)")
            }
        }
        return reference
    }
}

/// Which image of an OCI layout an `oci:` name means.
public enum OCILayoutSelector: Sendable, Hashable {
    /// The layout's only image.
    case onlyImage
    /// The image whose `org.opencontainers.image.ref.name` annotation is this name.
    case name(String)
    /// The image at this position in `index.json` (`oci:DIR:@N`).
    case index(Int)

    /// Parses the part after `oci:DIR:`, validated as containers/image does (`ValidateImageName`).
    init(parsing text: String) throws(OCIError) {
        if text.isEmpty {
            self = .onlyImage
        } else if text.hasPrefix("@"), let index = Int(text.dropFirst()), index >= 0, text.dropFirst().allSatisfy(\.isASCII) {
            self = .index(index)
        } else if OCILayoutSelector.isValidName(text) {
            self = .name(text)
        } else {
            throw OCIError(code: .invalidImageName, reason: "invalid image reference \"\(text.prefix(256))\" in an oci: name")
        }
    }

    /// `component(/component)*` where a component is alphanumerics joined by `-._:@+` or `--`.
    static func isValidName(_ text: String) -> Bool {
        func isAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        func isSeparator(_ run: [UInt8]) -> Bool {
            run.count == 1 && Array("-._:@+".utf8).contains(run[0]) || run == Array("--".utf8)
        }
        return text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            let bytes = Array(component.utf8)
            guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
            var run: [UInt8] = []
            for c in bytes {
                if isAlnum(c) {
                    if !run.isEmpty && !isSeparator(run) { return false }
                    run.removeAll()
                } else {
                    run.append(c)
                }
            }
            return true
        }
    }
}
