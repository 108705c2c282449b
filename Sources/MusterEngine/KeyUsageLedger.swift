import MusterDomain
import Synchronization

/// When each API key was last used, to the minute: what a key's owner reads to tell a live
/// integration from a forgotten one.
///
/// Not an org event — a use changes nothing an org decides on, and one record per request would
/// be the log's largest writer. Each org's actor notes a key's use at most once a minute, so the
/// ledger's lock is off the request path; the server keeps it in a file of its own.
public final class KeyUsageLedger: Sendable {
    private struct Table {
        var lastUsed: [APIKeyID: Timestamp] = [:]
        var version = 0
    }

    private let table = Mutex(Table())

    /// An empty ledger.
    public init() {}

    /// The last use of `keyID` that the ledger knows of.
    public func lastUsed(_ keyID: APIKeyID) -> Timestamp? {
        table.withLock { $0.lastUsed[keyID] }
    }

    /// Every key's last use, and the ledger's version (bumped on every change) to compare with.
    public var entries: (lastUsed: [APIKeyID: Timestamp], version: Int) {
        table.withLock { ($0.lastUsed, $0.version) }
    }

    /// Notes a use; an older one than the ledger holds changes nothing.
    public func note(_ keyID: APIKeyID, at time: Timestamp) {
        table.withLock { table in
            guard (table.lastUsed[keyID] ?? Timestamp(millisecondsSinceEpoch: .min)) < time else { return }
            table.lastUsed[keyID] = time
            table.version += 1
        }
    }

    /// Folds in uses read back from the server's file.
    public func merge(_ uses: [APIKeyID: Timestamp]) {
        for (keyID, time) in uses { note(keyID, at: time) }
    }
}
