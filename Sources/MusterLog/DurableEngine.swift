import Dispatch
import MusterDomain
import MusterEngine
import MusterSecurity
import MusterStorage
import Synchronization

/// Where the durable engine keeps its files and how it recovers.
public struct StoreOptions: Sendable {
    /// The data folder: `log/` and `snapshots/` live in it.
    public var dataDirectory: String
    public var fsyncPolicy: FsyncPolicy = .groupCommit
    public var segmentSize: Int64 = 64 << 20
    /// Take a snapshot after this many records…
    public var snapshotEveryRecords: UInt64 = 1_000_000
    /// …or after this long, whichever comes first (when anything changed).
    public var snapshotInterval: Span = .minutes(30)
    /// The operator's explicit choice to cut the log at mid-log damage instead of refusing to start.
    public var truncateCorruption = false
    public var fileSystem: any LogFileSystem = PosixFileSystem()
    /// Told about every batch written to the log (see ``LogConfiguration/batchObserver``).
    public var batchObserver: (@Sendable (LogBatchStatistics) -> Void)?

    /// Options for the data folder `dataDirectory`.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    var logConfiguration: LogConfiguration {
        var configuration = LogConfiguration(directory: dataDirectory + "/log")
        configuration.fsyncPolicy = fsyncPolicy
        configuration.segmentSize = segmentSize
        configuration.batchObserver = batchObserver
        return configuration
    }
}

/// What recovery did, for the operator.
public struct RecoveryReport: Sendable, CustomStringConvertible {

    public var snapshotPath: String?
    public var snapshotPosition: LogPosition
    /// Snapshots that were newer but did not load, with why.
    public var skippedSnapshots: [String]
    public var segments: Int
    public var records: Int
    public var bytes: Int64
    public var truncations: [Truncation]
    public var orgs: Int
    public var lastPosition: LogPosition
    public var seconds: Double

    public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }

    public var description: String {
        var lines = [String]()
        lines.append("recovery: " + (snapshotPath.map { "snapshot \($0) (position \(snapshotPosition))" } ?? "no snapshot"))
        for skipped in skippedSnapshots { lines.append("recovery: skipped snapshot \(skipped)") }
        lines.append("recovery: replayed \(records) records from \(segments) segments (\(bytes) bytes) up to position \(lastPosition)")
        for truncation in truncations { lines.append("recovery: \(truncation)") }
        lines.append("recovery: \(orgs) organisations ready in \(format3(seconds)) s" + (records > 0 ? " (\(Int(recordsPerSecond)) records/s)" : ""))
        return lines.joined(separator: "\n")
    }
}

extension RecoveryReport {
    /// A report of a recovery from a snapshot at `snapshotPosition` (named `snapshotPath`)
    /// and `records` after it, up to `lastPosition`.
    package init(snapshotPath: String?, snapshotPosition: LogPosition, records: Int, bytes: Int64, lastPosition: LogPosition, seconds: Double) {
        self.init(
            snapshotPath: snapshotPath,
            snapshotPosition: snapshotPosition,
            skippedSnapshots: [],
            segments: 0,
            records: records,
            bytes: bytes,
            truncations: [],
            orgs: 0,
            lastPosition: lastPosition,
            seconds: seconds
        )
    }
}

