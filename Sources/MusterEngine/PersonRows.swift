import Dispatch
import MusterDomain
import Synchronization

/// Each person's rows in the person index (assignments, or memberships), split by user id over
/// a few dictionaries, so that a start files a million of them on every core at once.
///
/// A user id's low bits are random (time-ordered ids put the time in the high ones), so they
/// pick its shard without hashing.
struct PersonRows<Entry: Sendable>: Sendable {
    fileprivate static var shardCount: Int { 4 }
    private var shards: [[UserID: [Entry]]]

    /// No rows.
    init() {
        shards = Array(repeating: [:], count: Self.shardCount)
    }

    /// The rows of `batches` (each thread's of a start, say), every shard built on its own
    /// thread from the rows the batches set aside for it; each person's rows in the order of
    /// the batches, then of their appending.
    init(filing batches: [Batch]) {
        let built = Mutex<[[UserID: [Entry]]]>(Array(repeating: [:], count: Self.shardCount))
        DispatchQueue.concurrentPerform(iterations: Self.shardCount) { shard in
            var rows = [UserID: [Entry]]()
            for batch in batches {
                for (userID, entry) in batch.shards[shard] { rows[userID, default: []].append(entry) }
            }
            built.withLock { $0[shard] = rows }
        }
        shards = built.withLock { $0 }
    }

    fileprivate static func shard(of userID: UserID) -> Int {
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

extension PersonRows {
    /// Rows collected for filing, already set aside by the shard they go to, so that each
    /// shard's thread reads only its own.
    struct Batch: Sendable {
        fileprivate var shards = [[(UserID, Entry)]](repeating: [], count: PersonRows.shardCount)

        /// No rows.
        init() {}

        /// Sets `entry`, a row of `userID`'s, aside for that person's shard.
        mutating func append(_ entry: Entry, of userID: UserID) {
            shards[PersonRows.shard(of: userID)].append((userID, entry))
        }
    }
}
