import Dispatch
import MusterDomain
import MusterEngine
import MusterStorage
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The write-ahead log: the engine's durable ``EventSink``.
///
/// Org actors call ``append(_:)``, which encodes the record on the caller's thread, gives it
/// the next position and queues it — no I/O, no suspension. One writer thread takes whatever
/// has queued from every actor, compresses and checksums it as one frame, writes it and syncs
/// once (group commit), then wakes every waiter up to that position. Compression and syncing
/// never run on the actors or on the HTTP event loops.
///
/// A failed write or sync is fail-stop: nothing after it is acknowledged and the fatal handler
/// runs (by default the process exits), because after a failed `fsync` the kernel may have
/// dropped the dirty pages and a retry could report success for data that is gone.
public final class WriteAheadLog: EventSink {
    public let configuration: LogConfiguration
    private let fileSystem: any LogFileSystem
    private let fatal: @Sendable (String) -> Void
    /// The queue of encoded records and their waiters; this log's writer thread drains it.
    private let commits: GroupCommit
    private let stopped = DispatchSemaphore(value: 0)
    /// Touched by the writer thread only.
    private let writer: Mutex<WriterState>
    /// The most recently written records, encoded, for the log's followers: they learn of new
    /// durable records from here, never by rescanning segments.
    private let recent: Mutex<RecentRecords>
    /// Bumped (key `0`) whenever the durable position moves.
    public let durableChanges = ChangeSignal<Int>()

    /// The newest written records, oldest first, bounded by bytes.
    private struct RecentRecords {
        var first: LogPosition = 1
        var records: [[UInt8]] = []
        var head = 0
        var bytes = 0
        static let maximumBytes = 32 << 20

        mutating func append(_ batch: [[UInt8]], firstPosition: LogPosition) {
            if records.count - head == 0 {
                records.removeAll(keepingCapacity: true)
                head = 0
                first = firstPosition
            }
            records.append(contentsOf: batch)
            bytes += batch.reduce(0) { $0 + $1.count }
            while bytes > Self.maximumBytes, head < records.count {
                bytes -= records[head].count
                records[head] = []
                head += 1
                first += 1
            }
            if head > 4096, head * 2 > records.count {
                records.removeFirst(head)
                head = 0
            }
        }
    }

    private struct WriterState {
        var segment: any LogFile
        var segmentPath: String
        var segmentCapacity: Int64
        var offset: Int64
        var spare: (file: any LogFile, path: String)?
        var lastSpareAttempt: Int64 = 0
        var written: LogPosition
        /// Highest position known to be on stable storage.
        var synced: LogPosition
        var lastSync: Int64 = 0
    }

    /// Opens the log for appending after recovery: the next record goes to `tail`.
    ///
    /// - Parameters:
    ///   - tail: where recovery found the end of the log (a new segment is started if `nil`).
    ///   - fatal: called once, from the writer thread, when a write or sync fails.
    public init(
        configuration: LogConfiguration,
        fileSystem: any LogFileSystem = PosixFileSystem(),
        tail: LogTail,
        fatal: @escaping @Sendable (String) -> Void = WriteAheadLog.exitProcess
    ) throws(LogError) {
        self.configuration = configuration
        self.fileSystem = fileSystem
        self.fatal = fatal
        self.commits = GroupCommit(after: tail.lastPosition, closed: .failed("the log is closed"))
        // What was written before this start is in the segments, not in memory.
        self.recent = Mutex(RecentRecords(first: tail.lastPosition + 1))
        do {
            try fileSystem.createDirectory(configuration.directory)
            let state: WriterState
            if let segmentPath = tail.segmentPath {
                let file = try fileSystem.open(segmentPath, create: false)
                state = WriterState(
                    segment: file,
                    segmentPath: segmentPath,
                    segmentCapacity: max(try file.size(), tail.offset),
                    offset: tail.offset,
                    written: tail.lastPosition,
                    synced: tail.lastPosition
                )
            } else {
                let path = Self.segmentPath(in: configuration.directory, firstPosition: tail.lastPosition + 1)
                let file = try fileSystem.open(path, create: true)
                try file.preallocate(configuration.segmentSize)
                try file.sync()
                try fileSystem.syncDirectory(configuration.directory)
                state = WriterState(
                    segment: file,
                    segmentPath: path,
                    segmentCapacity: configuration.segmentSize,
                    offset: 0,
                    written: tail.lastPosition,
                    synced: tail.lastPosition
                )
            }
            self.writer = Mutex(state)
        } catch {
            throw .failed("cannot open the log in \(configuration.directory): \(error)")
        }
        let thread = DispatchQueue(label: "muster.wal.writer", qos: .userInitiated)
        thread.async { [self] in runWriter() }
    }

    /// The default fatal handler: says why on standard error and exits with EX_IOERR.
    public static let exitProcess: @Sendable (String) -> Void = { message in
        let line = Array("muster: fatal: \(message)\n".utf8)
        _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        exit(74)
    }

