/// Why an admission request could not be handled at all (as opposed to a decision to deny).
///
/// A webhook answers a malformed review with HTTP 400 and never with an AdmissionReview: the API
/// server then applies the webhook's `failurePolicy` (`Fail` in Custody's manifests).
public struct AdmissionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Hashable {
        /// The review is not valid JSON, not an `admission.k8s.io/v1` AdmissionReview, or a member
        /// it needs is missing or of the wrong type.
        case malformedReview
        /// The review is over ``UntrustedAdmissionReview/maxBytes``.
        case tooLarge
        /// The object's shape is not that of its kind (a container without an image, a template
        /// that is not an object).
        case malformedObject
        /// A configuration or file could not be read.
        case configuration
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
