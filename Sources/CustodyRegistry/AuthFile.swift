import CustodyOCI
import Foundation

/// One credentials file as containers tools and docker read it: containers `auth.json` and
/// docker `config.json` (`auths`, `credHelpers`, `credsStore`), or docker's legacy `.dockercfg`
/// (the `auths` map at the top level).
///
/// Reading is bounded (``RegistryCredentialLookup/maxFileBytes``) and checks the shape of every
/// member it uses; errors name the file and the key, never a secret.
struct AuthFile: Sendable {
    enum Format: Sendable, Hashable {
        /// `{"auths": {...}, "credHelpers": {...}, "credsStore": "..."}`.
        case standard
        /// `{"host": {"auth": ..., "email": ...}}` (`~/.dockercfg`).
        case legacy
    }

    /// One entry of the `auths` map, still encoded.
    struct Entry: Sendable, Hashable {
        var auth: String?
        var identityToken: String?
    }

    /// A usable credential entry: its key and its decoded credentials.
    struct Match: Sendable, Hashable {
        var key: String
        var credentials: RegistryCredentials
    }

    let path: String
    let format: Format
    /// `auths` keys as written in the file.
    let entries: [String: Entry]
    /// `credHelpers`: registry host → helper name.
    let credentialHelpers: [String: String]
    /// `credsStore`: the helper for every registry without a `credHelpers` entry or an `auths` entry.
    let credentialStore: String?

