/// The `pki` object of a keyless `sigstoreSigned` requirement: signatures must come with a
/// certificate that chains to these roots and names this subject (no Fulcio, no Rekor).
public struct SigstorePKITrust: Sendable, Hashable {
    /// `caRootsPath` (resolved against the policy's folder) or `caRootsData` (decoded): the root
    /// CA certificates, PEM. Read at evaluation time.
    public var caRoots: KeySource
    /// `caIntermediatesPath` or `caIntermediatesData`, when given: intermediate CA certificates, PEM.
    public var caIntermediates: KeySource?
    /// `subjectEmail`, when given: an e-mail address the certificate must carry, exactly.
    public var subjectEmail: String?
    /// `subjectHostname`, when given: a host name the certificate must carry, exactly.
    public var subjectHostname: String?

    /// Makes PKI settings; at least one of `subjectEmail` and `subjectHostname` should be set.
    public init(caRoots: KeySource, caIntermediates: KeySource?, subjectEmail: String?, subjectHostname: String?) {
        self.caRoots = caRoots
        self.caIntermediates = caIntermediates
        self.subjectEmail = subjectEmail
        self.subjectHostname = subjectHostname
    }

    /// One line for reports: `pki roots /path/roots.pem, subject email "…", subject hostname "…"`.
    public var summary: String {
        var text = "pki roots \(caRoots.summary)"
        if let caIntermediates { text += ", intermediates \(caIntermediates.summary)" }
        if let subjectEmail { text += ", subject email \(PolicyPath.quoted(subjectEmail))" }
        if let subjectHostname { text += ", subject hostname \(PolicyPath.quoted(subjectHostname))" }
        return text
    }
}