    /// The file name of the segment whose first record is `firstPosition`.
    static func segmentPath(in directory: String, firstPosition: LogPosition) -> String {
        let digits = String(firstPosition)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".wal"
    }

    // MARK: EventSink

    public func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition {
        var writer = BinaryWriter(capacity: 128)
        EventCodec.encode(record, mark: mark, mail: mail, into: &writer)
        return try commits.submit(writer.bytes)
    }

    public func waitUntilDurable(_ position: LogPosition) async throws {
        try await commits.waitUntilAcknowledged(position)
    }

    /// The highest position that is acknowledged (durable under the policy).
    public var durablePosition: LogPosition { commits.acknowledged }

    /// The highest position given to a record so far (durable or not).
    public var lastAssignedPosition: LogPosition { commits.lastTicket }

    /// Whether new changes are being refused because the disk is full.
    public var isDiskFull: Bool { commits.refusal != nil }

    /// Writes and syncs everything queued, then stops the writer. Appends after this fail.
    public func close() {
        commits.close()
        stopped.wait()
    }

    // MARK: The writer

    private func runWriter() {
        let maximumEntries = configuration.fsyncPolicy == .everyRecord ? 1 : Int.max
        writing: while true {
            switch commits.take(maximumEntries: maximumEntries, maximumBytes: configuration.maximumBatchBytes) {
            case .stop: break writing
            case .idle: sleepUntilWork()
            case .batch(let batch, let firstPosition): guard write(batch, firstPosition: firstPosition) else { break writing }
            }
        }
        writer.withLock { state in
            if !commits.hasFailed {
                do { try state.segment.sync() } catch { failStop("sync of \(state.segmentPath) at close failed: \(error)") }
            }
            state.segment.close()
            if let spare = state.spare {
                spare.file.close()
                try? fileSystem.remove(spare.path)
            }
        }
        stopped.signal()
    }

    /// Waits for an append, or for the next interval sync when written data is unsynced, or
    /// for the next attempt at a spare segment while the disk is full.
    private func sleepUntilWork() {
        if commits.refusal != nil {
            if !commits.sleep(until: .now() + .seconds(1)) { writer.withLock { prepareSpare(&$0) } }
            return
        }
        guard case .interval(let milliseconds) = configuration.fsyncPolicy, writer.withLock({ $0.written > $0.synced }) else {
            _ = commits.sleep()
            return
        }
        if !commits.sleep(until: .now() + .milliseconds(milliseconds)) { syncNow() }
    }

    /// Writes one batch as one frame; false after a fail-stop.
    private func write(_ batch: [[UInt8]], firstPosition: LogPosition) -> Bool {
        let frame = Frame.encode(batch: batch, firstPosition: firstPosition, level: configuration.compressionLevel)
        let lastPosition = firstPosition + LogPosition(batch.count) - 1
        return writer.withLock { state -> Bool in
            do {
                if state.offset + Int64(frame.count) > state.segmentCapacity {
                    try rotate(&state, firstPosition: firstPosition, minimumCapacity: Int64(frame.count))
                }
                try state.segment.write(frame, at: state.offset)
            } catch {
                failStop("write of positions \(firstPosition)…\(lastPosition) to \(state.segmentPath) failed: \(error)")
                return false
            }
            state.offset += Int64(frame.count)
            state.written = lastPosition
            recent.withLock { $0.append(batch, firstPosition: firstPosition) }
            let policy = configuration.fsyncPolicy
            var syncNowNeeded = policy.acknowledgesAfterSync
            if case .interval(let milliseconds) = policy, Self.monotonicMilliseconds() - state.lastSync >= Int64(milliseconds) {
                syncNowNeeded = true
            }
            var syncNanoseconds: UInt64?
            if syncNowNeeded {
                let started = DispatchTime.now().uptimeNanoseconds
                do { try state.segment.sync() } catch {
                    failStop("fdatasync of \(state.segmentPath) failed after writing positions \(firstPosition)…\(lastPosition): \(error)")
                    return false
                }
                syncNanoseconds = DispatchTime.now().uptimeNanoseconds - started
                state.lastSync = Self.monotonicMilliseconds()
            }
            configuration.batchObserver?(LogBatchStatistics(records: batch.count, bytes: frame.count, syncNanoseconds: syncNanoseconds))
            acknowledge(&state, written: lastPosition, synced: syncNowNeeded ? lastPosition : nil)
            prepareSpare(&state)
            return true
        }
    }

    private func syncNow() {
        writer.withLock { state in
            do { try state.segment.sync() } catch {
                failStop("fdatasync of \(state.segmentPath) failed: \(error)")
                return
            }
            state.lastSync = Self.monotonicMilliseconds()
            acknowledge(&state, written: state.written, synced: state.written)
        }
    }

    /// Moves the synced and acknowledged marks and wakes the waiters they cover.
    private func acknowledge(_ state: inout WriterState, written: LogPosition, synced: LogPosition?) {
        if let synced { state.synced = max(state.synced, synced) }
        commits.acknowledge(through: configuration.fsyncPolicy.acknowledgesAfterSync ? state.synced : written)
        durableChanges.bump(0)
    }

