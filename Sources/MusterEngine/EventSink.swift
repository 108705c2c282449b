import MusterDomain
import Synchronization

/// Where the actors hand the events of each applied command: the seam of the write-ahead log.
///
/// `append` is called inside an actor's decide-and-apply step and must not suspend: it only
/// queues the record and names its position. The engine then waits, outside the actor, until
/// that position is durable before it answers anyone.
public protocol EventSink: Sendable {
    /// Queues one command's events as one atomic record and returns its position. Throwing
    /// refuses the command (for example a full disk); the actor then applies nothing. A `mark`
    /// is written inside the same record, so it is durable exactly when the record is.
    func append(_ record: LogRecord, mark: RequestMark?) throws -> LogPosition

    /// Returns once every record up to `position` is durable; throws if it never will be.
    func waitUntilDurable(_ position: LogPosition) async throws
}

extension EventSink {
    /// Queues `record` with no request mark.
    public func append(_ record: LogRecord) throws -> LogPosition {
        try append(record, mark: nil)
    }
}

/// A sink that keeps records in memory and calls each durable at once: for tests and for
/// running without a data folder. Its records replay into fresh state.
public final class InMemoryEventSink: EventSink {
    private let storage = Mutex<[(record: LogRecord, mark: RequestMark?)]>([])
    /// Bumped on every append: in memory, a record is durable at once.
    public let durableChanges = ChangeSignal<Int>()

    /// Creates an empty sink.
    public init() {}

    public func append(_ record: LogRecord, mark: RequestMark?) throws -> LogPosition {
        let position = storage.withLock { records in
            records.append((record, mark))
            return LogPosition(records.count)
        }
        durableChanges.bump(0)
        return position
    }

    public func waitUntilDurable(_ position: LogPosition) async throws {}

    /// Every record appended so far, in log order.
    public var records: [LogRecord] {
        storage.withLock { $0.map(\.record) }
    }

    /// Every record appended so far with its position and request mark.
    public var durableRecords: [DurableRecord] {
        storage.withLock { $0.enumerated().map { DurableRecord(position: LogPosition($0 + 1), record: $1.record, mark: $1.mark) } }
    }
}
