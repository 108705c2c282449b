/// Why a backup, a check or a restore of a data folder stopped.
public enum BackupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A file is damaged: which, where, and what was found there.
    case damaged(file: String, offset: Int64, reason: String)
    /// The request cannot be carried out as asked (a folder that holds data, a position the
    /// backup does not hold); nothing was changed.
    case refused(String)
    /// Reading or writing failed.
    case failed(String)

    public var description: String {
        switch self {
        case .damaged(let file, let offset, let reason): "\(file) is damaged at offset \(offset): \(reason)"
        case .refused(let reason): reason
        case .failed(let reason): reason
        }
    }
}
