import Foundation
import MusterDomain
import MusterLog

/// The durable outbox: every email is journaled before the request that caused it answers,
/// then delivered at least once by ``OutboxService`` through a ``MailTransport``, with retries
/// and exponential backoff. A delivery is journaled too, so after a restart only what was not
/// delivered is sent.
actor MailOutbox {
    /// An email waiting for delivery.
    struct Pending: Sendable {
        var message: MailMessage
        var attempts: Int
        var nextAttemptAt: Timestamp
        var lastError: String?
    }

    /// Counts for `/metrics` and tests.
    struct Counts: Sendable, Equatable {
        var pending: Int
        var delivered: Int
        var failedAttempts: Int
        var abandoned: Int
    }

    /// An email given up on.
    struct Abandoned: Sendable {
        var message: MailMessage
        var attempts: Int
        var error: String
        var at: Timestamp
    }

    /// After this many failed attempts an email is given up on (and stays in the journal as such).
    static let maximumAttempts = 20

    /// Every email not yet delivered (or given up on), by id.
    private var pending: [String: Pending] = [:]
    /// Ids waiting for their first attempt, oldest first; `readyHead` is the next to take.
    private var ready: [String] = []
    private var readyHead = 0
    /// Ids whose last attempt failed, waiting for their backoff (few: failures are rare).
    private var retrying: Set<String> = []
    /// Entries in the journal file, to know when compacting it pays.
    private var journalEntries = 0
    private var abandoned: [Abandoned] = []
    private var counts = Counts(pending: 0, delivered: 0, failedAttempts: 0, abandoned: 0)
    private let journal: Journal?

    /// An outbox in memory only (tests without a data folder).
    init() {
        journal = nil
    }

    /// Opens the outbox on its journal: what was queued and not delivered is pending again; the
    /// journal is compacted to just that.
    init(path: String) throws {
        let (journal, payloads) = try Journal.open(path: path)
        self.journal = journal
        var pending = [String: Pending]()
        var order = [String]()
        for payload in payloads {
            guard let entry = Entry.decode(payload) else { continue }
            switch entry.kind {
            case .queued:
                guard let message = entry.message, pending[entry.id] == nil else { continue }
                pending[entry.id] = Pending(message: message, attempts: 0, nextAttemptAt: Timestamp(millisecondsSinceEpoch: 0))
                order.append(entry.id)
            case .failed:
                guard var item = pending[entry.id] else { continue }
                item.attempts = entry.attempts ?? 0
                item.nextAttemptAt = Timestamp(millisecondsSinceEpoch: entry.nextAttemptAt ?? 0)
                item.lastError = entry.error
                pending[entry.id] = item
            case .delivered, .abandoned:
                pending[entry.id] = nil
            }
        }
        order.removeAll { pending[$0] == nil }
        self.pending = pending
        self.ready = order.filter { pending[$0]!.attempts == 0 }
        self.retrying = Set(order.filter { pending[$0]!.attempts > 0 })
        counts.pending = order.count
        let live = order.flatMap { Self.liveEntries(pending[$0]!) }
        try journal.rewrite(live)
        journalEntries = live.count
    }

    /// Queues `messages` durably; returns once they are journaled.
    func enqueue(_ messages: [MailMessage]) async throws {
        guard !messages.isEmpty else { return }
        if let journal {
            try await journal.append(contentsOf: messages.map { Entry(kind: .queued, id: $0.id, message: $0).encoded() })
        }
        journalEntries += messages.count
        for message in messages where pending[message.id] == nil {
            pending[message.id] = Pending(message: message, attempts: 0, nextAttemptAt: Timestamp(millisecondsSinceEpoch: 0))
            ready.append(message.id)
        }
        counts.pending = pending.count
    }

    /// Takes the emails due for an attempt at `now`: first the retries whose backoff is over,
    /// then the oldest new ones, at most `limit`. Each is handed out once; the caller reports
    /// it delivered or failed.
    func takeDue(at now: Timestamp, limit: Int = 64) -> [MailMessage] {
        var result = [MailMessage]()
        for id in retrying where result.count < limit {
            guard let item = pending[id] else {
                retrying.remove(id)
                continue
            }
            if item.nextAttemptAt <= now {
                retrying.remove(id)
                result.append(item.message)
            }
        }
        while result.count < limit, readyHead < ready.count {
            let id = ready[readyHead]
            readyHead += 1
            if let item = pending[id] { result.append(item.message) }
        }
        // Drop the consumed prefix now and then, so the queue does not grow without bound.
        if readyHead > 4096, readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        return result
    }

    /// Records deliveries.
    func markDelivered(_ ids: [String]) async {
        let delivered = ids.filter { pending.removeValue(forKey: $0) != nil }
        guard !delivered.isEmpty else { return }
        counts.pending = pending.count
        counts.delivered += delivered.count
        journalEntries += delivered.count
        try? await journal?.append(contentsOf: delivered.map { Entry(kind: .delivered, id: $0).encoded() })
        compactIfWorthIt()
    }

    /// Rewrites the journal with only what is pending once most of it is history.
    private func compactIfWorthIt() {
        guard let journal, journalEntries > 100_000, journalEntries > 4 * (pending.count + 1) else { return }
        let live = pending.values.flatMap(Self.liveEntries)
        // Appends racing this rewrite are serialised by the journal; one that failed to be
        // rewritten would only be delivered again, never lost.
        if (try? journal.rewrite(live)) != nil { journalEntries = live.count }
    }

    /// Records a failed attempt and schedules the next one: 1 s, 2 s, 4 s … at most 15 minutes
    /// apart; gives up after ``maximumAttempts``, or at once when the failure is `permanent`
    /// (the server refused the message itself). Returns whether the email was given up.
    @discardableResult
    func markFailed(_ id: String, error: String, at now: Timestamp, permanent: Bool = false) async -> Bool {
        guard var item = pending[id] else { return false }
        item.attempts += 1
        item.lastError = error
        counts.failedAttempts += 1
        journalEntries += 1
        if item.attempts >= Self.maximumAttempts || permanent {
            pending[id] = nil
            counts.pending = pending.count
            counts.abandoned += 1
            abandoned.append(Abandoned(message: item.message, attempts: item.attempts, error: error, at: now))
            if abandoned.count > 100 { abandoned.removeFirst() }
            try? await journal?.append(Entry(kind: .abandoned, id: id, attempts: item.attempts, error: error).encoded())
            return true
        }
        let delay = min(Int64(1000) << min(item.attempts - 1, 20), 15 * 60 * 1000)
        item.nextAttemptAt = now.adding(Span(milliseconds: delay))
        pending[id] = item
        retrying.insert(id)
        try? await journal?.append(
            Entry(kind: .failed, id: id, attempts: item.attempts, nextAttemptAt: item.nextAttemptAt.millisecondsSinceEpoch, error: error).encoded())
        return false
    }

    /// The entries that say all the journal must keep of a pending email: queued, and its
    /// attempt state once it has failed.
    private static func liveEntries(_ item: Pending) -> [[UInt8]] {
        var entries = [Entry(kind: .queued, id: item.message.id, message: item.message).encoded()]
        if item.attempts > 0 {
            entries.append(
                Entry(
                    kind: .failed, id: item.message.id, attempts: item.attempts, nextAttemptAt: item.nextAttemptAt.millisecondsSinceEpoch, error: item.lastError
                ).encoded())
        }
        return entries
    }

    /// The pending emails with their attempt state, oldest first.
    func pendingItems() -> [Pending] {
        pending.values.sorted { ($0.message.queuedAt, $0.message.id) < ($1.message.queuedAt, $1.message.id) }
    }

    /// The emails given up on since the start, newest last (at most 100).
    func recentlyAbandoned() -> [Abandoned] { abandoned }

    /// Delivery counts since the start.
    func currentCounts() -> Counts { counts }
}
