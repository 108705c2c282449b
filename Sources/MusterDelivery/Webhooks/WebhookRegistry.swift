import Foundation
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage

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
    /// How stale the journaled log position of a webhook whose org is quiet may grow: moving it
    /// costs a synced write, and a restart merely examines the records since again.
    static let positionJournalInterval: Int64 = 30_000

    /// What is decided; this actor writes what the machine plans and tells it once durable.
    private var machine: Machine
    private let backing: Backing
    /// Journal writes queued and not yet durable.
    private var writesInFlight = 0
    /// A rewrite of the shared store on its way.
    private var rewriting: Task<Void, Never>?
    package let retry: WebhookRetryPolicy

    fileprivate enum Entry: Codable {
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
        machine = Machine(retry: retry)
        self.retry = retry
    }

    /// Opens the registry on its journal and compacts the journal to what is live. Entries it
    /// cannot read (an older layout) are dropped: at worst an event is delivered again.
    package init(path: String, retry: WebhookRetryPolicy = WebhookRetryPolicy()) throws {
        let (journal, payloads) = try Journal.open(path: path)
        var machine = Machine(retry: retry)
        machine.load(payloads)
        let live = machine.liveEntries()
        try journal.rewrite(live)
        machine.compacted(to: live.count)
        backing = .journal(journal)
        self.machine = machine
        self.retry = retry
    }

    /// A registry whose entries are kept in `store` (on a node of a cluster, the database). It
    /// starts empty: only the leader delivers, and it takes the entries up before it leads.
    package init(shared store: any WebhookProgressStore, retry: WebhookRetryPolicy = WebhookRetryPolicy()) {
        backing = .shared(store)
        machine = Machine(retry: retry)
        self.retry = retry
    }

    /// Takes up the entries kept in the shared store, where the last leader left them: called
    /// before this node leads, hence before any worker runs. Does nothing without a shared store.
    package func adoptShared() async throws {
        guard case .shared(let store) = backing else { return }
        machine.load(try await store.entries())
    }

    /// Where delivery to `webhook` stands; a new webhook starts after its `startAfter`.
    package func progress(of webhook: Webhook, orgID: OrganisationID) -> WebhookProgress {
        machine.progress(of: webhook, orgID: orgID)
    }

    /// The webhook's deliveries, newest first.
    package func deliveries(_ id: String) -> [WebhookDelivery] {
        machine.deliveries(id)
    }

    /// Drops what is kept of a deleted webhook.
    package func forget(_ id: String) async {
        guard machine.forgetPosition(id) else { return }
        try? await write([.forgotten(id: id)])
        machine.forgotten(id)
    }

    /// The log position a restart would resume the webhook from, if it follows the log.
    func journaledLogPosition(_ id: String) -> LogPosition? {
        machine.journaledLogPosition(id)
    }

    /// Tells the log where each webhook would resume, so that compaction keeps those records:
    /// called once the log is open, before anything can take a snapshot.
    package func registerFollowers(on source: any DurableRecordSource) {
        for (id, position) in machine.journaledLogPositions { source.follower("webhook:\(id)", consumedThrough: position) }
    }

    /// Brings the webhook's progress back within the org's history and the log when it stood
    /// past their ends (``Machine/rewound(_:orgVersion:logEnd:)``); whether it moved.
    package func rewind(_ progress: WebhookProgress, orgVersion: UInt64, logEnd: LogPosition, now: Int64) async -> Bool {
        guard let rewound = machine.rewound(progress, orgVersion: orgVersion, logEnd: logEnd) else { return false }
        guard (try? await write([.progress(rewound)])) != nil else { return false }
        machine.advanced(rewound, journaledAt: now)
        return true
    }

    /// Drops the webhook's log position — the log no longer holds the records after it (a
    /// long pause let compaction go past) — so that it catches up from the org's trail again.
    func forgetLogPosition(_ progress: WebhookProgress) async {
        guard let reset = machine.withoutLogPosition(progress) else { return }
        guard (try? await write([.progress(reset)])) != nil else { return }
        machine.logPositionForgotten(reset)
    }

    /// Moves the webhook past records examined without a delivery (``Machine/advance(_:cursor:logPosition:now:)``
    /// says whether the move is worth a journal write).
    package func advance(_ progress: WebhookProgress, cursor newCursor: UInt64, logPosition: LogPosition, now: Int64) async {
        switch machine.advance(progress, cursor: newCursor, logPosition: logPosition, now: now) {
        case nil:
            return
        case .inMemory(let moved):
            machine.advanced(moved, journaledAt: nil)
        case .journal(let moved):
            // Not worth a failure: at worst the records are examined again.
            guard (try? await write([.progress(moved)])) != nil else { return }
            machine.advanced(moved, journaledAt: now)
        }
    }

    /// Moves the cursor past events the type filter skipped.
    package func skip(_ progress: WebhookProgress, to newCursor: UInt64) async {
        guard let moved = machine.skip(progress, to: newCursor) else { return }
        // Not worth a failure: at worst the skipped events are examined again.
        try? await write([.progress(moved)])
        machine.stored(moved)
    }

    /// Starts counting attempts afresh: after the webhook was paused for failing, so that a
    /// resume gets the full number of retries.
    func resetAttempts(_ progress: WebhookProgress) async throws {
        let reset = machine.withAttemptsReset(progress)
        try await write([.progress(reset)])
        machine.stored(reset)
    }

    /// Records an attempt at the event after `progress.cursor` (``Machine/record(_:_:logPosition:)``).
    /// Returns the progress as it now is, or `nil` when it moved meanwhile.
    package func record(_ progress: WebhookProgress, _ delivery: WebhookDelivery, logPosition: LogPosition? = nil) async throws -> WebhookProgress? {
        guard let (next, delivery) = machine.record(progress, delivery, logPosition: logPosition) else { return nil }
        try await write([.progress(next), .delivery(id: progress.id, delivery)])
        machine.recorded(next, delivery)
        compactIfWorthIt()
        return next
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
        machine.wrote(entries.count)
    }

    /// Rewrites the journal once most of it is superseded state.
    private func compactIfWorthIt() {
        // A write still on its way could land in the file this rewrite replaces, and be lost
        // while the tables do not hold it yet: only rewrite when none is.
        guard writesInFlight == 0, rewriting == nil, machine.compactionIsWorthIt else { return }
        let live = machine.liveEntries()
        switch backing {
        case .memory:
            return
        case .journal(let journal):
            if (try? journal.rewrite(live)) != nil { machine.compacted(to: live.count) }
        case .shared(let store):
            // Writes wait for it (see `write`), so that none lands before it and is replaced.
            let before = machine.journalEntries
            machine.compacted(to: live.count)
            rewriting = Task {
                // Failed, it is tried again after the next write.
                if (try? await store.replace(with: live)) == nil { self.machine.wrote(before) }
                self.rewriting = nil
            }
        }
    }
}

