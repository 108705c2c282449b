import Dispatch
import Synchronization

/// The group-commit core of the write-ahead log and of the journals beside it: entries are
/// queued from any thread without I/O, one writer thread takes everything queued as one batch
/// and makes it durable (one write, one sync), then every waiter up to the batch's last ticket
/// resumes.
///
/// Tickets number the entries from 1 without gaps (the log's positions). The owner's writer
/// calls ``take(maximumEntries:maximumBytes:)``, makes each batch durable and calls
/// ``acknowledge(through:)``. The writer is either a thread of its own that waits in
/// ``sleep(until:)`` when there is nothing to do (the log, which also syncs on timers), or —
/// given a `wake` handler — a drain started on demand that returns when there is nothing to do
/// (the journals, which would otherwise each hold a thread for ever); a failed write or sync calls ``fail(_:)``,
/// which fails every waiter and refuses every later entry (fail-stop). A *refusal* (a full
/// disk) refuses new entries but leaves the queued ones and their waiters alone.
package final class GroupCommit: Sendable {
    /// An entry's number; the first is 1.
    package typealias Ticket = UInt64

    /// What the writer is to do next.
    package enum Work {
        /// Make these entries durable; the first has ticket `first`.
        case batch([[UInt8]], first: Ticket)
        /// Nothing is queued: sleep until woken (or a timer of the owner's).
        case idle
        /// Closing or failed, and nothing is left to write: the writer stops.
        case stop
    }

    private struct Waiter {
        var ticket: Ticket
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var next: Ticket
        var pending: [[UInt8]] = []
        var acknowledged: Ticket
        var waiters: [Waiter] = []
        var failure: LogError?
        var refusal: LogError?
        var writerSleeping = false
        var closing = false
    }

    private let state: Mutex<State>
    private let wake = DispatchSemaphore(value: 0)
    /// What a submitter is told once the core is closing.
    private let closed: LogError
    /// Starts a drain when work arrives for a writer that has none; `nil` for a writer thread.
    private let wakeHandler: (@Sendable () -> Void)?

    /// A core whose entries up to `last` are durable already (recovered), so the next ticket
    /// is `last + 1`; `closed` is the error for entries submitted after ``close()``. With a
    /// `wake` handler, it is called (outside the lock) whenever work arrives and no drain runs.
    package init(after last: Ticket, closed: LogError, wake: (@Sendable () -> Void)? = nil) {
        var initial = State(next: last + 1, acknowledged: last)
        // An on-demand writer starts out idle: the first entry starts it.
        initial.writerSleeping = wake != nil
        state = Mutex(initial)
        self.closed = closed
        self.wakeHandler = wake
    }

    private func wakeWriter() {
        if let wakeHandler { wakeHandler() } else { wake.signal() }
    }

    // MARK: Submitters

    /// Queues `entry` and returns its ticket: no I/O, no suspension. Throws the failure or the
    /// refusal, or when the core is closing.
    package func submit(_ entry: [UInt8]) throws(LogError) -> Ticket {
        let (ticket, signal) = try state.withLock { state throws(LogError) -> (Ticket, Bool) in
            if let failure = state.failure { throw failure }
            if let refusal = state.refusal { throw refusal }
            if state.closing { throw closed }
            let ticket = state.next
            state.next += 1
            state.pending.append(entry)
            let signal = state.writerSleeping
            state.writerSleeping = false
            return (ticket, signal)
        }
        if signal { wakeWriter() }
        return ticket
    }

    /// Returns once `ticket` is acknowledged; throws the failure if it never will be.
    package func waitUntilAcknowledged(_ ticket: Ticket) async throws {
        let ready = try state.withLock { state throws(LogError) -> Bool in
            if state.acknowledged >= ticket { return true }
            if let failure = state.failure { throw failure }
            return false
        }
        if ready { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let immediate: Result<Void, any Error>? = state.withLock { state in
                if state.acknowledged >= ticket { return .success(()) }
                if let failure = state.failure { return .failure(failure) }
                state.waiters.append(Waiter(ticket: ticket, continuation: continuation))
                return nil
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    /// The highest acknowledged ticket.
    package var acknowledged: Ticket { state.withLock { $0.acknowledged } }

    /// The highest ticket handed out (acknowledged or not).
    package var lastTicket: Ticket { state.withLock { $0.next - 1 } }

    /// Whether ``fail(_:)`` has run.
    package var hasFailed: Bool { state.withLock { $0.failure != nil } }

    /// The refusal in force, if any.
    package var refusal: LogError? { state.withLock { $0.refusal } }

    /// Refuses new entries with `refusal` until it is lifted with `nil`.
    package func refuse(_ refusal: LogError?) {
        state.withLock { $0.refusal = refusal }
    }

    /// Lets the writer finish what is queued, then stop; later entries are refused.
    package func close() {
        let signal = state.withLock { state -> Bool in
            state.closing = true
            let signal = state.writerSleeping
            state.writerSleeping = false
            return signal
        }
        if signal { wakeWriter() }
    }

    // MARK: The writer

    /// Takes the oldest queued entries — at most `maximumEntries`, and no more than
    /// `maximumBytes` unless a single entry is larger — or says to sleep or stop.
    package func take(maximumEntries: Int = .max, maximumBytes: Int = .max) -> Work {
        state.withLock { state -> Work in
            if state.pending.isEmpty {
                if state.closing || state.failure != nil { return .stop }
                state.writerSleeping = true
                return .idle
            }
            let first = state.next - Ticket(state.pending.count)
            var count = 0
            var bytes = 0
            while count < state.pending.count, count < maximumEntries, count == 0 || bytes + state.pending[count].count <= maximumBytes {
                bytes += state.pending[count].count
                count += 1
            }
            let batch = Array(state.pending[0..<count])
            state.pending.removeFirst(count)
            return .batch(batch, first: first)
        }
    }

    /// Sleeps after ``take(maximumEntries:maximumBytes:)`` said `.idle`, until an entry arrives
    /// or `deadline` passes; returns `false` on the deadline.
    package func sleep(until deadline: DispatchTime? = nil) -> Bool {
        guard let deadline else {
            wake.wait()
            return true
        }
        guard wake.wait(timeout: deadline) == .success else {
            // No entry came: later submitters need not signal a writer that is not waiting.
            state.withLock { $0.writerSleeping = false }
            return false
        }
        return true
    }

    /// Acknowledges every ticket up to `ticket` and resumes their waiters.
    package func acknowledge(through ticket: Ticket) {
        let ready = state.withLock { state -> [Waiter] in
            state.acknowledged = max(state.acknowledged, ticket)
            let acknowledged = state.acknowledged
            guard state.waiters.contains(where: { $0.ticket <= acknowledged }) else { return [] }
            var ready = [Waiter]()
            state.waiters.removeAll { waiter in
                guard waiter.ticket <= acknowledged else { return false }
                ready.append(waiter)
                return true
            }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Stops for good: fails every waiter and every later entry with `error`.
    package func fail(_ error: LogError) {
        let waiters = state.withLock { state -> [Waiter] in
            state.failure = state.failure ?? error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }
}
