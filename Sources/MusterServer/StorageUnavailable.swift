import MusterLog

/// A change refused because it could not be made durable: a full disk, a failed log, a failed
/// journal. Answered as 503; nothing was changed and nothing acknowledged.
struct StorageUnavailable: Error, Sendable {
    var reason: String

    /// Recognises the storage errors of the log and the journals.
    init?(_ error: any Error) {
        switch error {
        case let error as LogError:
            switch error {
            case .diskFull: reason = "the disk is full: changes are refused until space is freed; reads keep working"
            case .failed: reason = "the log stopped accepting writes after a storage failure; the server must be restarted"
            default: return nil
            }
        case let error as FileSystemError:
            reason = error.isOutOfSpace ? "the disk is full: changes are refused until space is freed" : "a durable write failed"
        default:
            return nil
        }
    }
}