    /// Up to `limit` durable records after `position` from the records kept in memory, or `nil`
    /// when they start later than that (the caller then reads the segments).
    public func recentDurableRecords(after position: LogPosition, limit: Int) throws(LogError) -> [LogRecordAt]? {
        let durable = durablePosition
        guard position < durable else { return [] }
        let encoded: [[UInt8]]? = recent.withLock { recent in
            guard position + 1 >= recent.first else { return nil }
            let start = recent.head + Int(position + 1 - recent.first)
            let end = min(recent.records.count, start + limit, recent.head + Int(durable + 1 - recent.first))
            guard start <= end else { return [] }
            return Array(recent.records[start..<end])
        }
        guard let encoded else { return nil }
        return try encoded.enumerated().map { offset, bytes throws(LogError) in
            try LogRecordAt(position: position + 1 + LogPosition(offset), encoded: bytes)
        }
    }

    /// Like ``recentDurableRecords(after:limit:)`` for one org's records only: the others are
    /// recognised by their first bytes (tag and org id) and never decoded.
    public func recentDurableRecords(
        of orgID: OrganisationID,
        after position: LogPosition,
        limit: Int
    ) throws(LogError) -> (
        records: [LogRecordAt], examinedThrough: LogPosition
    )? {
        let durable = durablePosition
        guard position < durable else { return ([], position) }
        let found: (matching: [(LogPosition, [UInt8])], through: LogPosition)? = recent.withLock { recent in
            guard position + 1 >= recent.first else { return nil }
            let start = recent.head + Int(position + 1 - recent.first)
            let end = min(recent.records.count, start + DurableRecord.orgScanLimit, recent.head + Int(durable + 1 - recent.first))
            guard start < end else { return ([], position) }
            var matching = [(LogPosition, [UInt8])]()
            var through = position
            for index in start..<end {
                through = position + LogPosition(index - start + 1)
                let bytes = recent.records[index]
                if EventCodec.isRecord(bytes, of: orgID) {
                    matching.append((through, bytes))
                    if matching.count == limit { break }
                }
            }
            return (matching, through)
        }
        guard let found else { return nil }
        let records = try found.matching.map { position, bytes throws(LogError) in try LogRecordAt(position: position, encoded: bytes) }
        return (records, found.through)
    }

    /// Starts a new segment named after its first record, from the preallocated spare when
    /// there is one; syncs the old segment and the directory.
    private func rotate(_ state: inout WriterState, firstPosition: LogPosition, minimumCapacity: Int64) throws(FileSystemError) {
        try state.segment.sync()
        state.segment.close()
        let path = Self.segmentPath(in: configuration.directory, firstPosition: firstPosition)
        let capacity = max(configuration.segmentSize, minimumCapacity)
        if let spare = state.spare, capacity <= configuration.segmentSize {
            try fileSystem.rename(spare.path, to: path)
            state.segment = spare.file
            state.spare = nil
        } else {
            let file = try fileSystem.open(path, create: true)
            try file.preallocate(capacity)
            state.segment = file
        }
        try fileSystem.syncDirectory(configuration.directory)
        state.segmentPath = path
        state.segmentCapacity = capacity
        state.offset = 0
    }

    /// Keeps a preallocated spare segment ready once the current one is half full. When the
    /// disk has no room for it, new changes are refused (reads go on) while the current
    /// segment still has room for everything already accepted; once space is freed, the next
    /// attempt (at most one a second) lifts the refusal.
    private func prepareSpare(_ state: inout WriterState) {
        guard state.spare == nil, state.offset * 2 >= state.segmentCapacity else { return }
        let now = Self.monotonicMilliseconds()
        if commits.refusal != nil, now - state.lastSpareAttempt < 1000 { return }
        state.lastSpareAttempt = now
        let path = configuration.directory + "/spare.wal.tmp"
        do {
            let file = try fileSystem.open(path, create: true)
            do {
                try file.preallocate(configuration.segmentSize)
            } catch {
                file.close()
                try? fileSystem.remove(path)
                throw error
            }
            state.spare = (file, path)
            commits.refuse(nil)
        } catch {
            commits.refuse(.diskFull)
        }
    }

    /// Stops the log for good: fails every waiter and every later append, then calls the fatal
    /// handler.
    private func failStop(_ message: String) {
        commits.fail(.failed(message))
        fatal(message)
    }

    package static func monotonicMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Where the log ends: the segment to continue, the offset after its last good frame, and the
/// position of the last record.
public struct LogTail: Hashable, Sendable {
    public var segmentPath: String?
    public var offset: Int64
    public var lastPosition: LogPosition

    /// Creates a tail.
    public init(segmentPath: String?, offset: Int64, lastPosition: LogPosition) {
        self.segmentPath = segmentPath
        self.offset = offset
        self.lastPosition = lastPosition
    }

    /// An empty log.
    public static let empty = LogTail(segmentPath: nil, offset: 0, lastPosition: 0)
}