extension WebhookRegistry {
    /// The registry's decisions apart from its I/O: where each webhook stands, what an attempt
    /// or a move makes of it, which moves are worth a journal write, and when the journal is
    /// worth compacting. Each change is planned first (a method that returns the progress to
    /// journal, or `nil` when the webhook moved meanwhile) and taken in once the driver has
    /// written it (``WebhookRegistry``); tested directly.
    struct Machine {
        private(set) var tables = Tables()
        /// Each webhook's log position as last journaled, and when (milliseconds since the
        /// epoch): what a restart would resume from, hence what the log must keep.
        private var journaledPositions: [String: (position: LogPosition, at: Int64)] = [:]
        /// Entries written since the journal was last compacted.
        private(set) var journalEntries = 0
        let retry: WebhookRetryPolicy

        /// What a move of a webhook past examined records asks of the driver.
        enum Move: Equatable {
            /// Journal it first: the cursor moved, the log position is new, or it is stale.
            case journal(WebhookProgress)
            /// Keep it in memory only: a lost move merely means examining those records again.
            case inMemory(WebhookProgress)
        }

        init(retry: WebhookRetryPolicy) {
            self.retry = retry
        }

        /// Takes up the rows `payloads` (entries, oldest first) leave.
        mutating func load(_ payloads: [[UInt8]]) {
            tables = Tables(payloads)
            journaledPositions = tables.logPositions()
            journalEntries = payloads.count
        }

        /// Where delivery to `webhook` stands; a new webhook starts after its `startAfter`.
        func progress(of webhook: Webhook, orgID: OrganisationID) -> WebhookProgress {
            tables.progress[webhook.id.description] ?? WebhookProgress(webhook, orgID: orgID)
        }

        /// The webhook's deliveries, newest first.
        func deliveries(_ id: String) -> [WebhookDelivery] {
            tables.history[id, default: []].reversed()
        }

        func journaledLogPosition(_ id: String) -> LogPosition? { journaledPositions[id]?.position }

        /// Every webhook's journaled log position.
        var journaledLogPositions: [(id: String, position: LogPosition)] { journaledPositions.map { ($0.key, $0.value.position) } }

        /// Stops counting a deleted webhook's position; whether anything of it is kept (and so
        /// its forgetting must be journaled).
        mutating func forgetPosition(_ id: String) -> Bool {
            journaledPositions[id] = nil
            return tables.progress[id] != nil
        }

        mutating func forgotten(_ id: String) { tables.forget(id) }

        /// The webhook's progress without its log position, if it still stands at `progress`
        /// and has one.
        func withoutLogPosition(_ progress: WebhookProgress) -> WebhookProgress? {
            guard var reset = current(progress), reset.logPosition != nil else { return nil }
            reset.logPosition = nil
            return reset
        }

