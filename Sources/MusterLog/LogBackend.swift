import MusterEngine

/// The seam between the engine and wherever its log lives: the file log here, a replicated
/// store (PostgreSQL, for several nodes) later, without touching the engine or the domain.
///
/// Appending and waiting for durability come from ``EventSink``; a backend adds reading back,
/// snapshots, and its positions. Opening a backend is its own business, because that is where
/// recovery happens (see ``FileLog/open(_:)``).
public protocol LogBackend: EventSink, DurableRecordSource {
    /// The highest position given to a record so far (durable or not).
    var lastAssignedPosition: LogPosition { get }
    /// The highest position that is acknowledged.
    var durablePosition: LogPosition { get }
    /// The records after `position`, in order, that the backend still holds.
    func records(after position: LogPosition) throws -> [LogRecordAt]
    /// Stores a snapshot durably and drops what it makes redundant.
    func writeSnapshot(_ snapshot: Snapshot) async throws -> (path: String, bytes: Int)
    /// Flushes and releases the backend; appends after this fail.
    func close()
}

/// What a backend found when it opened: the newest good snapshot, the records after it, and
/// the account of what it loaded, skipped and cut.
public struct RecoveredLog: Sendable {
    public var snapshot: Snapshot?
    public var records: [LogRecordAt]
    public var report: RecoveryReport
}
