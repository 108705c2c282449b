import Synchronization

/// The database did not answer in time.
package struct DatabaseTimeout: Error, CustomStringConvertible {
    package var description: String { "PostgreSQL did not answer in time" }
}

/// Runs `operation`, or throws ``DatabaseTimeout`` once `limit` has passed: a database that is
/// down leaves a pooled query waiting for a connection indefinitely, and the lease, the writer
/// and the read fence must hear of it in time.
///
/// The operation runs as a task of its own and is cancelled at the deadline, but the caller
/// does not wait for it to end: a query waiting for a connection may not notice cancellation
/// until the database answers again.
package func withDeadline<Value: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    let pending = PendingAnswer<Value>()
    return try await withCheckedThrowingContinuation { continuation in
        pending.set(continuation)
        let timer = Task {
            try await Task.sleep(for: limit)
            pending.finish(with: .failure(DatabaseTimeout()))
        }
        let work = Task {
            do {
                pending.finish(with: .success(try await operation()))
            } catch {
                pending.finish(with: .failure(error))
            }
            timer.cancel()
        }
        pending.onTimeout { work.cancel() }
    }
}

/// A continuation resumed once, by whichever of the answer and the deadline comes first.
private final class PendingAnswer<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    private let cancelWork = Mutex<(@Sendable () -> Void)?>(nil)

    /// What to do when the deadline wins: cancel the work.
    func onTimeout(_ cancel: @escaping @Sendable () -> Void) {
        let finished = continuation.withLock { $0 == nil }
        if finished { cancel() } else { cancelWork.withLock { $0 = cancel } }
    }

    /// Resumes the caller with `result` unless it was resumed already; whether it was this call.
    @discardableResult
    func finish(with result: Result<Value, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        if case .failure(let error) = result, error is DatabaseTimeout { cancelWork.withLock { $0.take() }?() }
        continuation.resume(with: result)
        return true
    }
}
