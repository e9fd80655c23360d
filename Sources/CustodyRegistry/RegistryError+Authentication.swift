extension RegistryError.Code {
    /// The registry or its token service wants credentials that are missing or were rejected, or
    /// its authentication challenge cannot be met (malformed, or a scheme Custody does not speak).
    public static let unauthorized = Self(rawValue: "unauthorized")
    /// A `docker-credential-<name>` helper is missing, failed, timed out or printed something
    /// other than credentials.
    public static let credentialHelper = Self(rawValue: "credentialHelper")
    /// An auth file (containers `auth.json`, docker `config.json`, `.dockercfg`) is unreadable,
    /// too large or malformed, or a file named explicitly does not exist.
    public static let credentialFile = Self(rawValue: "credentialFile")
    /// A token service answered with an unexpected status or an unusable token response.
    public static let tokenService = Self(rawValue: "tokenService")
}