private func format3(_ value: Double) -> String {
    let thousandths = Int((value * 1000).rounded())
    let fraction = String(thousandths % 1000)
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// The engine on a durable log: recovers at open, logs every change, and takes snapshots
/// that let the next start skip most of the log.
public final class DurableEngine: Sendable {
    public let engine: MusterEngine
    public let log: any LogBackend
    public let report: RecoveryReport
    public let options: StoreOptions
    /// The request marks in the records replayed after the snapshot, oldest first: what an
    /// idempotency store needs to learn which keyed changes a crash left without an answer.
    public let recoveredMarks: [(position: LogPosition, mark: RequestMark)]
    private let lastSnapshot: Mutex<(position: LogPosition, at: Int64)>
    /// One snapshot at a time.
    private let snapshotting = Mutex(false)

    /// Opens the engine on `log`, replaying what it recovered.
    public convenience init(
        log: any LogBackend,
        recovered: RecoveredLog,
        options: StoreOptions,
        policy: Policy = Policy(),
        secret: [UInt8],
        clock: any WallClock = SystemWallClock(),
        hasher: PasswordHasher = PasswordHasher()
    ) async throws {
        let started = WriteAheadLog.monotonicMilliseconds()
        let replay = LogReplay(onto: recovered.snapshot)
        try replay.apply(recovered.records)
        var report = recovered.report
        report.seconds += Double(WriteAheadLog.monotonicMilliseconds() - started) / 1000
        try await self.init(
            log: log,
            replayed: replay,
            report: report,
            options: options,
            policy: policy,
            secret: secret,
            clock: clock,
            hasher: hasher
        )
    }

    /// Opens the engine on `log` with the states its recovery has already replayed.
    package init(
        log: any LogBackend,
        replayed replay: LogReplay,
        report: RecoveryReport,
        options: StoreOptions,
        policy: Policy,
        secret: [UInt8],
        clock: any WallClock,
        hasher: PasswordHasher
    ) async throws {
        let started = WriteAheadLog.monotonicMilliseconds()
        self.engine = await MusterEngine(
            recovering: replay.orgs,
            directory: replay.directory,
            policy: policy,
            secret: secret,
            sink: log,
            clock: clock,
            hasher: hasher
        )
        var report = report
        report.orgs = replay.orgs.count
        report.seconds += Double(WriteAheadLog.monotonicMilliseconds() - started) / 1000
        self.report = report
        self.log = log
        self.options = options
        self.recoveredMarks = replay.marks
        self.lastSnapshot = Mutex((report.snapshotPosition, WriteAheadLog.monotonicMilliseconds()))
    }

    /// Recovers the state in the data folder (the embedded file log) and opens the engine on it.
    public static func open(
        _ options: StoreOptions,
        policy: Policy = Policy(),
        secret: [UInt8],
        clock: any WallClock = SystemWallClock(),
        hasher: PasswordHasher = PasswordHasher(),
        fatal: @escaping @Sendable (String) -> Void = WriteAheadLog.exitProcess
    ) async throws -> DurableEngine {
        // The records are applied as they are read, segment by segment, never all held at once.
        let (log, report, replay) = try FileLog.openReplaying(options, fatal: fatal)
        do {
            return try await DurableEngine(
                log: log,
                replayed: replay,
                report: report,
                options: options,
                policy: policy,
                secret: secret,
                clock: clock,
                hasher: hasher
            )
        } catch {
            log.close()
            throw error
        }
    }

    /// Takes a snapshot now: copies every state (cheap, copy on write), waits until all it
    /// holds is durable, then hands it to the backend, which writes it off the actors and
    /// drops the log it makes redundant.
    @discardableResult
    public func snapshot() async throws -> (position: LogPosition, path: String, bytes: Int) {
        guard
            snapshotting.withLock({ busy in
                defer { busy = true }
                return !busy
            })
        else {
            throw LogError.failed("a snapshot is being taken already")
        }
        defer { snapshotting.withLock { $0 = false } }
        let position = log.lastAssignedPosition
        let orgs = await engine.orgStates()
        let directory = await engine.directoryState()
        // The copies may hold records after `position`; make all of them durable first.
        try await log.waitUntilDurable(log.lastAssignedPosition)
        let snapshot = Snapshot(position: position, directory: directory, orgs: orgs)
        let written = try await log.writeSnapshot(snapshot)
        lastSnapshot.withLock { $0 = (position, WriteAheadLog.monotonicMilliseconds()) }
        return (position, written.path, written.bytes)
    }

    /// Whether a scheduled snapshot is due: enough records or enough time since the last.
    public var snapshotDue: Bool {
        let (position, at) = lastSnapshot.withLock { $0 }
        let assigned = log.lastAssignedPosition
        guard assigned > position else { return false }
        return assigned - position >= options.snapshotEveryRecords
            || WriteAheadLog.monotonicMilliseconds() - at >= options.snapshotInterval.milliseconds
    }

    /// Takes snapshots when due until the task is cancelled; checks once a second.
    public func runSnapshotSchedule() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if snapshotDue { _ = try? await snapshot() }
        }
    }

    /// Syncs and closes the log and releases the data folder.
    public func close() {
        log.close()
    }
}
