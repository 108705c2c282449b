import MusterDomain
import Synchronization

/// A log record with its position.
public struct DurableRecord: Sendable, Hashable {
    public var position: LogPosition
    public var record: LogRecord

    /// Creates one.
    public init(position: LogPosition, record: LogRecord) {
        self.position = position
        self.record = record
    }
}

/// Where the followers of the log (the email outbox) read what has become durable, in order,
/// without going through the engine: side effects are derived from durable records only.
public protocol DurableRecordSource: Sendable {
    /// The highest durable position.
    var durablePosition: LogPosition { get }
    /// Up to `limit` durable records after `position`, oldest first.
    func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord]
    /// Bumped (key `0`) whenever more records become durable.
    var durableChanges: ChangeSignal<Int> { get }
    /// Says that the follower `name` has consumed everything through `position`: the log keeps
    /// every record after the lowest such position of any follower.
    func follower(_ name: String, consumedThrough position: LogPosition)
}

extension InMemoryEventSink: DurableRecordSource {
    public var durablePosition: LogPosition { LogPosition(records.count) }

    public func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord] {
        let all = records
        let start = Int(min(position, LogPosition(all.count)))
        let end = min(all.count, start + limit)
        return (start..<end).map { DurableRecord(position: LogPosition($0 + 1), record: all[$0]) }
    }

    public func follower(_ name: String, consumedThrough position: LogPosition) {}
}
