import Foundation
import SwiftASN1
import X509

/// An X.509 certificate that stands for a signing key, read but not trusted: its key, the
/// identities it names and its validity period, with no chain, revocation or time check.
///
/// A transparency log takes a certificate in place of a bare key (Rekor v2 does the same: it
/// checks the signature with the certificate's key and nothing else), and a log monitor reads the
/// identities of logged certificates to find entries made in a team's name. Both only need what
/// the certificate says; whether a trusted CA issued it is a verifier's question, answered
/// elsewhere against a trust root.
///
/// Sigstore's keyless certificates carry the signer's identity as a subject alternative name
/// (an email address or a URI such as a CI workflow) and the OpenID Connect issuer that vouched
/// for it in extension 1.3.6.1.4.1.57264.1.8 (or the older 1.3.6.1.4.1.57264.1.1).
public struct UntrustedCertificate: Sendable, Hashable {
    /// The certificate's DER bytes, exactly as given.
    public let derBytes: [UInt8]
    /// The subject public key.
    public let publicKey: PublicKey
    /// The email addresses among the subject alternative names (`rfc822Name`).
    public let emailAddresses: [String]
    /// The URIs among the subject alternative names.
    public let uris: [String]
    /// The DNS names among the subject alternative names.
    public let dnsNames: [String]
    /// The OpenID Connect issuer of a Sigstore keyless certificate, if it names one.
    public let oidcIssuer: String?
    /// The start of the validity period.
    public let notValidBefore: Date
    /// The end of the validity period.
    public let notValidAfter: Date

    /// The largest certificate accepted, in bytes (Sigstore's certificates are about 1 KB).
    public static let maxBytes = 16 * 1024

    /// The subject alternative names that name a signer: email addresses, then URIs.
    public var identities: [String] { emailAddresses + uris }

    /// Reads a DER certificate.
    ///
    /// - Throws: ``KeyError``: ``KeyError/Code/tooLarge`` over ``maxBytes``;
    ///   ``KeyError/Code/invalidCertificate`` for bytes that are not exactly one DER certificate
    ///   (trailing bytes included) or an unreadable subject alternative name or issuer extension;
    ///   and what ``PublicKey/init(derEncoded:)`` throws for its key.
    public init(derEncoded der: [UInt8]) throws {
        guard der.count <= Self.maxBytes else {
            throw KeyError(code: .tooLarge, reason: "certificate is \(der.count) bytes; the limit is \(Self.maxBytes)")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: der)
        } catch {
            throw KeyError(code: .invalidCertificate, reason: "not a DER X.509 certificate: \(error)")
        }
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate.publicKey)
        } catch {
            throw KeyError(code: .invalidCertificate, reason: "the certificate's public key cannot be encoded: \(error)")
        }
        publicKey = try PublicKey(derEncoded: serializer.serializedBytes)
        var emails: [String] = []
        var uris: [String] = []
        var dnsNames: [String] = []
        do {
            for name in try certificate.extensions.subjectAlternativeNames ?? SubjectAlternativeNames() {
                switch name {
                case .rfc822Name(let email): emails.append(email)
                case .uniformResourceIdentifier(let uri): uris.append(uri)
                case .dnsName(let dns): dnsNames.append(dns)
                default: continue
                }
            }
        } catch {
            throw KeyError(code: .invalidCertificate, reason: "the subject alternative name extension is malformed: \(error)")
        }
        derBytes = der
        emailAddresses = emails
        self.uris = uris
        self.dnsNames = dnsNames
        oidcIssuer = try Self.issuer(of: certificate)
        notValidBefore = certificate.notValidBefore
        notValidAfter = certificate.notValidAfter
    }

    /// Reads a PEM `CERTIFICATE` block.
    ///
    /// - Throws: ``KeyError``: the PEM codes of ``PEMDocument``, ``KeyError/Code/unsupportedPEMType``
    ///   for another block type, and what ``init(derEncoded:)`` throws.
    public init(pemEncoded: String) throws {
        let document = try PEMDocument(pemEncoded: pemEncoded)
        guard document.type == "CERTIFICATE" else {
            throw KeyError(code: .unsupportedPEMType, reason: "PEM block type \(document.type) is not a CERTIFICATE")
        }
        try self.init(derEncoded: document.derBytes)
    }

    /// Certificates are equal when their DER bytes are.
    public static func == (lhs: UntrustedCertificate, rhs: UntrustedCertificate) -> Bool { lhs.derBytes == rhs.derBytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(derBytes) }

    /// Whether the certificate names `identity` among its email addresses and URIs (exact match).
    public func names(_ identity: String) -> Bool { identities.contains(identity) }

    /// Sigstore's OIDC issuer extensions: 1.1 holds the issuer's bytes as they are, 1.8 (its
    /// replacement) a DER UTF8String. The newer one wins when both are present.
    private static func issuer(of certificate: Certificate) throws -> String? {
        if let v2 = certificate.extensions[oid: [1, 3, 6, 1, 4, 1, 57264, 1, 8]] {
            do {
                return String(try ASN1UTF8String(derEncoded: v2.value))
            } catch {
                throw KeyError(code: .invalidCertificate, reason: "the Sigstore issuer extension (1.3.6.1.4.1.57264.1.8) is not a UTF8String")
            }
        }
        if let v1 = certificate.extensions[oid: [1, 3, 6, 1, 4, 1, 57264, 1, 1]] {
            guard let text = String(validating: v1.value, as: UTF8.self) else {
                throw KeyError(code: .invalidCertificate, reason: "the Sigstore issuer extension (1.3.6.1.4.1.57264.1.1) is not UTF-8")
            }
            return text
        }
        return nil
    }
}
