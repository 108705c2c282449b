import Foundation
import MusterDomain
import MusterEngine
import MusterLog

/// How far delivery to each webhook has got, and its recent attempts, journaled so a restart
/// neither loses its place nor re-sends what was acknowledged as delivered.
///
/// It holds no subscription and no secret: those are org records. A delivery is durable here
/// before the worker moves on to the next event. On one machine the entries go to a journal
/// in the data folder; on a node of a cluster, to the cluster's database, where whichever node
/// leads next takes them up (``adoptShared()``).
package actor WebhookRegistry {
    /// Deliveries kept per subscription, newest last.
    static let historyLength = 100

    private var tables = Tables()
    /// Each webhook's log position as last journaled, and when (milliseconds since the epoch):
    /// what a restart would resume from, hence what the log must keep.
    private var journaledPositions: [String: (position: LogPosition, at: Int64)] = [:]
    /// How stale the journaled log position of a webhook whose org is quiet may grow: moving it
    /// costs a synced write, and a restart merely examines the records since again.
    static let positionJournalInterval: Int64 = 30_000
    private let backing: Backing
    private var journalEntries = 0
    /// Journal writes queued and not yet durable.
    private var writesInFlight = 0
    /// A rewrite of the shared store on its way.
    private var rewriting: Task<Void, Never>?
    package let retry: WebhookRetryPolicy

    private enum Entry: Codable {
        case progress(WebhookProgress)
        case delivery(id: String, WebhookDelivery)
        case forgotten(id: String)
    }

    /// Where the entries are kept.
    private enum Backing {
        case memory
        case journal(Journal)
        case shared(any WebhookProgressStore)
    }

    /// A registry in memory only (tests without a data folder).
    package init(retry: WebhookRetryPolicy = WebhookRetryPolicy()) {
        backing = .memory
        self.retry = retry
    }

    /// Opens the registry on its journal and compacts the journal to what is live. Entries it
    /// cannot read (an older layout) are dropped: at worst an event is delivered again.
    package init(path: String, retry: WebhookRetryPolicy = WebhookRetryPolicy()) throws {
        let (journal, payloads) = try Journal.open(path: path)
        backing = .journal(journal)
        self.retry = retry
        let tables = Tables(payloads)
        let live = tables.liveEntries()
        try journal.rewrite(live)
        self.tables = tables
        journaledPositions = tables.logPositions()
        journalEntries = live.count
    }

    /// A registry whose entries are kept in `store` (on a node of a cluster, the database). It
    /// starts empty: only the leader delivers, and it takes the entries up before it leads.
    package init(shared store: any WebhookProgressStore, retry: WebhookRetryPolicy = WebhookRetryPolicy()) {
        backing = .shared(store)
        self.retry = retry
    }

    /// Takes up the entries kept in the shared store, where the last leader left them: called
    /// before this node leads, hence before any worker runs. Does nothing without a shared store.
    package func adoptShared() async throws {
        guard case .shared(let store) = backing else { return }
        let entries = try await store.entries()
        tables = Tables(entries)
        journaledPositions = tables.logPositions()
        journalEntries = entries.count
    }

    /// Where delivery to `webhook` stands; a new webhook starts after its `startAfter`.
    package func progress(of webhook: Webhook, orgID: OrganisationID) -> WebhookProgress {
        tables.progress[webhook.id.description] ?? WebhookProgress(webhook, orgID: orgID)
    }

    /// The webhook's deliveries, newest first.
    package func deliveries(_ id: String) -> [WebhookDelivery] {
        tables.history[id, default: []].reversed()
    }

    /// Drops what is kept of a deleted webhook.
    package func forget(_ id: String) async {
        journaledPositions[id] = nil
        guard tables.progress[id] != nil else { return }
        try? await write([.forgotten(id: id)])
        tables.forget(id)
    }

    /// The log position a restart would resume the webhook from, if it follows the log.
    func journaledLogPosition(_ id: String) -> LogPosition? {
        journaledPositions[id]?.position
    }

    /// Tells the log where each webhook would resume, so that compaction keeps those records:
    /// called once the log is open, before anything can take a snapshot.
    package func registerFollowers(on source: any DurableRecordSource) {
        for (id, journaled) in journaledPositions { source.follower("webhook:\(id)", consumedThrough: journaled.position) }
    }

    /// Drops the webhook's log position — the log no longer holds the records after it (a
    /// long pause let compaction go past) — so that it catches up from the org's trail again.
    func forgetLogPosition(_ progress: WebhookProgress) async {
        guard var reset = current(progress.id, orgID: progress.orgID, cursor: progress.cursor), reset.logPosition != nil else { return }
        reset.logPosition = nil
        guard (try? await write([.progress(reset)])) != nil else { return }
        journaledPositions[progress.id] = nil
        tables.progress[progress.id] = reset
    }

    /// Moves the webhook past records examined without a delivery: their events were of other
    /// types, or there were none. The move is journaled when the cursor changes or the log
    /// position is first set; otherwise at most every ``positionJournalInterval``, because a
    /// lost move only means examining those records again.
    package func advance(_ progress: WebhookProgress, cursor newCursor: UInt64, logPosition: LogPosition, now: Int64) async {
        guard var moved = current(progress.id, orgID: progress.orgID, cursor: progress.cursor) else { return }
        let cursorMoved = newCursor > moved.cursor
        guard cursorMoved || logPosition > (moved.logPosition ?? 0) || moved.logPosition == nil else { return }
        moved.cursor = max(moved.cursor, newCursor)
        moved.logPosition = max(moved.logPosition ?? 0, logPosition)
        let journaled = journaledPositions[progress.id]
        if cursorMoved || journaled == nil || now - journaled!.at >= Self.positionJournalInterval {
            // Not worth a failure: at worst the records are examined again.
            guard (try? await write([.progress(moved)])) != nil else { return }
            journaledPositions[progress.id] = (moved.logPosition!, now)
        }
        tables.progress[progress.id] = moved
    }

    /// Moves the cursor past events the type filter skipped.
    package func skip(_ progress: WebhookProgress, to newCursor: UInt64) async {
        guard newCursor > progress.cursor, current(progress.id, orgID: progress.orgID, cursor: progress.cursor) != nil else { return }
        var moved = tables.progress[progress.id] ?? progress
        moved.cursor = newCursor
        // Not worth a failure: at worst the skipped events are examined again.
        try? await write([.progress(moved)])
        tables.progress[progress.id] = moved
    }

    /// Starts counting attempts afresh: after the webhook was paused for failing, so that a
    /// resume gets the full number of retries.
    func resetAttempts(_ progress: WebhookProgress) async throws {
        var reset = tables.progress[progress.id] ?? progress
        reset.attempts = 0
        reset.nextAttemptAt = 0
        try await write([.progress(reset)])
        tables.progress[progress.id] = reset
    }

    /// Records an attempt at the event after `progress.cursor`. A success moves the cursor; a
    /// failure schedules the next attempt. Returns the progress as it now is, or `nil` when it
    /// moved meanwhile.
    /// `logPosition`, for an event read from the log, is the position just before its record:
    /// the record is read again, and its events up to the cursor passed over.
    package func record(_ progress: WebhookProgress, _ delivery: WebhookDelivery, logPosition: LogPosition? = nil) async throws -> WebhookProgress? {
        guard var next = current(progress.id, orgID: progress.orgID, cursor: progress.cursor) else { return nil }
        var delivery = delivery
        delivery.attempt = next.attempts + 1
        switch delivery.outcome {
        case .delivered:
            next.cursor = delivery.sequence
            if let logPosition { next.logPosition = max(next.logPosition ?? 0, logPosition) }
            next.attempts = 0
            next.nextAttemptAt = 0
            next.lastDeliveredAt = delivery.at
            next.deliveredCount += 1
        case .failed:
            next.attempts += 1
            next.failedAttemptCount += 1
            next.lastError = delivery.error
            next.nextAttemptAt = delivery.at + retry.delay(afterAttempts: next.attempts).milliseconds
        }
        try await write([.progress(next), .delivery(id: progress.id, delivery)])
        if let position = next.logPosition { journaledPositions[progress.id] = (position, delivery.at) }
        tables.progress[progress.id] = next
        tables.appendHistory(progress.id, delivery)
        compactIfWorthIt()
        return next
    }

    /// The stored progress, or a fresh one, if it is still at `cursor`.
    private func current(_ id: String, orgID: String, cursor: UInt64) -> WebhookProgress? {
        if let stored = tables.progress[id] { return stored.cursor == cursor ? stored : nil }
        return WebhookProgress(id: id, orgID: orgID, cursor: cursor)
    }

    // MARK: Journal

    private func write(_ entries: [Entry]) async throws {
        let encoder = JSONEncoder()
        let payloads = try entries.map { Array(try encoder.encode($0)) }
        writesInFlight += 1
        defer { writesInFlight -= 1 }
        switch backing {
        case .memory:
            return
        case .journal(let journal):
            // Queued in the actor's step, so entries reach the file in the order they were made.
            let ticket = try journal.enqueue(payloads)
            try await journal.waitUntilDurable(ticket)
        case .shared(let store):
            // After a rewrite on its way: the rewrite replaces what was appended before it.
            while let rewriting { await rewriting.value }
            // Each webhook's entries come from its one worker, which waits for each write: a
            // webhook's entries are kept in the order they were made.
            try await store.append(payloads)
        }
        journalEntries += entries.count
    }

    /// Rewrites the journal once most of it is superseded state.
    private func compactIfWorthIt() {
        let liveCount = tables.progress.count * (Self.historyLength + 1)
        // A write still on its way could land in the file this rewrite replaces, and be lost
        // while the tables do not hold it yet: only rewrite when none is.
        guard journalEntries > 10_000, journalEntries > 4 * liveCount, writesInFlight == 0, rewriting == nil else { return }
        let live = tables.liveEntries()
        switch backing {
        case .memory:
            return
        case .journal(let journal):
            if (try? journal.rewrite(live)) != nil { journalEntries = live.count }
        case .shared(let store):
            // Writes wait for it (see `write`), so that none lands before it and is replaced.
            let before = journalEntries
            journalEntries = live.count
            rewriting = Task {
                // Failed, it is tried again after the next write.
                if (try? await store.replace(with: live)) == nil { self.journalEntries += before }
                self.rewriting = nil
            }
        }
    }

    /// The registry's rows: each webhook's progress and history.
    private struct Tables {
        package var progress: [String: WebhookProgress] = [:]
        package var history: [String: [WebhookDelivery]] = [:]

        init() {}

        /// The rows `payloads` (entries, oldest first) leave.
        init(_ payloads: [[UInt8]]) {
            let decoder = JSONDecoder()
            for payload in payloads {
                guard let entry = try? decoder.decode(Entry.self, from: Data(payload)) else { continue }
                switch entry {
                case .progress(let progress):
                    self.progress[progress.id] = progress
                case .delivery(let id, let delivery):
                    guard self.progress[id] != nil else { continue }
                    appendHistory(id, delivery)
                case .forgotten(let id):
                    forget(id)
                }
            }
        }

        mutating func appendHistory(_ id: String, _ delivery: WebhookDelivery) {
            var deliveries = history[id, default: []]
            deliveries.append(delivery)
            if deliveries.count > WebhookRegistry.historyLength { deliveries.removeFirst(deliveries.count - WebhookRegistry.historyLength) }
            history[id] = deliveries
        }

        package mutating func forget(_ id: String) {
            progress[id] = nil
            history[id] = nil
        }

        /// Each webhook's log position as read back, to resume from (journaled at time 0).
        func logPositions() -> [String: (position: LogPosition, at: Int64)] {
            var positions = [String: (position: LogPosition, at: Int64)]()
            for (id, progress) in progress {
                if let position = progress.logPosition { positions[id] = (position, 0) }
            }
            return positions
        }

        /// The entries that say everything the registry holds: each progress, then its history.
        func liveEntries() -> [[UInt8]] {
            let encoder = JSONEncoder()
            var entries = [Entry]()
            for (id, progress) in progress.sorted(by: { $0.key < $1.key }) {
                entries.append(.progress(progress))
                entries += history[id, default: []].map { .delivery(id: id, $0) }
            }
            return entries.compactMap { try? Array(encoder.encode($0)) }
        }
    }
}

extension WebhookProgress {
    /// Progress at `cursor` with no attempt made.
    fileprivate init(id: String, orgID: String, cursor: UInt64) {
        self.id = id
        self.orgID = orgID
        self.cursor = cursor
        attempts = 0
        nextAttemptAt = 0
        deliveredCount = 0
        failedAttemptCount = 0
    }
}
