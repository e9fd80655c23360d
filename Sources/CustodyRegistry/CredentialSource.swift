/// Where a client finds credentials for a registry.
public enum CredentialSource: Sendable, Hashable {
    /// No credentials: anonymous access (anonymous bearer tokens are still fetched).
    case anonymous
    /// The places containers tools look: `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`,
    /// `$HOME/.config/containers/auth.json`, `$HOME/.docker/config.json` (with `credHelpers`/`credsStore`).
    case standard
    /// One auth file only (`--authfile`), in containers auth.json or docker config.json form.
    case authFile(String)
    /// An explicit user name and password (`--creds USER:PASSWORD`).
    case basic(username: String, password: String)
}
