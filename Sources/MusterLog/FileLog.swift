import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import Synchronization

/// The embedded log backend: segment files (``WriteAheadLog``) and snapshot files
/// (``SnapshotStore``) in the data folder.
public final class FileLog: LogBackend {
    public let wal: WriteAheadLog
    public let snapshots: SnapshotStore
    public let options: StoreOptions
    private let lock: DataDirectoryLock
    /// How far each follower of the log has consumed it; compaction keeps what any has not.
    private let followers = Mutex<[String: LogPosition]>([:])
    /// Where a follower behind the in-memory window reads from.
    let segmentReader = FollowerSegmentReader()

    private init(wal: WriteAheadLog, snapshots: SnapshotStore, options: StoreOptions, lock: DataDirectoryLock) {
        self.wal = wal
        self.snapshots = snapshots
        self.options = options
        self.lock = lock
    }

    /// Locks the data folder, loads the newest snapshot that passes its checksums (an older
    /// one if the newest is damaged), scans the log after it — cutting a torn tail, refusing
    /// other damage unless `options.truncateCorruption` — and opens the log for appending.
    public static func open(
        _ options: StoreOptions,
        fatal: @escaping @Sendable (String) -> Void = WriteAheadLog.exitProcess
    ) throws -> (FileLog, RecoveredLog) {
        var records = [LogRecordAt]()
        let (log, snapshot, report) = try open(options, fatal: fatal) { _ in
            { frames throws(LogError) in for frame in frames { records.append(contentsOf: frame) } }
        }
        return (log, RecoveredLog(snapshot: snapshot, records: records, report: report))
    }

    /// Like ``open(_:fatal:)``, but applies the records after the snapshot as they are read,
    /// a few hundred frames at a time, so that the whole log is never held decoded.
    static func openReplaying(_ options: StoreOptions, fatal: @escaping @Sendable (String) -> Void) throws -> (FileLog, RecoveryReport, LogReplay) {
        var replay: LogReplay?
        let (log, _, report) = try open(options, fatal: fatal) { snapshot in
            let started = LogReplay(onto: snapshot)
            replay = started
            return { frames throws(LogError) in try started.apply(frames: frames) }
        }
        return (log, report, replay!)
    }

    /// Opens the log; `consumer` is given the loaded snapshot and returns what each batch of
    /// records after it goes to.
    private static func open(
        _ options: StoreOptions,
        fatal: @escaping @Sendable (String) -> Void,
        consumer: (Snapshot?) -> ([[LogRecordAt]]) throws(LogError) -> Void
    ) throws -> (FileLog, Snapshot?, RecoveryReport) {
        let started = WriteAheadLog.monotonicMilliseconds()
        let lock = try DataDirectoryLock(options.dataDirectory)
        let store = SnapshotStore(directory: options.dataDirectory + "/snapshots", fileSystem: options.fileSystem)
        let (snapshot, snapshotPath, skipped) = store.loadNewest()
        let position = snapshot?.position ?? 0
        let consume = consumer(snapshot)
        var recordCount = 0
        let scan = try LogRecovery.stream(
            options.logConfiguration,
            fileSystem: options.fileSystem,
            after: position,
            truncateCorruption: options.truncateCorruption,
            mail: false
        ) { frames throws(LogError) in
            for frame in frames { recordCount += frame.count }
            try consume(frames)
        }
        let wal = try WriteAheadLog(configuration: options.logConfiguration, fileSystem: options.fileSystem, tail: scan.tail, fatal: fatal)
        // A process that died between making an entry (a segment, a snapshot, a folder) and
        // syncing its folder leaves it in the page cache only; appending after it would be
        // acknowledged and lost at the next power cut. Make every entry durable first.
        for folder in [options.logConfiguration.directory, options.dataDirectory + "/snapshots", options.dataDirectory]
        where options.fileSystem.exists(folder) {
            do { try options.fileSystem.syncDirectory(folder) } catch { throw LogError.failed("cannot sync \(folder): \(error)") }
        }
        let report = RecoveryReport(
            snapshotPath: snapshotPath,
            snapshotPosition: position,
            skippedSnapshots: skipped,
            segments: scan.segments,
            records: recordCount,
            bytes: scan.bytes,
            truncations: scan.truncations,
            orgs: snapshot?.orgs.count ?? 0,
            lastPosition: scan.tail.lastPosition,
            seconds: Double(WriteAheadLog.monotonicMilliseconds() - started) / 1000
        )
        return (FileLog(wal: wal, snapshots: store, options: options, lock: lock), snapshot, report)
    }

