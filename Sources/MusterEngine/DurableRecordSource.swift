import MusterDomain
import Synchronization

/// A log record with its position, and what is written inside it beside the events.
public struct DurableRecord: Sendable, Hashable {
    public var position: LogPosition
    public var record: LogRecord
    /// The idempotent request whose change this record is (see ``RequestMark``).
    public var mark: RequestMark?
    /// What the record's emails need (see ``MailFacts``); `nil` when it causes none, or when it
    /// was written before records carried them, or was read by recovery, which skips them.
    public var mail: MailFacts?

    /// Creates one.
    public init(position: LogPosition, record: LogRecord, mark: RequestMark? = nil, mail: MailFacts? = nil) {
        self.position = position
        self.record = record
        self.mark = mark
        self.mail = mail
    }
}

/// Where the followers of the log (the email outbox) read what has become durable, in order,
/// without going through the engine: side effects are derived from durable records only.
public protocol DurableRecordSource: Sendable {
    /// The highest durable position.
    var durablePosition: LogPosition { get }
    /// Up to `limit` durable records after `position`, oldest first.
    func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord]
    /// Up to `limit` durable records of one org after `position`, oldest first, and the last
    /// position examined for them: a follower of one org (a webhook) moves on to there. The
    /// other orgs' records are passed over without being decoded, at most
    /// ``DurableRecord/orgScanLimit`` of them per call.
    func durableRecords(
        of orgID: OrganisationID,
        after position: LogPosition,
        limit: Int
    ) throws -> (records: [DurableRecord], examinedThrough: LogPosition)
    /// Bumped (key `0`) whenever more records become durable.
    var durableChanges: ChangeSignal<Int> { get }
    /// Says that the follower `name` has consumed everything through `position`: the log keeps
    /// every record after the lowest such position of any follower.
    func follower(_ name: String, consumedThrough position: LogPosition)
    /// The oldest position the log still holds (after compaction, the first record of its
    /// first segment); 1 for a log that has never been compacted. Not for the hot path.
    var oldestRetainedPosition: LogPosition { get }
}

extension DurableRecord {
    /// The records of `orgID` among `examined` (read after `position`), at most `limit`, and
    /// the last position examined for them: what a source that cannot skip other orgs'
    /// records undecoded answers ``DurableRecordSource/durableRecords(of:after:limit:)`` with.
    public static func records(
        of orgID: OrganisationID,
        in examined: [DurableRecord],
        after position: LogPosition,
        limit: Int
    ) -> (records: [DurableRecord], examinedThrough: LogPosition) {
        let matching = examined.filter { $0.record.orgID == orgID }.prefix(limit)
        let through = matching.count == limit ? matching.last!.position : (examined.last?.position ?? position)
        return (Array(matching), through)
    }

    /// The most records one call of ``DurableRecordSource/durableRecords(of:after:limit:)``
    /// examines, so that a follower of a quiet org never holds the log for long.
    public static let orgScanLimit = 65_536
}

extension LogRecord {
    /// The org whose stream the record belongs to, `nil` for the directory's.
    public var orgID: OrganisationID? {
        if case .org(let orgID, _) = self { orgID } else { nil }
    }
}

extension InMemoryEventSink: DurableRecordSource {
    public func durableRecords(
        of orgID: OrganisationID,
        after position: LogPosition,
        limit: Int
    ) throws -> (
        records: [DurableRecord], examinedThrough: LogPosition
    ) {
        DurableRecord.records(of: orgID, in: try durableRecords(after: position, limit: DurableRecord.orgScanLimit), after: position, limit: limit)
    }

    public var durablePosition: LogPosition { LogPosition(records.count) }

    public func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord] {
        let all = durableRecords
        let start = Int(min(position, LogPosition(all.count)))
        let end = min(all.count, start + limit)
        return Array(all[start..<end])
    }

    public func follower(_ name: String, consumedThrough position: LogPosition) {}

    public var oldestRetainedPosition: LogPosition { 1 }
}
