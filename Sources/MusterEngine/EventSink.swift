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
    /// and the facts its emails need (`mail`) are written inside the same record, so they are
    /// durable exactly when the record is.
    func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition

    /// Returns once every record up to `position` is durable; throws if it never will be.
    func waitUntilDurable(_ position: LogPosition) async throws
}

extension EventSink {
    /// Queues `record` with no request mark and no facts for emails.
    public func append(_ record: LogRecord) throws -> LogPosition {
        try append(record, mark: nil, mail: nil)
    }
}

/// A sink that keeps records in memory and calls each durable at once: for tests and for
/// running without a data folder. Its records replay into fresh state.
public final class InMemoryEventSink: EventSink {
    private let storage = Mutex<[DurableRecord]>([])
    /// Bumped on every append: in memory, a record is durable at once.
    public let durableChanges = ChangeSignal<Int>()

    /// Creates an empty sink.
    public init() {}

    public func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition {
        let position = storage.withLock { records in
            let position = LogPosition(records.count + 1)
            records.append(DurableRecord(position: position, record: record, mark: mark, mail: mail))
            return position
        }
        durableChanges.bump(0)
        return position
    }

    public func waitUntilDurable(_ position: LogPosition) async throws {}

    /// Every record appended so far, in log order.
    public var records: [LogRecord] {
        storage.withLock { $0.map(\.record) }
    }

    /// Every record appended so far with its position, request mark and facts for emails.
    public var durableRecords: [DurableRecord] {
        storage.withLock { $0 }
    }
}
