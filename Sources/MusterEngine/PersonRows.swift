import Dispatch
import MusterDomain
import Synchronization

/// Each person's rows in the person index (assignments, or memberships), split by user id over
/// a few dictionaries, so that a start files a million of them on every core at once.
///
/// A user id's low bits are random (time-ordered ids put the time in the high ones), so they
/// pick its shard without hashing.
struct PersonRows<Entry: Sendable>: Sendable {
    private static var shardCount: Int { 4 }
    private var shards: [[UserID: [Entry]]]

    /// No rows.
    init() {
        shards = Array(repeating: [:], count: Self.shardCount)
    }

    /// The rows of `groups` (each org's, say), filed by `userID`, every shard built on its own
    /// thread.
    init(filing groups: [[Entry]], by userID: @Sendable (Entry) -> UserID) {
        let built = Mutex<[[UserID: [Entry]]]>(Array(repeating: [:], count: Self.shardCount))
        DispatchQueue.concurrentPerform(iterations: Self.shardCount) { shard in
            var rows = [UserID: [Entry]]()
            for group in groups {
                for entry in group where Self.shard(of: userID(entry)) == shard { rows[userID(entry), default: []].append(entry) }
            }
            built.withLock { $0[shard] = rows }
        }
        shards = built.withLock { $0 }
    }

    private static func shard(of userID: UserID) -> Int {
        Int(truncatingIfNeeded: userID.low) & (shardCount - 1)
    }

    /// The person's rows, if they have any.
    subscript(userID: UserID) -> [Entry]? {
        shards[Self.shard(of: userID)][userID]
    }

    /// Changes the person's rows in place (an empty list for a person with none).
    mutating func modify(_ userID: UserID, _ body: (inout [Entry]) -> Void) {
        body(&shards[Self.shard(of: userID)][userID, default: []])
    }
}
