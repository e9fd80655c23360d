/// Which requirement list of a policy applies to an image: a named scope of its transport, the
/// transport's own default scope `""`, or the global `default`.
public enum ScopeMatch: Sendable, Hashable, CustomStringConvertible {
    /// A named scope of a transport: the image's identity or one of its namespaces.
    case scope(transport: String, scope: String)
    /// The transport's default scope, `""`.
    case transportDefault(transport: String)
    /// The top-level `default`.
    case globalDefault

    /// The transport section used, or nil for ``globalDefault``.
    public var transport: String? {
        switch self {
        case .scope(let transport, _), .transportDefault(let transport): transport
        case .globalDefault: nil
        }
    }

    /// The scope within the transport (`""` for ``transportDefault(transport:)``), or nil for
    /// ``globalDefault``.
    public var scope: String? {
        switch self {
        case .scope(_, let scope): scope
        case .transportDefault: ""
        case .globalDefault: nil
        }
    }

    /// The JSON path of the requirement list: `$.default`, `$.transports.docker["quay.io/team"]`,
    /// `$.transports.dir[""]`.
    public var path: String {
        switch self {
        case .globalDefault: PolicyPath.member(PolicyPath.root, "default")
        case .scope(let transport, let scope): PolicyPath.member(PolicyPath.member(PolicyPath.member(PolicyPath.root, "transports"), transport), scope)
        case .transportDefault(let transport): PolicyPath.member(PolicyPath.member(PolicyPath.member(PolicyPath.root, "transports"), transport), "")
        }
    }

    /// The path without its leading `$.`: `default`, `transports.docker["quay.io/team"]`.
    public var description: String { String(path.dropFirst(2)) }
}

extension PolicyDocument {
    /// The requirements that apply to an image, and where they come from
    /// (containers/image's `requirementsForImageRef`).
    ///
    /// When the policy has a section for the image's transport, the first of these scopes that
    /// the section names applies: the image's identity, then each namespace in order, then `""`.
    /// Otherwise, or when none is named, `default` applies. Only that one list applies; nothing
    /// is merged from more general scopes.
    public func requirements(for image: PolicyImageIdentity) -> (scope: ScopeMatch, requirements: [PolicyRequirement]) {
        if let section = transports.first(where: { $0.transport == image.transport }) {
            let candidates = (image.identity.isEmpty ? [] : [image.identity]) + image.namespaces.filter { !$0.isEmpty }
            for candidate in candidates {
                // Byte equality, as Go compares map keys: Swift's == would also equate canonically
                // equivalent Unicode spellings of a path.
                if let match = section.scopes.first(where: { $0.scope.utf8.elementsEqual(candidate.utf8) }) {
                    return (.scope(transport: image.transport, scope: candidate), match.requirements)
                }
            }
            if let match = section.scopes.first(where: { $0.scope.isEmpty }) {
                return (.transportDefault(transport: image.transport), match.requirements)
            }
        }
        return (.globalDefault, defaultRequirements)
    }
}
