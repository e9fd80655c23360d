/// JSON paths as policy errors and decisions print them: `$`, then `.name` for members whose key
/// is an identifier, `["key"]` for any other key, and `[i]` for array elements, as in
/// `$.transports.docker["quay.io/x"][0].keyPath`.
enum PolicyPath {
    /// The whole document.
    static let root = "$"

    /// The path of member `key` of the object at `path`.
    static func member(_ path: String, _ key: String) -> String {
        isIdentifier(key) ? path + "." + key : path + "[" + quoted(key) + "]"
    }

    /// The path of element `index` of the array at `path`.
    static func index(_ path: String, _ index: Int) -> String { path + "[\(index)]" }

    /// Renders a path from its components (a string is a member key, an integer an index).
    static func render(_ components: [Component]) -> String {
        components.reduce(root) { path, component in
            switch component {
            case .key(let key): member(path, key)
            case .index(let i): index(path, i)
            }
        }
    }

    /// One step of a path.
    enum Component: Equatable {
        case key(String)
        case index(Int)
    }

    /// Whether `key` can follow a `.` unquoted: a letter or `_`, then letters, digits or `_`.
    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return key.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// `text` in double quotes with `"`, `\` and control characters escaped and at most 256
    /// characters kept (`…` marks a cut), so that untrusted text keeps a message on one line.
    static func quoted(_ text: String) -> String {
        var out = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 256 {
                out += "…"
                break
            }
            count += 1
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Reads back a path printed by CustodyJSON's parser errors (`(root)`, `a.b`, `a["x"][0]`).
    /// - Returns: nil when the text is not in that form.
    static func components(ofJSONErrorPath text: String) -> [Component]? {
        if text == "(root)" { return [] }
        var result: [Component] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func isIdentifierScalar(_ s: Unicode.Scalar) -> Bool {
            (s >= "0" && s <= "9") || (s >= "A" && s <= "Z") || (s >= "a" && s <= "z") || s == "_"
        }
        while i < scalars.count {
            if scalars[i] == "[" {
                i += 1
                guard i < scalars.count else { return nil }
                if scalars[i] == "\"" {
                    i += 1
                    var key = String.UnicodeScalarView()
                    while true {
                        guard i < scalars.count else { return nil }
                        let s = scalars[i]
                        if s == "\"" { break }
                        if s == "\\" {
                            guard i + 1 < scalars.count else { return nil }
                            let next = scalars[i + 1]
                            if next == "u" {
                                guard i + 5 < scalars.count, let value = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)...(i + 5)])), radix: 16),
                                    let decoded = Unicode.Scalar(value)
                                else { return nil }
                                key.append(decoded)
                                i += 6
                            } else {
                                key.append(next)
                                i += 2
                            }
                            continue
                        }
                        key.append(s)
                        i += 1
                    }
                    i += 1  // closing quote
                    guard i < scalars.count, scalars[i] == "]" else { return nil }
                    i += 1
                    result.append(.key(String(key)))
                } else {
                    var digits = ""
                    while i < scalars.count, scalars[i] != "]" {
                        digits.unicodeScalars.append(scalars[i])
                        i += 1
                    }
                    guard i < scalars.count, let index = Int(digits) else { return nil }
                    i += 1
                    result.append(.index(index))
                }
            } else {
                if scalars[i] == "." {
                    guard !result.isEmpty else { return nil }
                    i += 1
                }
                var key = String.UnicodeScalarView()
                while i < scalars.count, isIdentifierScalar(scalars[i]) {
                    key.append(scalars[i])
                    i += 1
                }
                guard !key.isEmpty else { return nil }
                result.append(.key(String(key)))
            }
        }
        return result
    }
}
