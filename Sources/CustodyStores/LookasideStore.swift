import CustodyOCI
import CustodyRegistry

/// A lookaside signature store ("sigstore" in old configurations): signatures as files under a
/// base URL, laid out as containers/image lays them out (`docker/registries_d.go`,
/// `docs/signature-protocols.md`):
///
/// ```
/// <base>/<repository path>@<algorithm>=<hex>/signature-<N>
/// ```
///
/// The repository path has no registry host, tag or digest, and keeps `library/` for Docker Hub
/// images: `docker.io/library/busybox:latest` signed as `sha256:817a…` is at
/// `<base>/library/busybox@sha256=817a…/signature-1`. Note `=`, not `:`.
///
/// - Reading: `signature-1`, `signature-2`, … until the first missing one (`ENOENT` for
///   `file://`, status 404 for `http(s)://`). Any other HTTP status, a network failure, a redirect
///   loop or a body over ``maxSignatureBytes`` makes the whole read fail, as in containers/image
///   (so an S3-style 403 for missing objects breaks reading). For `file://`, a signature file that
///   exists but cannot be read becomes ``StoredSignature/unreadable(location:reason:)``. Reaching
///   ``maxSignatures`` signatures is an error (containers/image `maxLookasideSignatures`).
///   HTTP requests carry no registry credentials. A `Content-Type: text/html` answer is accepted,
///   as containers/image accepts it (it only logs a warning); the signature parser rejects HTML.
/// - Writing: only `file://`. ``append(_:for:reference:)`` creates the directories (mode 0755)
///   and writes the first free `signature-N` (mode 0644; the umask applies) exclusively and
///   atomically, so concurrent signers never overwrite each other and no gap is left. It never
///   writes `signature-128` or later, because containers/image refuses to read a lookaside that
///   holds 128 signatures. (skopeo instead rewrites the whole list `signature-1…n`; podman appends
///   at the first free number, as Custody does.)
///
/// References must be normalised (``ImageReference/parseDockerReference(_:)``), so that
/// ``ImageReference/path`` is the repository path without the registry host.
///
/// The base may be `file:///absolute/path` (percent-escapes are decoded), `http://…` or
/// `https://…`; a trailing `/` is dropped (containers/image would keep it and produce `//` in the
/// path). A query or fragment is refused.
public struct LookasideStore: SignatureStore {
    /// The most signatures read for one manifest: reaching this many is an error, as in
    /// containers/image (`maxLookasideSignatures`, since c/image 5.24).
    public static let maxSignatures = 128
    /// The largest signature read or written (containers/image `iolimits.MaxSignatureBodySize`).
    public static let maxSignatureBytes = 4 * 1024 * 1024

    /// Where a lookaside lives.
    enum Location: Sendable, Hashable {
        /// A directory (the decoded path of a `file://` URL, without trailing `/`).
        case file(path: String)
        /// An `http://` or `https://` base URL, without trailing `/`.
        case http(url: String, scheme: String)
    }

    /// The base URL as given.
    public let base: String
    let location: Location
    private let fetcher: any HTTPFetching

    /// Opens the lookaside at `base`.
    /// - Parameters:
    ///   - base: `file:///absolute/path`, `http://host/path` or `https://host/path`.
    ///   - fetcher: The HTTP client for `http(s)://` bases.
    /// - Throws: ``StoreError`` with code `invalidLocation` for any other form.
    public init(base: String, fetcher: any HTTPFetching = HTTPFetcher()) throws {
        self.base = base
        self.location = try Self.parse(base)
        self.fetcher = fetcher
    }

    public var description: String { "lookaside \(base)" }

    /// The directory (path or URL) holding the signatures of `manifestDigest` in `reference`'s repository.
    public func signatureDirectory(for manifestDigest: Digest, reference: ImageReference) -> String {
        let relative = "/\(reference.path)@\(manifestDigest.algorithm.rawValue)=\(manifestDigest.encoded)"
        switch location {
        case .file(let path): return path + relative
        case .http(let url, _): return url + relative
        }
    }

    /// The path or URL of signature `number` (from 1) of `manifestDigest` in `reference`'s repository.
    public func signatureLocation(for manifestDigest: Digest, reference: ImageReference, number: Int) -> String {
        signatureDirectory(for: manifestDigest, reference: reference) + "/signature-\(number)"
    }

    public func signatures(for manifestDigest: Digest, reference: ImageReference?) async throws -> [StoredSignature] {
        let reference = try Self.require(reference, manifestDigest)
        switch location {
        case .file:
            return try readFiles(manifestDigest, reference)
        case .http:
            return try await readHTTP(manifestDigest, reference)
        }
    }

