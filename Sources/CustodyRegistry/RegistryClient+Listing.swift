import AsyncHTTPClient
import CustodyJSON
import CustodyOCI
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Tag listing and the referrers API, with `Link` pagination.
extension RegistryClient {
    // MARK: - Tags

    /// Every tag of a repository, following `Link: <…>; rel="next"` pagination (`?n=pageSize`
    /// when given), at most ``maxTags`` tags over at most ``maxPages`` pages.
    public func tags(repository: String, pageSize: Int? = nil) async throws -> [String] {
        try RegistryNames.checkRepository(repository, registry: registry)
        if let pageSize, pageSize <= 0 {
            throw RegistryError(code: .invalidRequest, reason: "cannot list tags of \(registry)/\(repository): page size \(pageSize) is not positive")
        }
        let name = "tags of \(registry)/\(repository)"
        var path = "/v2/\(repository)/tags/list"
        if let pageSize { path += "?n=\(pageSize)" }
        var tags: [String] = []
        try await forEachPage(
            first: RegistryRequest(method: .GET, target: .path(path), scope: pullScope(repository)), what: name
        ) { response in
            guard response.status == 200 else { throw await response.error("listing \(name)") }
            let bytes = try await response.collect(limit: Self.maxTagListPageBytes, describing: "a page of \(name)")
            let page = try Self.parseTagList(bytes, what: "\(response.what)")
            guard page.count <= Self.maxTags - tags.count else {
                throw RegistryError(code: .tooLarge, reason: "listing \(name): more than \(Self.maxTags) tags")
            }
            tags += page
        }
        return tags
    }

    // MARK: - Referrers

    /// The manifests that name `subject` (their descriptors), optionally only those of `artifactType`.
    ///
    /// Uses the OCI 1.1 referrers API (`GET /v2/<repo>/referrers/<digest>`, following `Link`
    /// pagination; filtered here unless the registry says it applied the filter). When the
    /// registry answers 404 there, reads the referrers tag schema instead: the index tagged
    /// `<alg>-<hex>` (no such tag: no referrers).
    public func referrers(repository: String, subject: Digest, artifactType: String? = nil) async throws -> [Descriptor] {
        try RegistryNames.checkRepository(repository, registry: registry)
        let name = "referrers of \(registry)/\(repository)@\(subject)"
        var path = "/v2/\(repository)/referrers/\(subject)"
        if let artifactType { path += "?artifactType=\(RegistryURL.percentEncoded(artifactType))" }
        var request = RegistryRequest(method: .GET, target: .path(path), scope: pullScope(repository))
        request.headers.add(name: "Accept", value: MediaType.ociIndex.rawValue)
        var descriptors: [Descriptor] = []
        var usesTagSchema = false
        var first = true
        try await forEachPage(first: request, what: name) { response in
            defer { first = false }
            if first && response.status == 404 {
                await response.discard()
                usesTagSchema = true
                return
            }
            guard response.status == 200 else { throw await response.error("listing \(name)") }
            let bytes = try await response.collect(limit: Self.maxReferrersBytes, describing: name)
            let manifests = try Self.parseReferrers(bytes, what: "\(response.what)")
            let filtered = response.headers[canonicalForm: "OCI-Filters-Applied"]
                .contains { $0.trimmingSpaces().lowercased() == "artifacttype" }
            let page = filtered ? manifests : Self.filter(manifests, artifactType: artifactType)
            guard page.count <= Self.maxReferrers - descriptors.count else {
                throw RegistryError(code: .tooLarge, reason: "listing \(name): more than \(Self.maxReferrers) referrers")
            }
            descriptors += page
        }
        guard usesTagSchema else { return descriptors }

        let tag = Self.referrersTag(for: subject)
        let index: Manifest
        do {
            index = try await manifest(repository: repository, reference: tag)
        } catch let error as RegistryError where error.code == .notFound {
            return []
        }
        guard case .index(let content) = index.content else {
            throw RegistryError(code: .invalidResponse, reason: "listing \(name): tag \(tag) holds a \(index.mediaType) manifest, not an index of referrers")
        }
        return Self.filter(content.manifests, artifactType: artifactType)
    }

