import CustodyLog

/// Appends an entry to a log and returns once a signed checkpoint covers it.
///
/// The log's sequencer satisfies this: it batches appends, integrates each batch durably through
/// its ``LogStorage``, and resumes every waiting caller with the entry's index and the state it
/// published. An entry whose leaf bytes the log already holds returns its existing index and
/// is not appended again.
public protocol LogAppender: Sendable {
    /// Appends `leafBytes` (or finds it) and waits until it is integrated.
    ///
    /// - Returns: the entry's index and a published state whose size is greater than that index
    ///   and whose `checkpoint` is set.
    func append(_ leafBytes: [UInt8]) async throws -> (index: UInt64, state: LogTreeState)
}
