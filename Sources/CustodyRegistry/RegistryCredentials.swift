/// Credentials for one registry, and where they were found.
///
/// ``description``, ``debugDescription`` and the reflection mirror show the user name and the
/// origin only, never the password or the identity token, so credentials can be interpolated
/// into messages and dumped in tests without leaking secrets.
public struct RegistryCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The user name (empty for a helper's identity token, whose user is `<token>`).
    public var username: String
    /// The password; empty when only an identity token is known.
    public var password: String
    /// An OAuth2 refresh token (`identitytoken` in auth files, or a helper's `<token>` secret).
    /// When present, bearer tokens are requested with it instead of the password.
    public var identityToken: String?
    /// Where the credentials come from, for messages: `--creds`, `/home/u/.docker/config.json
    /// (key "registry.example")`, `credential helper docker-credential-pass`.
    public var origin: String

    /// Makes credentials.
    public init(username: String, password: String, identityToken: String? = nil, origin: String) {
        self.username = username
        self.password = password
        self.identityToken = identityToken.flatMap { $0.isEmpty ? nil : $0 }
        self.origin = origin
    }

    /// Whether there is a user name or password to send with Basic authentication (an identity
    /// token alone cannot answer a Basic challenge).
    public var hasBasicCredentials: Bool { !username.isEmpty || !password.isEmpty }

    public var description: String {
        let user = username.isEmpty ? "an identity token" : "user \"\(username)\""
        return "\(user) from \(origin)"
    }

    public var debugDescription: String { "RegistryCredentials(\(description))" }

    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "origin": origin, "secrets": "<redacted>"])
    }
}
