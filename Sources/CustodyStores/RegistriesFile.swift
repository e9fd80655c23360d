import Yams

/// One registries.d file, decoded from YAML as containers/image decodes it with `gopkg.in/yaml.v3`
/// into `registryConfiguration`: known keys are read, unknown keys are ignored.
struct RegistriesFile {
    /// The `default-docker` section; nil when absent or null.
    var defaultDocker: RegistriesConfiguration.Section?
    /// The `docker:` sections in file order.
    var docker: [(String, RegistriesConfiguration.Section)] = []

    /// Decodes the bytes of the file at `path` (named in errors).
    /// - Throws: ``StoreError`` with code `invalidConfiguration`.
    init(bytes: [UInt8], path: String) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw StoreError(code: .invalidConfiguration, reason: "parsing \(path): the file is not valid UTF-8")
        }
        let root: Node?
        do {
            // yaml.v3's Unmarshal decodes the first document only.
            root = try Parser(yaml: text).nextRoot()
        } catch {
            throw StoreError(code: .invalidConfiguration, reason: "parsing \(path): \(Self.oneLine(error))")
        }
        let reader = NodeReader(path: path)
        guard let root, !reader.isNull(root) else { return }
        guard let top = root.mapping else {
            throw reader.typeError(root, expected: "a mapping of registries.d keys")
        }
        for (keyNode, value) in top {
            guard let key = keyNode.scalar?.string else { continue }
            switch key {
            case "default-docker":
                if !reader.isNull(value) { defaultDocker = try reader.section(value) }
            case "docker":
                if reader.isNull(value) { continue }
                guard let namespaces = value.mapping else {
                    throw reader.typeError(value, expected: "a mapping of namespaces")
                }
                for (namespaceNode, sectionNode) in namespaces {
                    guard let scalar = namespaceNode.scalar else {
                        throw reader.typeError(namespaceNode, expected: "a namespace name")
                    }
                    let namespace = reader.isNull(namespaceNode) ? "" : scalar.string
                    docker.append((namespace, try reader.section(sectionNode)))
                }
            default:
                continue  // Unknown keys are ignored, as containers/image ignores them.
            }
        }
    }
}

extension RegistriesFile {
    /// A YAML error in one line, without the source snippet Yams appends.
    static func oneLine(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return "\(error)" }
        func located(_ mark: Mark, _ context: YamlError.Context?, _ problem: String) -> String {
            let context = context.map { "\($0.text) at line \($0.mark.line), column \($0.mark.column): " } ?? ""
            return "line \(mark.line), column \(mark.column): \(context)\(problem)"
        }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, context, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return "mapping key \(keys) already defined at line \(context.mark.line)"
        default:
            return String(describing: yaml).split(separator: "\n").joined(separator: " ")
        }
    }
}

/// Reads the typed values of a registries.d file, with yaml.v3's rules for strings, booleans and nulls.
private struct NodeReader {
    let path: String

    /// A plain scalar that YAML resolves to null (as yaml.v3 does; a null leaves a field unset).
    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// A `docker:` entry or `default-docker`; null is an empty section.
    func section(_ node: Node) throws -> RegistriesConfiguration.Section {
        var section = RegistriesConfiguration.Section()
        if isNull(node) { return section }
        guard let mapping = node.mapping else {
            throw typeError(node, expected: "a mapping of lookaside settings")
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            switch key {
            case "lookaside": section.lookaside = try string(value)
            case "lookaside-staging": section.lookasideStaging = try string(value)
            case "sigstore": section.sigstore = try string(value)
            case "sigstore-staging": section.sigstoreStaging = try string(value)
            case "use-sigstore-attachments": section.useSigstoreAttachments = try bool(value)
            default: continue  // Unknown keys are ignored, as containers/image ignores them.
            }
        }
        return section
    }

    /// Any scalar is a string (yaml.v3 stores a scalar's text into a string field); null is "".
    func string(_ node: Node) throws -> String {
        guard let scalar = node.scalar else { throw typeError(node, expected: "a string") }
        return isNull(node) ? "" : scalar.string
    }

    /// `true`/`false` (plain), or a YAML 1.1 boolean word (yaml.v3 accepts those for typed bools); null is unset.
    func bool(_ node: Node) throws -> Bool? {
        guard let scalar = node.scalar else { throw typeError(node, expected: "a boolean") }
        if isNull(node) { return nil }
        if scalar.style == .plain {
            if ["true", "True", "TRUE"].contains(scalar.string) { return true }
            if ["false", "False", "FALSE"].contains(scalar.string) { return false }
        }
        if ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"].contains(scalar.string) { return true }
        if ["n", "N", "no", "No", "NO", "off", "Off", "OFF"].contains(scalar.string) { return false }
        throw typeError(node, expected: "a boolean")
    }

    func typeError(_ node: Node, expected: String) -> StoreError {
        let line = node.mark.map { "line \($0.line): " } ?? ""
        let found: String
        switch node {
        case .scalar(let scalar): found = "\"\(scalar.string.prefix(80))\""
        case .mapping: found = "a mapping"
        case .sequence: found = "a sequence"
        case .alias: found = "an alias"
        }
        return StoreError(code: .invalidConfiguration, reason: "parsing \(path): \(line)expected \(expected), found \(found)")
    }
}