        mutating func logPositionForgotten(_ reset: WebhookProgress) {
            journaledPositions[reset.id] = nil
            tables.progress[reset.id] = reset
        }

        /// The move past records examined without a delivery, and whether to journal it: when
        /// the cursor changes or the log position is first set; otherwise at most every
        /// ``WebhookRegistry/positionJournalInterval``. `nil` when nothing moves or the webhook
        /// moved meanwhile.
        func advance(_ progress: WebhookProgress, cursor newCursor: UInt64, logPosition: LogPosition, now: Int64) -> Move? {
            guard var moved = current(progress) else { return nil }
            let cursorMoved = newCursor > moved.cursor
            guard cursorMoved || logPosition > (moved.logPosition ?? 0) || moved.logPosition == nil else { return nil }
            moved.cursor = max(moved.cursor, newCursor)
            moved.logPosition = max(moved.logPosition ?? 0, logPosition)
            let journaled = journaledPositions[progress.id]
            let stale = journaled.map { now - $0.at >= WebhookRegistry.positionJournalInterval } ?? true
            return cursorMoved || stale ? .journal(moved) : .inMemory(moved)
        }

        /// Takes in a move, journaled at `journaledAt` (`nil`: kept in memory only).
        mutating func advanced(_ moved: WebhookProgress, journaledAt: Int64?) {
            if let journaledAt, let position = moved.logPosition { journaledPositions[moved.id] = (position, journaledAt) }
            tables.progress[moved.id] = moved
        }

        /// The progress with its cursor past events the type filter skipped, if it moves.
        func skip(_ progress: WebhookProgress, to newCursor: UInt64) -> WebhookProgress? {
            guard newCursor > progress.cursor, current(progress) != nil else { return nil }
            var moved = tables.progress[progress.id] ?? progress
            moved.cursor = newCursor
            return moved
        }

        /// The progress brought back within a history that ends before where it stood — the
        /// org's events through `orgVersion`, the log through `logEnd` — as after a restore to
        /// an earlier point; `nil` when it is within both, or moved meanwhile. Records through
        /// `logEnd` hold only events through `orgVersion`, so the two stay consistent.
        func rewound(_ progress: WebhookProgress, orgVersion: UInt64, logEnd: LogPosition) -> WebhookProgress? {
            guard var rewound = current(progress), rewound.cursor > orgVersion || (rewound.logPosition ?? 0) > logEnd else { return nil }
            rewound.cursor = min(rewound.cursor, orgVersion)
            if let position = rewound.logPosition, position > logEnd { rewound.logPosition = logEnd }
            rewound.attempts = 0
            rewound.nextAttemptAt = 0
            return rewound
        }

        /// The progress with its attempts counted afresh.
        func withAttemptsReset(_ progress: WebhookProgress) -> WebhookProgress {
            var reset = tables.progress[progress.id] ?? progress
            reset.attempts = 0
            reset.nextAttemptAt = 0
            return reset
        }

        /// Takes in a progress the driver journaled.
        mutating func stored(_ progress: WebhookProgress) { tables.progress[progress.id] = progress }

        /// An attempt at the event after `progress.cursor`: a success moves the cursor (and,
        /// for an event read from the log, the log position to `logPosition`, just before its
        /// record); a failure schedules the next attempt by the retry policy. Returns the
        /// progress and the delivery (numbered) to journal, or `nil` when it moved meanwhile.
        func record(_ progress: WebhookProgress, _ delivery: WebhookDelivery, logPosition: LogPosition?) -> (WebhookProgress, WebhookDelivery)? {
            guard var next = current(progress) else { return nil }
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
            return (next, delivery)
        }

        /// Takes in an attempt the driver journaled.
        mutating func recorded(_ next: WebhookProgress, _ delivery: WebhookDelivery) {
            if let position = next.logPosition { journaledPositions[next.id] = (position, delivery.at) }
            tables.progress[next.id] = next
            tables.appendHistory(next.id, delivery)
        }

        mutating func wrote(_ count: Int) { journalEntries += count }

        /// Whether most of the journal is superseded state.
        var compactionIsWorthIt: Bool {
            journalEntries > 10_000 && journalEntries > 4 * tables.progress.count * (WebhookRegistry.historyLength + 1)
        }

        /// The entries that say everything the registry holds.
        func liveEntries() -> [[UInt8]] { tables.liveEntries() }

        mutating func compacted(to count: Int) { journalEntries = count }

        /// The stored progress, or a fresh one, if it is still at `progress.cursor`.
        private func current(_ progress: WebhookProgress) -> WebhookProgress? {
            if let stored = tables.progress[progress.id] { return stored.cursor == progress.cursor ? stored : nil }
            return WebhookProgress(id: progress.id, orgID: progress.orgID, cursor: progress.cursor)
        }
    }

    /// The registry's rows: each webhook's progress and history.
    struct Tables {
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
