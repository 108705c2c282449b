import Logging
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage
import Synchronization

/// The log in PostgreSQL: the engine's ``LogBackend`` on a node of a cluster.
///
/// On the leader, ``append(_:mark:)`` queues the record in the same group-commit core as the
/// file log (no I/O, no suspension) and one writer task takes everything queued as one batch:
/// one frame (the file log's format: compressed, checksummed), one fenced `INSERT` in its own
/// transaction, then every waiter up to the batch resumes once the `COMMIT` has returned. A
/// batch that finds the epoch moved on fails every waiter and deposes the node; one that
/// cannot reach the database is sent again until it can (it is safe to send twice), while new
/// changes are refused with `storage_unavailable` and reads go on.
///
/// On a follower, appends are refused (writes are forwarded to the leader before they reach
/// the engine) and the durable position is the position the node has applied from the log.
///
/// The newest records are kept decoded for the followers of the log on this node (the email
/// outbox, the webhooks), from the lowest position any of them still needs.
package final class PostgresLog: LogBackend {
    package let store: ClusterStore
    private let logger: Logger
    private let state: Mutex<State>
    /// Bumped, with the durable position as its version, whenever more records are durable.
    package let durableChanges = ChangeSignal<Int>()
    /// Told once when an append is fenced: another node leads.
    private let onFenced: @Sendable (String) -> Void
    private let batchObserver: (@Sendable (LogBatchStatistics) -> Void)?

    private struct State {
        /// Everything through here is durable and, on this node, applied.
        var durable: LogPosition
        /// Set while leading: the queue of records and their waiters.
        var commits: GroupCommit?
        var epoch: Int64 = 0
        /// The newest durable records, oldest first, from `recentFirst`.
        var recent: [LogRecordAt] = []
        var recentHead = 0
        var followers: [String: LogPosition] = [:]
        var closed = false

        var recentFirst: LogPosition { recentHead < recent.count ? recent[recentHead].position : durable + 1 }

        mutating func remember(_ records: [LogRecordAt], keeping maximum: Int) {
            recent.append(contentsOf: records)
            let needed = followers.values.min() ?? durable
            while recentHead < recent.count, recent.count - recentHead > maximum || recent[recentHead].position <= needed,
                recent.count - recentHead > PostgresLog.alwaysKept
            {
                recentHead += 1
            }
            if recentHead > 4096, recentHead * 2 > recent.count {
                recent.removeFirst(recentHead)
                recentHead = 0
            }
        }
    }

    /// Records kept in memory even when every follower has them (a promotion's outbox reads
    /// from its cursor, usually close behind).
    static let alwaysKept = 10_000
    /// At most this many records are kept for a slow follower; beyond, it reads from the
    /// database's log.
    static let maximumKept = 2_000_000
    /// The most bytes one batch carries (one row of `muster_log`).
    static let maximumBatchBytes = 8 << 20

    /// A log whose records through `durable` are applied already (recovered), on `store`.
    package init(
        store: ClusterStore,
        durable: LogPosition,
        recent: [LogRecordAt],
        logger: Logger,
        batchObserver: (@Sendable (LogBatchStatistics) -> Void)? = nil,
        onFenced: @escaping @Sendable (String) -> Void
    ) {
        self.store = store
        self.logger = logger
        self.onFenced = onFenced
        self.batchObserver = batchObserver
        var initial = State(durable: durable)
        initial.recent = recent
        state = Mutex(initial)
        durableChanges.publish(0, version: durable)
    }

    // MARK: Roles

    /// Whether this node appends (it leads).
    package var isLeading: Bool { state.withLock { $0.commits != nil } }

    /// Starts leading under `epoch`: every record through the durable position is applied,
    /// and the next append takes the position after it.
    package func lead(epoch: Int64) {
        let commits = GroupCommit(after: state.withLock { $0.durable }, closed: .notLeader("this node is stopping")) { [weak self] in
            guard let self else { return }
            Task { await self.drain() }
        }
        state.withLock { state in
            state.commits = commits
            state.epoch = epoch
        }
    }

    /// Records that a follower applied `records` (read from the database, in order).
    package func applied(_ records: [LogRecordAt]) {
        guard let last = records.last?.position else { return }
        state.withLock { state in
            // Only what follows what is kept: `recent` stays one record a position.
            let new = records.filter { $0.position > state.durable }
            state.durable = max(state.durable, last)
            state.remember(new, keeping: Self.alwaysKept)
        }
        durableChanges.publish(0, version: last)
    }

    /// Replaces the records kept in memory with `records` (a new leader reading from its
    /// slowest follower's cursor).
    package func keep(_ records: [LogRecordAt]) {
        state.withLock { state in
            state.recent = records.filter { $0.position <= state.durable }
            state.recentHead = 0
        }
    }

    // MARK: EventSink

    package func append(_ record: LogRecord, mark: RequestMark?, mail: MailFacts?) throws -> LogPosition {
        guard let commits = state.withLock({ $0.commits }) else {
            throw LogError.notLeader("this node follows; its writes go to the leader")
        }
        return try commits.submit(record.encoded(mark: mark, mail: mail))
    }

    package func waitUntilDurable(_ position: LogPosition) async throws {
        let (durable, commits) = state.withLock { ($0.durable, $0.commits) }
        if position <= durable { return }
        guard let commits else {
            // A follower: the position is being applied (an actor has it, the log not yet).
            let deadline = ContinuousClock.now + .seconds(5)
            while durablePosition < position {
                guard ContinuousClock.now < deadline else { throw LogError.unavailable("position \(position) is not yet applied on this node") }
                _ = await durableChanges.wait(for: 0, beyond: durablePosition, timeout: .milliseconds(100))
            }
            return
        }
        guard let refusal = commits.refusal else {
            try await commits.waitUntilAcknowledged(position)
            return
        }
        // The database cannot be reached: a change still on its way, and every read that
        // observed it, is answered 503 after a short wait instead of hanging until it is back
        // (the change may still be recorded then; a retry with its Idempotency-Key is safe).
        do {
            try await withDeadline(.seconds(2)) { try await commits.waitUntilAcknowledged(position) }
        } catch is DatabaseTimeout {
            throw refusal
        }
    }

    // MARK: LogBackend

    package var lastAssignedPosition: LogPosition {
        state.withLock { $0.commits?.lastTicket ?? $0.durable }
    }

    package var durablePosition: LogPosition { state.withLock { $0.durable } }

    package func records(after position: LogPosition) throws -> [LogRecordAt] {
        try durableRecords(after: position, limit: .max)
    }

    /// Stores the snapshot in the database (the snapshot file's format, its blocks compressed:
    /// a third of the bytes to send and keep) and deletes the log
    /// rows it and every follower of the log no longer need.
    package func writeSnapshot(_ snapshot: Snapshot) async throws -> (path: String, bytes: Int) {
        let bytes = SnapshotStore.encode(snapshot, compressed: true)
        try await store.saveSnapshot(position: snapshot.position, bytes: bytes)
        // Only what both kept snapshots hold, and what every cursor has consumed, may go.
        let positions = try await store.snapshotPositions()
        if positions.count >= 2, var covered = positions.min() {
            for position in try await store.cursors().values { covered = min(covered, position) }
            // A follower heard of lately still reads the log after its position.
            if let slowest = try await store.slowestLiveNode(within: 60_000) { covered = min(covered, slowest) }
            if let slowest = state.withLock({ $0.followers.values.min() }) { covered = min(covered, slowest) }
            try await store.compact(through: covered)
        }
        return ("postgresql:muster_snapshots/\(snapshot.position)", bytes.count)
    }

    package func close() {
        let commits = state.withLock { state -> GroupCommit? in
            state.closed = true
            return state.commits
        }
        commits?.close()
    }

    // MARK: DurableRecordSource

    package func durableRecords(after position: LogPosition, limit: Int) throws -> [DurableRecord] {
        try state.withLock { state throws(LogError) -> [DurableRecord] in
            guard position < state.durable else { return [] }
            guard position + 1 >= state.recentFirst else {
                throw .unavailable("records after \(position) are no longer in this node's memory")
            }
            let start = state.recentHead + Int(position + 1 - state.recentFirst)
            let end = min(state.recent.count, start + min(limit, state.recent.count))
            return Array(state.recent[start..<end])
        }
    }

    package func durableRecords(
        of orgID: OrganisationID,
        after position: LogPosition,
        limit: Int
    ) throws -> (
        records: [DurableRecord], examinedThrough: LogPosition
    ) {
        DurableRecord.records(of: orgID, in: try durableRecords(after: position, limit: DurableRecord.orgScanLimit), after: position, limit: limit)
    }

    package func follower(_ name: String, consumedThrough position: LogPosition) {
        state.withLock { $0.followers[name] = position }
    }

    package var oldestRetainedPosition: LogPosition { state.withLock { $0.recentFirst } }

    // MARK: The writer

    /// Writes everything queued, a batch at a time, until the queue is empty.
    private func drain() async {
        guard let commits = state.withLock({ $0.commits }) else { return }
        while true {
            switch commits.take(maximumBytes: Self.maximumBatchBytes) {
            case .idle, .stop: return
            case .batch(let batch, let first):
                guard await write(batch, first: first, commits: commits) else { return }
            }
        }
    }

    /// Writes one batch; false once the node is fenced.
    private func write(_ batch: [[UInt8]], first: LogPosition, commits: GroupCommit) async -> Bool {
        let last = first + LogPosition(batch.count) - 1
        let frame = Frame.encode(batch: batch, firstPosition: first)
        let epoch = state.withLock { $0.epoch }
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            do {
                let store = store
                let outcome = try await withDeadline(.seconds(2)) { try await store.append(frame: frame, first: first, last: last, epoch: epoch) }
                switch outcome {
                case .appended:
                    if attempt > 0 {
                        commits.refuse(nil)
                        logger.info("the shared log answers again", metadata: ["position": "\(last)"])
                    }
                    let elapsed = ContinuousClock.now - started
                    batchObserver?(
                        LogBatchStatistics(
                            records: batch.count,
                            bytes: frame.count,
                            syncNanoseconds: UInt64(elapsed.components.seconds) * 1_000_000_000
                                + UInt64(elapsed.components.attoseconds / 1_000_000_000)
                        )
                    )
                    let records = batch.enumerated().compactMap { offset, bytes in
                        try? LogRecordAt(position: first + LogPosition(offset), encoded: bytes)
                    }
                    state.withLock { state in
                        state.durable = last
                        state.remember(records, keeping: Self.maximumKept)
                    }
                    commits.acknowledge(through: last)
                    durableChanges.publish(0, version: last)
                    return true
                case .fenced:
                    let reason = "positions \(first)…\(last) were fenced: another node took the lease (this node's epoch was \(epoch))"
                    commits.fail(.notLeader(reason))
                    onFenced(reason)
                    return false
                }
            } catch {
                if state.withLock({ $0.closed }) {
                    commits.fail(.unavailable("the node is stopping"))
                    return false
                }
                attempt += 1
                if attempt == 1 {
                    logger.error("the shared log cannot be reached; changes are refused until it can", metadata: ["error": "\(error)"])
                    commits.refuse(.unavailable("PostgreSQL cannot be reached"))
                }
                try? await Task.sleep(for: .milliseconds(min(1_000, 50 * attempt)))
            }
        }
    }
}