    public func append(_ signature: [UInt8], for manifestDigest: Digest, reference: ImageReference?) async throws -> String {
        let reference = try Self.require(reference, manifestDigest)
        if case .http(_, let scheme) = location {
            let url = signatureLocation(for: manifestDigest, reference: reference, number: 1)
            throw StoreError(
                code: .notWritable,
                reason: "Writing directly to a \(scheme) lookaside \(url) is not supported. Configure a lookaside-staging: location"
            )
        }
        guard signature.count <= Self.maxSignatureBytes else {
            throw StoreError(
                code: .tooLarge,
                reason: "signature is \(signature.count) bytes, over the limit of \(Self.maxSignatureBytes)"
            )
        }
        let directory = signatureDirectory(for: manifestDigest, reference: reference)
        try LocalFiles.makeDirectories(directory)
        let names = (1..<Self.maxSignatures).lazy.map { "\(directory)/signature-\($0)" }
        guard let written = try LocalFiles.writeToFirstFreeName(signature, in: directory, candidates: names) else {
            throw StoreError(
                code: .tooManySignatures,
                reason: "\(directory) already holds \(Self.maxSignatures - 1) signatures; containers/image refuses to read \(Self.maxSignatures)"
            )
        }
        return written
    }

    // MARK: - Reading

    private func readFiles(_ manifestDigest: Digest, _ reference: ImageReference) throws -> [StoredSignature] {
        let directory = signatureDirectory(for: manifestDigest, reference: reference)
        switch try LocalFiles.kind(of: directory) {
        case .missing: return []
        case .directory: break
        case .other: throw StoreError(code: .unreadable, reason: "reading signatures from \(directory): not a directory")
        }
        var result: [StoredSignature] = []
        for index in 0... {
            try Self.checkCount(index)
            let path = "\(directory)/signature-\(index + 1)"
            do {
                result.append(.blob(try FileReader.readAll(path: path, limit: Self.maxSignatureBytes), location: path))
            } catch let error as OCIError {
                if error.code == .notFound { break }
                result.append(.unreadable(location: path, reason: error.reason))
            }
        }
        return result
    }

    private func readHTTP(_ manifestDigest: Digest, _ reference: ImageReference) async throws -> [StoredSignature] {
        var result: [StoredSignature] = []
        for index in 0... {
            try Self.checkCount(index)
            let url = signatureLocation(for: manifestDigest, reference: reference, number: index + 1)
            let response: HTTPFetchResponse
            do {
                response = try await fetcher.get(url, maxBytes: Self.maxSignatureBytes)
            } catch let error as RegistryError {
                let detail = error.reason.hasPrefix("fetching \(url): ") ? String(error.reason.dropFirst("fetching \(url): ".count)) : error.reason
                let code: StoreError.Code = switch error.code {
                case .tooLarge: .tooLarge
                case .invalidURL: .invalidLocation
                default: .unreadable
                }
                throw StoreError(code: code, reason: "reading signature from \(url): \(detail)")
            }
            switch response.status {
            case 200:
                result.append(.blob(response.body, location: url))
            case 404:
                return result
            default:
                throw StoreError(
                    code: .unreadable,
                    reason: "reading signature from \(url): received unexpected HTTP status: \(response.status)"
                )
            }
        }
        return result
    }

    private static func checkCount(_ index: Int) throws {
        guard index < maxSignatures else {
            throw StoreError(
                code: .tooManySignatures,
                reason: "server provided \(maxSignatures) signatures, assuming that's unreasonable and a server error"
            )
        }
    }

    private static func require(_ reference: ImageReference?, _ manifestDigest: Digest) throws -> ImageReference {
        guard let reference else {
            throw StoreError(
                code: .missingReference,
                reason: "a lookaside is laid out by repository: the image reference of \(manifestDigest) is needed"
            )
        }
        return reference
    }

    // MARK: - Base URL

    static func parse(_ base: String) throws -> Location {
        func invalid(_ why: String) -> StoreError {
            StoreError(code: .invalidLocation, reason: "invalid lookaside URL \(base): \(why)")
        }
        guard !base.contains("?"), !base.contains("#") else { throw invalid("a query or fragment is not supported") }
        guard !base.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw invalid("it contains white space or control characters")
        }
        let lowercased = base.lowercased()
        if lowercased.hasPrefix("file://") {
            let rest = base.dropFirst("file://".count)
            guard rest.hasPrefix("/") else {
                throw invalid("a file:// URL must name an absolute path with no host (file:///path)")
            }
            guard var path = percentDecode(String(rest)) else { throw invalid("bad percent-escape") }
            guard !path.utf8.contains(0) else { throw invalid("the path contains NUL") }
            while path.hasSuffix("/") { path.removeLast() }
            return .file(path: path)
        }
        for scheme in ["http", "https"] where lowercased.hasPrefix(scheme + "://") {
            var rest = base.dropFirst(scheme.count + 3)
            guard !rest.prefix(while: { $0 != "/" }).isEmpty else { throw invalid("no host") }
            while rest.hasSuffix("/") { rest.removeLast() }
            return .http(url: scheme + "://" + rest, scheme: scheme)
        }
        throw invalid("only file://, http:// and https:// are supported")
    }

    /// Decodes `%XX` escapes; nil for a malformed escape or bytes that are not UTF-8.
    private static func percentDecode(_ s: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = s.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
