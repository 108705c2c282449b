/// Why the log refused or failed.
public enum LogError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Bytes that do not decode: a damaged or foreign file.
    case malformed(String)
    /// The disk is full: changes are refused until space is freed; reads keep working.
    case diskFull
    /// A write or sync failed; the log stopped and acknowledges nothing more (fail-stop).
    case failed(String)
    /// Recovery found damage before the tail and will not start on it.
    case corrupt(segment: String, offset: Int64, reason: String)
    /// The shared log (PostgreSQL, for several nodes) cannot be reached: changes are refused
    /// until it can; reads go on from memory.
    case unavailable(String)
    /// This node does not lead (any more): another node holds the lease, and only the leader
    /// appends.
    case notLeader(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed log data: \(reason)"
        case .diskFull: "the disk is full: Muster refuses changes until space is freed; reads keep working"
        case .failed(let reason): "the log failed and stopped accepting writes: \(reason)"
        case .corrupt(let segment, let offset, let reason): "the log is damaged in \(segment) at offset \(offset): \(reason)"
        case .unavailable(let reason): "the shared log cannot be reached: \(reason); changes are refused until it can, reads go on"
        case .notLeader(let reason): "this node does not lead: \(reason)"
        }
    }
}