    /// The referrers tag schema's tag for `subject`: `<alg>-<hex>`, the algorithm cut to 32 and the
    /// hex to 64 characters.
    public static func referrersTag(for subject: Digest) -> String {
        String(subject.algorithm.rawValue.prefix(32)) + "-" + String(subject.encoded.prefix(64))
    }

    /// Sends `first`, passes each response to `page`, and follows `Link: <…>; rel="next"` until
    /// there is none, at most ``maxPages`` pages and never the same URL twice.
    func forEachPage(first: RegistryRequest, what: String, _ page: (RegistryResponse) async throws -> Void) async throws {
        var request = first
        var seen: Set<RegistryURL> = []
        for _ in 0..<Self.maxPages {
            let response = try await send(request)
            seen.insert(response.url)
            let link = response.header("Link")
            try await page(response)
            guard response.status == 200, let link, let next = Self.nextLink(link) else { return }
            guard let url = response.url.resolving(next) else {
                throw RegistryError(code: .invalidResponse, reason: "listing \(what): \(response.what) sent an unusable Link \(RegistryNames.printable(next))")
            }
            guard seen.insert(url).inserted else {
                throw RegistryError(code: .invalidResponse, reason: "listing \(what): the Link pagination loops (back to \(url))")
            }
            request.target = .url(url)
        }
        throw RegistryError(code: .tooLarge, reason: "listing \(what): more than \(Self.maxPages) pages")
    }

    /// The target of the `rel="next"` link of a `Link` header value, if any.
    static func nextLink(_ header: String) -> String? {
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let target = rest[rest.index(after: open)..<close]
            var parameters = rest[rest.index(after: close)...]
            if let nextLink = parameters.firstIndex(of: "<") {
                rest = parameters[nextLink...]
                parameters = parameters[..<nextLink]
            } else {
                rest = ""
            }
            for parameter in parameters.split(whereSeparator: { $0 == ";" || $0 == "," }) {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "rel" else { continue }
                let value = pair[1].trimmingSpaces().trimmingCharacters(in: "\"")
                if value.lowercased().split(separator: " ").contains("next") { return String(target) }
            }
        }
        return nil
    }

    /// The tags of a `{"name": …, "tags": [...] | null}` page.
    static func parseTagList(_ bytes: [UInt8], what: String) throws -> [String] {
        let value: JSONValue
        do {
            value = try JSONParser(limits: JSONLimits(maxDocumentBytes: maxTagListPageBytes)).parse(bytes)
        } catch {
            throw RegistryError(code: .invalidResponse, reason: "\(what): the tag list is not valid JSON: \(error)")
        }
        guard case .object(let top) = value else {
            throw RegistryError(code: .invalidResponse, reason: "\(what): the tag list is not a JSON object")
        }
        switch top["tags"] {
        case nil, .null?:
            return []
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let tag) = item else {
                    throw RegistryError(code: .invalidResponse, reason: "\(what): the tag list holds a \(item.typeName), not a string")
                }
                return tag
            }
        case let other?:
            throw RegistryError(code: .invalidResponse, reason: "\(what): the tag list's tags member is a \(other.typeName), not an array")
        }
    }

    /// The `manifests` of a referrers response (an OCI image index).
    static func parseReferrers(_ bytes: [UInt8], what: String) throws -> [Descriptor] {
        let manifest: Manifest
        do {
            manifest = try Manifest(bytes: bytes, declaredMediaType: .ociIndex)
        } catch {
            throw RegistryError(code: .invalidResponse, reason: "\(what): the referrers response is not an OCI image index: \(error.reason)")
        }
        guard case .index(let index) = manifest.content else {
            throw RegistryError(code: .invalidResponse, reason: "\(what): the referrers response is not an OCI image index")
        }
        return index.manifests
    }

    static func filter(_ descriptors: [Descriptor], artifactType: String?) -> [Descriptor] {
        guard let artifactType else { return descriptors }
        return descriptors.filter { $0.artifactType?.rawValue == artifactType }
    }
}
