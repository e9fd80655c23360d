import Foundation
import Synchronization

/// The audit trail: an append-only JSON Lines file of ``AdmissionRecord``s, one per decision.
///
/// The file is opened with `O_APPEND` (never truncated, never rewritten), each record is written
/// with one `write(2)` of the whole line, so concurrent writers (several webhook processes on a
/// shared volume) never interleave within a line, and ``append(_:)`` returns once the kernel has the
/// line. With `synchronous` each line is also `fsync`ed before the call returns, at a cost in
/// latency. A record is never larger than ``maxRecordBytes``: a larger one is written without
/// its evidence (`evidence: null`) instead.
public final class AuditLog: Sendable {
    /// The largest line written.
    public static let maxRecordBytes = 4 * 1024 * 1024

    public let path: String
    public let synchronous: Bool
    private let descriptor: Int32
    private let lock = Mutex(())

    /// Opens (creating with mode 0640) the audit file for appending.
    /// - Throws: ``AdmissionError/Code/configuration`` when it cannot be opened.
    public init(path: String, synchronous: Bool = false) throws(AdmissionError) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw AdmissionError(.configuration, "cannot open audit file \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.synchronous = synchronous
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends one record as one line.
    /// - Throws: ``AdmissionError/Code/configuration`` when the line cannot be written whole.
    public func append(_ record: AdmissionRecord) throws {
        var line = try record.jsonLine()
        if line.count >= Self.maxRecordBytes {
            var smaller = record
            for index in smaller.images.indices { smaller.images[index].evidence = nil }
            line = try smaller.jsonLine()
        }
        line.append(UInt8(ascii: "\n"))
        try lock.withLock { _ in
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else {
                throw AdmissionError(.configuration, "writing audit file \(path): \(written < 0 ? String(cString: strerror(errno)) : "short write")")
            }
            if synchronous && fsync(descriptor) != 0 {
                throw AdmissionError(.configuration, "syncing audit file \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads an audit file line by line, calling `body` with each record or, for a line that is
    /// not a record, its 1-based number and the error. Lines over ``maxRecordBytes`` are reported
    /// as errors and skipped.
    public static func read(path: String, _ body: (Result<AdmissionRecord, AuditLineError>) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AdmissionError(.configuration, "cannot open audit file \(path)")
        }
        defer { try? handle.close() }
        var pending: [UInt8] = []
        var lineNumber = 0
        var skipping = false
        func emit(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            if skipping {
                skipping = false
                try body(.failure(AuditLineError(line: lineNumber, reason: "the line is over \(maxRecordBytes) bytes")))
                return
            }
            if line.isEmpty { return }
            guard line.count <= maxRecordBytes else {
                try body(.failure(AuditLineError(line: lineNumber, reason: "the line is over \(maxRecordBytes) bytes")))
                return
            }
            do {
                try body(.success(try AdmissionRecord(line: line)))
            } catch let error as AdmissionError {
                try body(.failure(AuditLineError(line: lineNumber, reason: error.reason)))
            } catch {
                try body(.failure(AuditLineError(line: lineNumber, reason: "not a custody.admission/v1 record: \(error)")))
            }
        }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try emit(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            if pending.count > maxRecordBytes {
                pending.removeAll()
                skipping = true
            }
        }
        if !pending.isEmpty || skipping { try emit(pending[...]) }
    }
}

/// A line of an audit file that is not a record.
public struct AuditLineError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}
