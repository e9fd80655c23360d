import CustodyKeys
import CustodyLogServer
import CustodyTestSupport
import Foundation
import Testing

@Suite("LogServer /metrics")
struct LogMetricsTests {
    /// The samples of a Prometheus text exposition: `name{labels}` (labels as written) to value.
    func samples(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw TestSupportError("not a sample line: \(line)")
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    @Test func metricsCountAppendsRequestsBatchesAndTheTree() async throws {
        let log = try await RunningLog.start()
        let requests = try (0..<3).map { _ in try SignedRequest.make(.ecdsaP256) }
        for request in requests {
            #expect(try await log.post(request.json()).status == 201)
        }
        #expect(try await log.post(requests[1].json()).status == 201)  // a duplicate
        #expect(try await log.post(#"{"nope":1}"#).status == 400)
        #expect(try await log.get("/checkpoint").status == 200)
        #expect(try await log.get("/tile/entries/000.p/3").status == 200)
        #expect(try await log.get("/tile/entries/001").status == 404)

        let first = try await log.get("/metrics")
        #expect(first.status == 200)
        #expect(first.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = first.text
        let values = try samples(text)
        #expect(values[#"custody_log_entries_appended_total{result="new"}"#] == 3)
        #expect(values[#"custody_log_entries_appended_total{result="duplicate"}"#] == 1)
        #expect(values[#"custody_log_http_requests_total{route="/api/v2/log/entries",status="2xx"}"#] == 4)
        #expect(values[#"custody_log_http_requests_total{route="/api/v2/log/entries",status="4xx"}"#] == 1)
        #expect(values[#"custody_log_http_requests_total{route="/checkpoint",status="2xx"}"#] == 1)
        #expect(values[#"custody_log_http_requests_total{route="/tile/**",status="2xx"}"#] == 1)
        #expect(values[#"custody_log_http_requests_total{route="/tile/**",status="4xx"}"#] == 1)
        #expect(values[#"custody_log_tree_size"#] == 3)
        #expect(values[#"custody_log_pending_entries"#] == 0)
        // Each post waited for its answer, so each new entry had a batch of its own.
        #expect(values[#"custody_log_batches_integrated_total"#] == 3)
        // Every 201 answer is timed: three new entries and the duplicate.
        #expect(values[#"custody_log_append_duration_seconds_count"#] == 4)
        #expect(values[#"custody_log_append_duration_seconds_bucket{le="+Inf"}"#] == 4)
        #expect((values[#"custody_log_append_duration_seconds_sum"#] ?? 0) > 0)
        for type in [
            "custody_log_entries_appended_total counter", "custody_log_http_requests_total counter",
            "custody_log_batches_integrated_total counter", "custody_log_append_duration_seconds histogram",
            "custody_log_tree_size gauge", "custody_log_pending_entries gauge",
        ] {
            #expect(text.contains("# TYPE \(type)\n"), "no TYPE line for \(type) in:\n\(text)")
        }

        // The scrape itself is counted once it is answered; the batch counter does not count twice.
        let second = try samples(try await log.get("/metrics").text)
        #expect(second[#"custody_log_http_requests_total{route="/metrics",status="2xx"}"#] == 1)
        #expect(second[#"custody_log_batches_integrated_total"#] == 3)
        await log.stop()
    }

    @Test func serversInOneProcessKeepSeparateCounts() async throws {
        let a = try await RunningLog.start()
        let b = try await RunningLog.start()
        #expect(try await a.post(try SignedRequest.make(.ecdsaP256).json()).status == 201)
        #expect(try samples(try await a.get("/metrics").text)[#"custody_log_entries_appended_total{result="new"}"#] == 1)
        #expect(try samples(try await b.get("/metrics").text)[#"custody_log_entries_appended_total{result="new"}"#] == 0)
        await a.stop()
        await b.stop()
    }
}
