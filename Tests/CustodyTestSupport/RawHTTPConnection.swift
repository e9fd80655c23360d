import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 response read off a ``RawHTTPConnection``.
public struct RawHTTPResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    /// The first header of that name (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A plain TCP connection to 127.0.0.1 for tests of HTTP framing that clients hide: pipelined
/// requests, half-closed connections, bodies over a limit. Blocking reads run on a thread of their
/// own (with a 30 s socket timeout), never on the test's cooperative threads.
public final class RawHTTPConnection: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`.
    public init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestSupportError("socket(): errno \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw TestSupportError("connect(127.0.0.1:\(port)): errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Sends bytes as they are.
    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw TestSupportError("send(): errno \(errno)") }
            sent += count
        }
    }

    /// Sends a request with a `Content-Length` body.
    public func send(_ method: String, _ path: String, body: [UInt8] = [], headers: [String] = []) throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for header in headers { head += header + "\r\n" }
        try send(Array((head + "\r\n").utf8) + body)
    }

    /// Closes the sending side (the server sees the end of its input).
    public func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads `count` responses, fewer if the server closes first; `closed` tells whether it did
    /// (checked after the last response with one more read).
    public func responses(_ count: Int, thenCheckClosed: Bool = false) async throws -> (responses: [RawHTTPResponse], closed: Bool) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try self.read(count, thenCheckClosed: thenCheckClosed) })
            }.start()
        }
    }

    private func read(_ count: Int, thenCheckClosed: Bool) throws -> (responses: [RawHTTPResponse], closed: Bool) {
        var responses: [RawHTTPResponse] = []
        while responses.count < count {
            if let response = try parse() {
                responses.append(response)
                continue
            }
            guard try fill() else { return (responses, true) }
        }
        if thenCheckClosed {
            return (responses, buffer.isEmpty ? !(try fill()) : false)
        }
        return (responses, false)
    }

    /// Reads more bytes; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        guard count > 0 else { throw TestSupportError("recv(): errno \(errno) (no answer within 30 s?)") }
        buffer += chunk[..<count]
        return true
    }

    /// One complete response from the buffer, or nil when more bytes are needed.
    private func parse() throws -> RawHTTPResponse? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = buffer.indices.dropLast(3).first(where: { Array(buffer[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: buffer[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestSupportError("bad status line: \(lines[0])") }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        guard let lengthText = headers.first(where: { $0.name.lowercased() == "content-length" })?.value, let length = Int(lengthText) else {
            throw TestSupportError("a response without Content-Length: \(lines[0])")
        }
        let bodyStart = end + 4
        guard buffer.count >= bodyStart + length else { return nil }
        let response = RawHTTPResponse(status: status, headers: headers, body: Array(buffer[bodyStart..<bodyStart + length]))
        buffer.removeFirst(bodyStart + length)
        return response
    }
}
