// Appends are served ahead of Hummingbird's router (EntryAppendHandler); these check the HTTP/1.1
// behaviour clients rely on and that ordinary clients hide: answers in request order when
// requests are pipelined, limits, `Connection: close` and HTTP/1.0's default of closing, a
// half-closed connection.

import CustodyJSON
import CustodyKeys
import CustodyLog
import CustodyTestSupport
import Foundation
import Testing

@Suite("Log appends over raw HTTP/1.1")
struct EntryAppendFramingTests {
    func indexOf(_ response: RawHTTPResponse) throws -> UInt64 {
        guard case .object(let object) = try JSONParser().parse(response.body), case .string(let text)? = object["logIndex"],
              let index = UInt64(text)
        else { throw TestSupportError("no logIndex in \(response.text)") }
        return index
    }

    func code(_ response: RawHTTPResponse) -> String? {
        guard case .object(let object)? = try? JSONParser().parse(response.body), case .string(let code)? = object["code"] else { return nil }
        return code
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let log = try await RunningLog.start()
        let first = try SignedRequest.make(.ecdsaP256), second = try SignedRequest.make(.ecdsaP256)
        let connection = try RawHTTPConnection(port: log.port)
        // Five requests in one write: appends, reads and a bad append interleaved.
        var bytes: [UInt8] = []
        func request(_ method: String, _ path: String, _ body: String = "") {
            bytes += Array("\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        }
        request("POST", "/api/v2/log/entries", first.json())
        request("GET", "/checkpoint")
        request("POST", "/api/v2/log/entries", "{not json")
        request("GET", "/healthz")
        request("POST", "/api/v2/log/entries?source=pipelined", second.json())
        try connection.send(bytes)
        let (responses, _) = try await connection.responses(5)
        #expect(responses.map(\.status) == [201, 200, 400, 200, 201], "\(responses.map(\.text))")
        guard responses.count == 5 else { await log.stop(); return }
        #expect(try indexOf(responses[0]) == 0)
        // The checkpoint was read after the first append was answered, so it covers it.
        let size = responses[1].text.split(separator: "\n").dropFirst().first.flatMap { UInt64($0) }
        #expect(size.map { $0 >= 1 } == true, "\(responses[1].text)")
        #expect(code(responses[2]) == "invalidJSON")
        #expect(try indexOf(responses[4]) == 1)
        #expect(responses[0].header("Content-Type") == "application/json")
        #expect(responses[0].header("Server") == "custody-log")
        await log.stop()
    }

    @Test func aBodyOverTheLimitIsRefusedAndTheConnectionGoesOn() async throws {
        let log = try await RunningLog.start(maxRequestBytes: 4096)
        let good = try SignedRequest.make(.ecdsaP256)
        let connection = try RawHTTPConnection(port: log.port)
        // Declared too large, then sent in chunks that together are too large, then a good one.
        try connection.send("POST", "/api/v2/log/entries", body: [UInt8](repeating: 0x20, count: 5000))
        var chunked = Array("POST /api/v2/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for _ in 0..<3 { chunked += Array("800\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x800) + Array("\r\n".utf8) }
        chunked += Array("0\r\n\r\n".utf8)
        try connection.send(chunked)
        try connection.send("POST", "/api/v2/log/entries", body: Array(good.json().utf8))
        let (responses, _) = try await connection.responses(3)
        #expect(responses.map(\.status) == [413, 413, 201], "\(responses.map(\.text))")
        #expect(responses.prefix(2).map(code) == ["requestTooLarge", "requestTooLarge"])
        #expect(try await log.storage.state().size == 1)
        await log.stop()
    }

    @Test func connectionCloseIsHonouredAfterTheAnswer() async throws {
        let log = try await RunningLog.start()
        let good = try SignedRequest.make(.ecdsaP256)
        let connection = try RawHTTPConnection(port: log.port)
        try connection.send("POST", "/api/v2/log/entries", body: Array(good.json().utf8), headers: ["Connection: close"])
        let (responses, closed) = try await connection.responses(1, thenCheckClosed: true)
        #expect(responses.map(\.status) == [201])
        #expect(responses.first?.header("Connection")?.lowercased() == "close")
        #expect(closed)
        await log.stop()
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        let log = try await RunningLog.start()
        let first = try SignedRequest.make(.ecdsaP256), second = try SignedRequest.make(.ecdsaP256)
        func request(_ body: String, keepAlive: Bool) -> [UInt8] {
            Array("POST /api/v2/log/entries HTTP/1.0\r\nHost: x\r\n\(keepAlive ? "Connection: keep-alive\r\n" : "")Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        }
        // HTTP/1.0 with keep-alive: the connection stays open for the next request.
        let kept = try RawHTTPConnection(port: log.port)
        try kept.send(request(first.json(), keepAlive: true) + request(second.json(), keepAlive: true))
        let (both, _) = try await kept.responses(2)
        #expect(both.map(\.status) == [201, 201], "\(both.map(\.text))")
        #expect(both.first?.header("Connection") == nil)
        // HTTP/1.0 without it: answered, then closed.
        let plain = try RawHTTPConnection(port: log.port)
        try plain.send(request(first.json(), keepAlive: false))
        let (one, closed) = try await plain.responses(1, thenCheckClosed: true)
        #expect(one.map(\.status) == [201], "\(one.map(\.text))")
        #expect(one.first?.header("Connection")?.lowercased() == "close")
        #expect(closed)
        await log.stop()
    }

    @Test func aHalfClosedConnectionStillGetsItsAnswer() async throws {
        let log = try await RunningLog.start()
        let good = try SignedRequest.make(.ecdsaP256)
        let connection = try RawHTTPConnection(port: log.port)
        try connection.send("POST", "/api/v2/log/entries", body: Array(good.json().utf8))
        connection.shutdownWrite()
        let (responses, _) = try await connection.responses(1)
        #expect(responses.map(\.status) == [201], "\(responses.map(\.text))")
        #expect(try indexOf(try #require(responses.first)) == 0)
        await log.stop()
    }

    @Test func theRoutersAppendAnswersTheSame() async throws {
        // A trailing slash does not match the fast path; the router's route answers it.
        let log = try await RunningLog.start()
        let good = try SignedRequest.make(.ecdsaP256)
        let answer = try await log.request("POST", "/api/v2/log/entries/", body: Array(good.json().utf8))
        #expect(answer.status == 201, "\(answer.text)")
        let direct = try await log.post(good.json())
        #expect(direct.status == 201)
        // The duplicate gets the same entry, byte for byte apart from the proof's tree state.
        #expect(try answer.json()["logIndex"] == (try direct.json()["logIndex"]))
        #expect(try answer.json()["canonicalizedBody"] == (try direct.json()["canonicalizedBody"]))
        await log.stop()
    }
}
