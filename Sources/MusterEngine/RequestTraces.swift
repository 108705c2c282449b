import MusterDomain
import Synchronization
import Tracing

/// The trace of the request behind each recent change, so that what follows the log — an
/// email, a webhook delivery — links its span to the request that caused it.
///
/// Off until ``enable()`` (when the server exports traces). Then the actor that decides a
/// command notes the request's trace under each of its events (stream and sequence) *before*
/// the record is appended, so no follower can meet the record first; a follower that meets
/// records by log position binds the position to the same trace (``bind(_:to:)``). Kept in
/// memory for the newest ``capacity`` keys: after a restart there are no links — a trace is a
/// diagnosis, not a record.
public final class RequestTraces: Sendable {
    /// What a trace is kept under: an event of a stream (the directory's is the zero id), or a
    /// log position.
    private enum Key: Hashable {
        case event(stream: OrganisationID, sequence: UInt64)
        case position(LogPosition)
    }

    private static let directoryStream = OrganisationID(high: 0, low: 0)
    private let enabled = Atomic<Bool>(false)
    private let recent = Mutex<(contexts: [Key: ServiceContext], order: [Key], next: Int)>(([:], [], 0))
    /// How many keys are kept.
    public let capacity: Int

    /// Creates a store keeping the newest `capacity` keys.
    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Starts noting traces and making spans.
    public func enable() { enabled.store(true, ordering: .relaxed) }

    /// Whether spans are made.
    public var isEnabled: Bool { enabled.load(ordering: .relaxed) }

    /// Notes the current task's trace under the events of `records` of `stream` (`nil`: the
    /// directory's), before they are appended.
    func noteCurrent(_ stream: OrganisationID?, sequences: some Sequence<UInt64>) {
        guard isEnabled, let context = ServiceContext.current else { return }
        let stream = stream ?? Self.directoryStream
        store(sequences.map { Key.event(stream: stream, sequence: $0) }, context)
    }

    /// The trace of the request that made the event `sequence` of `orgID`'s stream.
    public func context(of orgID: OrganisationID, sequence: UInt64) -> ServiceContext? {
        guard isEnabled else { return nil }
        return recent.withLock { $0.contexts[.event(stream: orgID, sequence: sequence)] }
    }

    /// Binds the log position of `record` to the trace of its first event, for a follower
    /// that later knows the record by its position alone.
    public func bind(_ position: LogPosition, to record: LogRecord) {
        guard isEnabled else { return }
        let key: Key
        switch record {
        case .org(let orgID, let events):
            guard let first = events.first else { return }
            key = .event(stream: orgID, sequence: first.sequence)
        case .directory(let events):
            guard let first = events.first else { return }
            key = .event(stream: Self.directoryStream, sequence: first.sequence)
        }
        guard let context = recent.withLock({ $0.contexts[key] }) else { return }
        store([.position(position)], context)
    }

    /// The trace bound to the record at `position`, while it is kept.
    public func context(of position: LogPosition) -> ServiceContext? {
        guard isEnabled else { return nil }
        return recent.withLock { $0.contexts[.position(position)] }
    }

    private func store(_ keys: [Key], _ context: ServiceContext) {
        recent.withLock { recent in
            for key in keys {
                if recent.contexts.updateValue(context, forKey: key) != nil { continue }
                if recent.order.count < capacity {
                    recent.order.append(key)
                } else {
                    recent.contexts[recent.order[recent.next]] = nil
                    recent.order[recent.next] = key
                    recent.next = (recent.next + 1) % capacity
                }
            }
        }
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
