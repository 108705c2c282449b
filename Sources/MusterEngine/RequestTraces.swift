import Synchronization
import Tracing

/// The trace of the request behind each recent log record, so that what follows the log — an
/// email, a webhook delivery — links its span to the request that caused it.
///
/// Off until ``enable()`` (when the server exports traces): then every record appended while
/// a request's span is current is noted by its position, in memory, for the newest
/// ``capacity`` records. After a restart there are no links: a trace is a diagnosis, not a
/// record.
public final class RequestTraces: Sendable {
    private let enabled = Atomic<Bool>(false)
    private let recent = Mutex<(contexts: [LogPosition: ServiceContext], order: [LogPosition], next: Int)>(([:], [], 0))
    /// How many records' traces are kept.
    public let capacity: Int

    /// Creates a store keeping the traces of the newest `capacity` records.
    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Starts noting traces and making spans.
    public func enable() { enabled.store(true, ordering: .relaxed) }

    /// Whether spans are made.
    public var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Notes the current task's trace as the one behind the record at `position`.
    func noteCurrent(_ position: LogPosition) {
        guard isEnabled, let context = ServiceContext.current else { return }
        recent.withLock { recent in
            if recent.order.count < capacity {
                recent.order.append(position)
            } else {
                recent.contexts[recent.order[recent.next]] = nil
                recent.order[recent.next] = position
                recent.next = (recent.next + 1) % capacity
            }
            recent.contexts[position] = context
        }
    }

    /// The trace of the request behind the record at `position`, while it is kept.
    public func context(of position: LogPosition) -> ServiceContext? {
        guard isEnabled else { return nil }
        return recent.withLock { $0.contexts[position] }
    }

    /// Runs `body` inside a span named `name` when tracing is on, else just runs it.
    func span<Answer>(
        _ name: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Answer
    ) async rethrows -> Answer {
        guard isEnabled else { return try await body() }
        return try await withSpan(name, isolation: isolation) { _ in try await body() }
    }
}
