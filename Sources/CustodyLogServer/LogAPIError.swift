import CustodyJSON
import Hummingbird

/// A request the log refuses, or a failure it reports: an HTTP status, a stable machine-readable
/// code and a one-line message, sent as `{"code": "…", "message": "…"}`.
public struct LogAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code (400, 404, 413, 415, 500, 503…).
    public let status: Int
    /// A stable identifier, such as `invalidSignature` or `unsupportedAlgorithm`.
    public let code: String
    /// A one-line explanation for the client.
    public let message: String

    /// Makes an error with `status`, `code` and `message`.
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// A malformed request (400).
    static func badRequest(_ code: String, _ message: String) -> LogAPIError {
        LogAPIError(status: 400, code: code, message: message)
    }

    /// The JSON error body.
    var body: [UInt8] {
        let object = JSONObject(members: [("code", .string(code)), ("message", .string(message))])!
        // Serializing strings and an object cannot fail.
        return (try? CanonicalJSONEncoder.serialize(.object(object))) ?? Array(#"{"code":"internal"}"#.utf8)
    }

    /// The HTTP response carrying this error.
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
