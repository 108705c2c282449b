import Synchronization

/// The log position of the latest change made while serving one request: the consistency
/// token its answer hands back (`Muster-Position`), which a later read may pass as `at_least`.
///
/// The server passes one in a request's ``CommandContext``; the engine notes each org change's
/// position once it is durable, so a token is never handed out for a change that could still
/// be lost.
public final class WrittenPosition: Sendable {
    private let latest = Mutex<LogPosition>(0)

    /// A recorder with nothing noted yet.
    public init() {}

    /// The highest position noted, or `nil` when the request changed nothing.
    public var position: LogPosition? {
        let value = latest.withLock { $0 }
        return value == 0 ? nil : value
    }

    func note(_ position: LogPosition) {
        latest.withLock { $0 = max($0, position) }
    }
}