    public func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition {
        try wal.append(record, mark: mark, mail: mail)
    }
    public func waitUntilDurable(_ position: LogPosition) async throws { try await wal.waitUntilDurable(position) }
    public var lastAssignedPosition: LogPosition { wal.lastAssignedPosition }
    public var durablePosition: LogPosition { wal.durablePosition }

    public var durableChanges: ChangeSignal<Int> { wal.durableChanges }

    public func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord] {
        if let recent = try wal.recentDurableRecords(after: position, limit: limit) {
            segmentReader.dropIdle()
            return recent
        }
        // Older than what is kept in memory (a follower catching up after a restart): from the
        // segments, which compaction keeps for it.
        return try records(after: position, limit: limit)
    }

    public func durableRecords(
        of orgID: OrganisationID,
        after position: LogPosition,
        limit: Int
    ) throws -> (
        records: [DurableRecord], examinedThrough: LogPosition
    ) {
        if let recent = try wal.recentDurableRecords(of: orgID, after: position, limit: limit) {
            segmentReader.dropIdle()
            return recent
        }
        return DurableRecord.records(of: orgID, in: try records(after: position, limit: DurableRecord.orgScanLimit), after: position, limit: limit)
    }

    public var oldestRetainedPosition: LogPosition {
        let names = (try? options.fileSystem.list(options.logConfiguration.directory).filter(LogRecovery.isSegmentName).sorted()) ?? []
        return names.first.flatMap { LogPosition($0.dropLast(4)) } ?? 1
    }

    public func follower(_ name: String, consumedThrough position: LogPosition) {
        followers.withLock { $0[name] = position }
    }

    public func records(after position: LogPosition) throws -> [LogRecordAt] {
        try records(after: position, limit: nil)
    }

    /// The durable records after `position` in the segments, reading no more segments than
    /// `limit` records need.
    private func records(after position: LogPosition, limit: Int?) throws -> [LogRecordAt] {
        let durable = durablePosition
        if let limit,
            let read = segmentReader.records(
                after: position,
                limit: limit,
                durable: durable,
                directory: options.logConfiguration.directory,
                fileSystem: options.fileSystem
            )
        {
            return read
        }
        let scanned = try LogRecovery.scan(options.logConfiguration, fileSystem: options.fileSystem, after: position, repair: false, limit: limit)
            .records
        return Array(scanned.lazy.filter { $0.position <= durable }.prefix(limit ?? Int.max))
    }

    /// Writes the snapshot off the caller's thread, then removes the segments whose records
    /// both kept snapshots hold.
    public func writeSnapshot(_ snapshot: Snapshot) async throws -> (path: String, bytes: Int) {
        let store = snapshots
        let written = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(path: String, bytes: Int), any Error>) in
            DispatchQueue.global().async {
                do { continuation.resume(returning: try store.write(snapshot)) } catch { continuation.resume(throwing: error) }
            }
        }
        try compact()
        return written
    }

    private func compact() throws {
        // Only what both kept snapshots hold may go: if the newest is damaged, recovery falls
        // back to the older one and replays the log from there.
        let positions = snapshots.list().map(\.position)
        guard positions.count >= 2, var covered = positions.min() else { return }
        if let slowest = followers.withLock({ $0.values.min() }) { covered = min(covered, slowest) }
        let directory = options.logConfiguration.directory
        let names = try options.fileSystem.list(directory).filter(LogRecovery.isSegmentName)
        var removed = false
        for (name, next) in zip(names, names.dropFirst()) where LogPosition(next.dropLast(4))! <= covered + 1 {
            try options.fileSystem.remove(directory + "/" + name)
            removed = true
        }
        if removed { try options.fileSystem.syncDirectory(directory) }
    }

    public func close() {
        wal.close()
        lock.release()
    }
}
