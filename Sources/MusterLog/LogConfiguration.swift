/// When the log syncs, and so when a change is acknowledged.
public enum FsyncPolicy: Hashable, Sendable, CustomStringConvertible {
    /// The default: each batch of records from every org is written and synced once, then
    /// everything in it is acknowledged. Nothing acknowledged is ever lost.
    case groupCommit
    /// Every record is written and synced on its own before it is acknowledged: the same
    /// guarantee as group commit, at far lower throughput.
    case everyRecord
    /// Records are acknowledged once written (in the OS cache) and synced at most every
    /// `milliseconds`: a crash of the machine (not just the process) can lose up to that much
    /// acknowledged work.
    case interval(milliseconds: Int)
    /// Records are acknowledged once written and never synced by Muster: a machine crash can
    /// lose anything the OS had not yet written back. For tests and throw-away data only.
    case none

    /// Whether acknowledgement waits for the sync.
    var acknowledgesAfterSync: Bool {
        switch self {
        case .groupCommit, .everyRecord: true
        case .interval, .none: false
        }
    }

    public var description: String {
        switch self {
        case .groupCommit: "group-commit"
        case .everyRecord: "every-record"
        case .interval(let milliseconds): "interval-\(milliseconds)ms"
        case .none: "none"
        }
    }

    /// Parses `group-commit`, `every-record`, `interval-<n>ms` or `none`.
    public init?(_ text: String) {
        switch text {
        case "group-commit": self = .groupCommit
        case "every-record": self = .everyRecord
        case "none": self = .none
        default:
            guard text.hasPrefix("interval-"), text.hasSuffix("ms"), let milliseconds = Int(text.dropFirst(9).dropLast(2)), milliseconds > 0 else {
                return nil
            }
            self = .interval(milliseconds: milliseconds)
        }
    }
}

/// How the log is laid out and when it syncs.
public struct LogConfiguration: Sendable {
    /// The folder that holds the segments.
    public var directory: String
    /// The size each segment is preallocated to; a segment rotates when the next batch would
    /// not fit.
    public var segmentSize: Int64 = 64 << 20
    public var fsyncPolicy: FsyncPolicy = .groupCommit
    /// The most uncompressed bytes one batch takes from the queue.
    public var maximumBatchBytes = 8 << 20
    /// zlib's level: 1 is fastest, and the batches of one writer need speed most.
    public var compressionLevel: Int32 = 1
    /// Told about every batch the writer puts on disk, from the writer thread: keep it quick.
    public var batchObserver: (@Sendable (LogBatchStatistics) -> Void)?

    /// Creates a configuration for the log in `directory`.
    public init(directory: String) {
        self.directory = directory
    }
}

/// What one batch of the writer cost: for metrics.
public struct LogBatchStatistics: Sendable {
    /// Records in the batch.
    public var records: Int
    /// Bytes of the frame on disk (compressed, with its header).
    public var bytes: Int
    /// How long the `fdatasync` after it took, when one ran.
    public var syncNanoseconds: UInt64?

    /// The figures of one batch.
    package init(records: Int, bytes: Int, syncNanoseconds: UInt64?) {
        self.records = records
        self.bytes = bytes
        self.syncNanoseconds = syncNanoseconds
    }
}
