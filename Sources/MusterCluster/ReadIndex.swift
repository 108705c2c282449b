import MusterEngine

/// Where the log ends, asked of the database once for every read that arrives while the
/// question is out: a follower's reads share one query instead of sending one each.
///
/// A read may use an answer only if the question was sent after the read arrived: then every
/// change acknowledged before the read is within it.
actor ReadIndex {
    private var running: (task: Task<LogPosition, any Error>, sentAt: ContinuousClock.Instant)?
    /// When the last question failed: for a while after, reads do not wait on a database that
    /// does not answer (they are answered from memory).
    private var failedAt: ContinuousClock.Instant?

    /// The log's end as asked after `arrivedAt`, by `query`; throws if the database does not
    /// answer within `patience`.
    func logEnd(
        arrivedAt: ContinuousClock.Instant,
        patience: Duration,
        query: @escaping @Sendable () async throws -> LogPosition
    ) async throws -> LogPosition {
        if let failedAt, ContinuousClock.now - failedAt < patience { throw CancellationError() }
        while true {
            if let running {
                if running.sentAt >= arrivedAt { return try await running.task.value }
                // Sent before this read arrived: wait for it to end, then ask again (shared).
                _ = try? await running.task.value
                if self.running?.task == running.task { self.running = nil }
                continue
            }
            let task = Task { try await withDeadline(patience, query) }
            running = (task, .now)
            defer { if self.running?.task == task { self.running = nil } }
            do {
                let end = try await task.value
                failedAt = nil
                return end
            } catch {
                failedAt = .now
                throw error
            }
        }
    }
}
