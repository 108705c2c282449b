import MusterEngine

/// Where the log ends, asked of the database once for every read that arrives while the
/// question is out: a follower's reads share one query instead of sending one each.
///
/// A read may use an answer only if the question was sent after the read arrived: then every
/// change acknowledged before the read is within it.
actor ReadIndex {
    private var running: (task: Task<LogPosition, any Error>, sentAt: ContinuousClock.Instant)?

    /// The log's end as asked after `arrivedAt`, by `query`; throws if the database does not
    /// answer within `patience`.
    func logEnd(arrivedAt: ContinuousClock.Instant, patience: Duration, query: @escaping @Sendable () async throws -> LogPosition) async throws -> LogPosition {
        while true {
            if let running {
                if running.sentAt >= arrivedAt { return try await running.task.value }
                // Sent before this read arrived: wait for it to end, then ask again (shared).
                _ = try? await running.task.value
                if self.running?.task == running.task { self.running = nil }
                continue
            }
            let task = Task {
                try await withThrowingTaskGroup(of: LogPosition.self) { group in
                    group.addTask { try await query() }
                    group.addTask {
                        try await Task.sleep(for: patience)
                        throw CancellationError()
                    }
                    defer { group.cancelAll() }
                    return try await group.next()!
                }
            }
            running = (task, .now)
            defer { if self.running?.task == task { self.running = nil } }
            return try await task.value
        }
    }
}