    /// Reads and checks the file; nil when nothing exists at `path`.
    static func load(path: String, format: Format) throws(RegistryError) -> AuthFile? {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.readAll(path: path, limit: RegistryCredentialLookup.maxFileBytes)
        } catch let error as OCIError where error.code == .notFound {
            return nil
        } catch let error as OCIError where error.code == .tooLarge {
            throw RegistryError(
                code: .credentialFile,
                reason: "auth file \(path) is larger than the limit of \(RegistryCredentialLookup.maxFileBytes) bytes")
        } catch {
            throw RegistryError(code: .credentialFile, reason: "cannot read auth file \(path): \(error)")
        }
        return try parse(bytes, path: path, format: format)
    }

    /// Checks and decodes the file's JSON (``load(path:format:)`` without the reading).
    static func parse(_ bytes: [UInt8], path: String, format: Format) throws(RegistryError) -> AuthFile {
        func fail(_ what: String) -> RegistryError {
            RegistryError(code: .credentialFile, reason: "auth file \(path): \(what)")
        }
        guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw fail("the file is empty; expected a JSON object")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw fail("not valid JSON")
        }
        guard let object = root as? [String: Any] else { throw fail("the top level is not a JSON object") }

        let authsObject: [String: Any]
        var helpers: [String: String] = [:]
        var store: String?
        switch format {
        case .legacy:
            authsObject = object
        case .standard:
            switch object["auths"] {
            case nil, is NSNull:
                authsObject = [:]
            case let value as [String: Any]:
                authsObject = value
            default:
                throw fail("\"auths\" is not a JSON object")
            }
            switch object["credHelpers"] {
            case nil, is NSNull:
                break
            case let value as [String: Any]:
                for (registry, helper) in value {
                    guard let name = helper as? String else {
                        throw fail("credHelpers[\"\(registry)\"] is not a string")
                    }
                    guard CredentialHelper.isValidName(name) else {
                        throw fail("credHelpers[\"\(registry)\"] is not a valid helper name (letters, digits, \".\", \"_\", \"-\")")
                    }
                    helpers[registry] = name
                }
            default:
                throw fail("\"credHelpers\" is not a JSON object")
            }
            switch object["credsStore"] {
            case nil, is NSNull:
                break
            case let name as String where name.isEmpty:
                break
            case let name as String:
                guard CredentialHelper.isValidName(name) else {
                    throw fail("\"credsStore\" is not a valid helper name (letters, digits, \".\", \"_\", \"-\")")
                }
                store = name
            default:
                throw fail("\"credsStore\" is not a string")
            }
        }

        var entries: [String: Entry] = [:]
        for (key, value) in authsObject {
            let location = format == .legacy ? "entry \"\(key)\"" : "auths[\"\(key)\"]"
            guard let fields = value as? [String: Any] else { throw fail("\(location) is not a JSON object") }
            var entry = Entry()
            switch fields["auth"] {
            case nil, is NSNull: break
            case let text as String: entry.auth = text
            default: throw fail("\(location).auth is not a string")
            }
            switch fields["identitytoken"] {
            case nil, is NSNull: break
            case let text as String: entry.identityToken = text
            default: throw fail("\(location).identitytoken is not a string")
            }
            entries[key] = entry
        }
        return AuthFile(path: path, format: format, entries: entries, credentialHelpers: helpers, credentialStore: store)
    }

    // MARK: - Matching

    /// The `auths` entry for `registry` and `repository`: the most specific of `host/ns/repo`,
    /// `host/ns`, `host` written exactly; else a key that normalises to the host (a URL such as
    /// `https://index.docker.io/v1/`, or another spelling of Docker Hub). Entries without
    /// credentials (docker's `{}` placeholders) are skipped.
    /// - Throws: ``RegistryError`` (`credentialFile`) when the chosen entry is malformed.
    func match(registry: String, repository: String?) throws(RegistryError) -> Match? {
        var exactKeys: [String] = []
        if format == .standard, let repository, !repository.isEmpty {
            var key = "\(registry)/\(repository)"
            while true {
                exactKeys.append(key)
                guard let slash = key.lastIndex(of: "/") else { break }
                key = String(key[..<slash])
                if key == registry { break }
            }
        }
        exactKeys.append(registry)
        for key in exactKeys {
            if let entry = entries[key], let credentials = try decode(entry, key: key) {
                return Match(key: key, credentials: credentials)
            }
        }

        let host = Self.normalizedHost(registry)
        // Sorted, so that the choice among several spellings of one host is deterministic.
        for key in entries.keys.sorted() where !exactKeys.contains(key) {
            guard Self.normalizedKey(key, format: format) == host, let entry = entries[key] else { continue }
            if let credentials = try decode(entry, key: key) {
                return Match(key: key, credentials: credentials)
            }
        }
        return nil
    }

    /// The credentials in one entry, or nil for an entry that holds none.
    func decode(_ entry: Entry, key: String) throws(RegistryError) -> RegistryCredentials? {
        let location = format == .legacy ? "entry \"\(key)\"" : "auths[\"\(key)\"]"
        let origin = "auth file \(path) (key \"\(key)\")"
        var username = ""
        var password = ""
        if let auth = entry.auth, !auth.isEmpty {
            guard let data = Data(base64Encoded: auth) else {
                throw RegistryError(code: .credentialFile, reason: "auth file \(path): \(location).auth is not valid base64")
            }
            guard let text = String(validating: Array(data), as: UTF8.self), let colon = text.firstIndex(of: ":") else {
                throw RegistryError(
                    code: .credentialFile,
                    reason: "auth file \(path): \(location).auth does not decode to USER:PASSWORD")
            }
            username = String(text[..<colon])
            // Some writers pad the password with NUL bytes.
            var passwordPart = text[text.index(after: colon)...]
            while passwordPart.first == "\0" { passwordPart = passwordPart.dropFirst() }
            while passwordPart.last == "\0" { passwordPart = passwordPart.dropLast() }
            password = String(passwordPart)
        }
        let identityToken = entry.identityToken.flatMap { $0.isEmpty ? nil : $0 }
        guard !username.isEmpty || !password.isEmpty || identityToken != nil else { return nil }
        return RegistryCredentials(username: username, password: password, identityToken: identityToken, origin: origin)
    }

    /// Docker Hub has several host names; the one in image references is `docker.io`.
    static func normalizedHost(_ host: String) -> String {
        switch host.lowercased() {
        case "docker.io", "index.docker.io", "registry-1.docker.io": "docker.io"
        default: host
        }
    }

    /// An `auths` key as a registry host: a URL loses its scheme and path (legacy keys always
    /// lose their path), then Docker Hub's names become `docker.io`.
    static func normalizedKey(_ key: String, format: Format) -> String {
        var stripped = Substring(key)
        let lowercased = key.lowercased()
        if lowercased.hasPrefix("https://") {
            stripped = stripped.dropFirst(8)
        } else if lowercased.hasPrefix("http://") {
            stripped = stripped.dropFirst(7)
        }
        if format == .legacy || stripped.count != key.count {
            stripped = stripped.prefix { $0 != "/" }
        }
        return normalizedHost(String(stripped))
    }
}
