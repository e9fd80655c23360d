/// The `fulcio` object of a keyless `sigstoreSigned` requirement: signatures must come with a
/// certificate issued by this Fulcio instance to this identity.
public struct SigstoreFulcioTrust: Sendable, Hashable {
    /// `caPath` (resolved against the policy's folder) or `caData` (decoded): the Fulcio CA
    /// certificates, PEM. Read at evaluation time, not when the policy is parsed.
    public var caCertificates: KeySource
    /// `oidcIssuer`: the identity provider the certificate must name, exactly.
    public var oidcIssuer: String
    /// `subjectEmail`: the e-mail address the certificate must have been issued to, exactly.
    public var subjectEmail: String

    /// Makes Fulcio settings.
    public init(caCertificates: KeySource, oidcIssuer: String, subjectEmail: String) {
        self.caCertificates = caCertificates
        self.oidcIssuer = oidcIssuer
        self.subjectEmail = subjectEmail
    }

    /// One line for reports: `fulcio CA /path/ca.pem, issuer "…", subject email "…"`.
    public var summary: String {
        "fulcio CA \(caCertificates.summary), issuer \(PolicyPath.quoted(oidcIssuer)), subject email \(PolicyPath.quoted(subjectEmail))"
    }
}
