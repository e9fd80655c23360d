import AsyncHTTPClient
import CustodyJSON
import NIOCore
import NIOHTTP1

/// A response whose head has arrived; the body is read by the caller, within the request's deadline.
struct RegistryResponse {
    /// The method of the request that got this response.
    let method: HTTPMethod
    /// The URL that answered (after redirects).
    let url: RegistryURL
    /// The status code.
    let status: Int
    /// The response headers.
    let headers: HTTPHeaders
    /// How many times the request was retried before this answer.
    var retries: Int
    /// For a 401 that came after the authenticator answered a challenge: its explanation (which
    /// credentials were refused, how to provide others).
    var authorizationFailure: RegistryError?
    /// When reading the body must have finished.
    let deadline: NIODeadline
    /// The request timeout, for messages.
    let timeout: Duration
    private let body: HTTPClientResponse.Body

    init(method: HTTPMethod, url: RegistryURL, response: HTTPClientResponse, retries: Int, deadline: NIODeadline, timeout: Duration) {
        self.method = method
        self.url = url
        self.status = Int(response.status.code)
        self.headers = response.headers
        self.retries = retries
        self.deadline = deadline
        self.timeout = timeout
        self.body = response.body
    }

    /// `METHOD url`, for messages.
    var what: String { "\(method.rawValue) \(url)" }

    /// The first value of a header.
    func header(_ name: String) -> String? { headers.first(name: name) }

    /// `Content-Length`, when present and a valid number.
    var contentLength: Int64? { header("Content-Length").flatMap { Int64($0) }.flatMap { $0 >= 0 ? $0 : nil } }

    /// `Content-Type` without parameters, lowercased; nil when absent or empty.
    var mediaType: String? {
        guard let value = header("Content-Type") else { return nil }
        let type = value.prefix { $0 != ";" }.trimmingSpaces().lowercased()
        return type.isEmpty ? nil : type
    }

    /// Passes every body chunk to `chunk`, checking the deadline and cancellation as it goes.
    /// - Throws: ``RegistryError`` for a broken connection or timeout, or what `chunk` throws.
    func forEachChunk(_ chunk: (ByteBuffer) throws -> Void) async throws {
        do {
            for try await buffer in body {
                try chunk(buffer)
                guard NIODeadline.now() <= deadline else {
                    throw RegistryError(code: .timeout, reason: "\(what): no complete response within \(timeout)")
                }
            }
        } catch let error as RegistryError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw RegistryError(code: .timeout, reason: "\(what): no complete response within \(timeout) (\(error))")
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            // Errors thrown by `chunk` (the caller's) are not transport errors: pass them through.
            if error is HTTPClientError || String(reflecting: type(of: error)).hasPrefix("NIO") {
                throw RegistryError(code: .network, reason: "\(what): the connection broke while reading the body: \(error)")
            }
            throw error
        }
        // A cancelled body stream can end early without an error: never treat it as complete.
        try Task.checkCancellation()
    }

    /// The whole body, refusing more than `limit` bytes (checked against `Content-Length` first).
    /// - Throws: ``RegistryError`` (`.tooLarge` naming `what` and the limit, or a transport error).
    func collect(limit: Int, describing thing: String) async throws -> [UInt8] {
        if let length = contentLength, length > Int64(limit) {
            throw RegistryError(code: .tooLarge, reason: "\(what): \(thing) is \(length) bytes, over the limit of \(limit)")
        }
        var bytes: [UInt8] = []
        try await forEachChunk { buffer in
            guard buffer.readableBytes <= limit - bytes.count else {
                throw RegistryError(code: .tooLarge, reason: "\(what): \(thing) is larger than the limit of \(limit) bytes")
            }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    /// Reads and drops a small body so that the connection can be reused; a larger body (or a
    /// failure) just ends the read, which closes the connection.
    func discard() async {
        _ = await prefix(RegistryClient.maxErrorBodyBytes)
    }

    /// At most `limit` bytes of the body; reading stops there. Never throws: a broken body is
    /// returned as far as it came.
    func prefix(_ limit: Int) async -> [UInt8] {
        if method == .HEAD { return [] }
        var bytes: [UInt8] = []
        do {
            for try await buffer in body {
                bytes.append(contentsOf: buffer.readableBytesView.prefix(limit - bytes.count))
                if bytes.count >= limit || NIODeadline.now() > deadline { break }
            }
        } catch {
            return bytes
        }
        return bytes
    }

    /// The error this response stands for: the status mapped to a code, with the registry's OCI
    /// error codes and messages, and `context` (what the client was doing).
    func error(_ context: String) async -> RegistryError {
        let detail = RegistryErrorBody.summary(await prefix(RegistryClient.maxErrorBodyBytes))
        let code: RegistryError.Code
        switch status {
        case 401: code = .unauthorized
        case 403: code = .denied
        case 404: code = .notFound
        case 429, 500...599: code = .server
        default: code = .invalidResponse
        }
        if status == 401, let failure = authorizationFailure {
            return RegistryError(code: failure.code, reason: "\(context): \(failure.reason) (\(what) answered 401\(detail.map { ": \($0)" } ?? ""))")
        }
        var reason = "\(context): \(what) answered \(status)"
        if let detail { reason += " (\(detail))" }
        if status == 401 && header("WWW-Authenticate") == nil { reason += " without a WWW-Authenticate challenge" }
        if retries > 0 { reason += ", also after \(retries) \(retries == 1 ? "retry" : "retries")" }
        return RegistryError(code: code, reason: reason)
    }
}

/// The OCI distribution error body, `{"errors":[{"code":"…","message":"…","detail":…}]}`, read
/// tolerantly into one short line for an error message.
enum RegistryErrorBody {
    /// The most errors of one body shown in a message.
    static let maxErrorsShown = 4
    /// The longest code or message shown, in characters.
    static let maxTextLength = 200

    /// `CODE: message; CODE: message`, or nil when the body is not such a document.
    static func summary(_ body: [UInt8]) -> String? {
        guard !body.isEmpty,
              case .object(let top)? = try? JSONParser(limits: JSONLimits(maxDocumentBytes: RegistryClient.maxErrorBodyBytes)).parse(body),
              case .array(let errors)? = top["errors"]
        else { return nil }
        var parts: [String] = []
        for case .object(let entry) in errors.prefix(maxErrorsShown) {
            var code: String?
            var message: String?
            if case .string(let text)? = entry["code"] { code = clean(text) }
            if case .string(let text)? = entry["message"] { message = clean(text) }
            switch (code, message) {
            case (let code?, let message?) where !message.isEmpty: parts.append("\(code): \(message)")
            case (let code?, _): parts.append(code)
            case (nil, let message?): parts.append(message)
            case (nil, nil): continue
            }
        }
        if errors.count > maxErrorsShown { parts.append("and \(errors.count - maxErrorsShown) more") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// `text` on one line: control characters become spaces, cut to ``maxTextLength``.
    static func clean(_ text: String) -> String {
        let line = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
        return line.count > maxTextLength ? String(line.prefix(maxTextLength)) + "…" : line
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
