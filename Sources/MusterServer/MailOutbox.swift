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

    /// After this many failed attempts an email is given up on (and stays in the journal as such).
    static let maximumAttempts = 20

    private enum EntryKind: String, Codable {
        case queued, delivered, failed, abandoned
    }

    private struct Entry: Codable {
        var kind: EntryKind
        var id: String
        var message: MailMessage?
        var attempts: Int?
        var nextAttemptAt: Int64?
        var error: String?
    }

    private var pending: [String: Pending] = [:]
    private var order: [String] = []
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
        let decoder = JSONDecoder()
        var pending = [String: Pending]()
        var order = [String]()
        for payload in payloads {
            guard let entry = try? decoder.decode(Entry.self, from: Data(payload)) else { continue }
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
        self.order = order
        counts.pending = order.count
        let encoder = JSONEncoder()
        var live = [[UInt8]]()
        for id in order {
            let item = pending[id]!
            live.append(Array(try encoder.encode(Entry(kind: .queued, id: id, message: item.message))))
            if item.attempts > 0 {
                live.append(Array(try encoder.encode(Entry(kind: .failed, id: id, attempts: item.attempts, nextAttemptAt: item.nextAttemptAt.millisecondsSinceEpoch, error: item.lastError))))
            }
        }
        try journal.rewrite(live)
    }

    /// Queues `messages` durably; returns once they are journaled.
    func enqueue(_ messages: [MailMessage]) async throws {
        guard !messages.isEmpty else { return }
        if let journal {
            let encoder = JSONEncoder()
            try await journal.append(contentsOf: try messages.map { Array(try encoder.encode(Entry(kind: .queued, id: $0.id, message: $0))) })
        }
        for message in messages where pending[message.id] == nil {
            pending[message.id] = Pending(message: message, attempts: 0, nextAttemptAt: Timestamp(millisecondsSinceEpoch: 0))
            order.append(message.id)
        }
        counts.pending = order.count
    }

    /// The emails due for an attempt at `now`, oldest first, at most `limit`.
    func due(at now: Timestamp, limit: Int = 64) -> [MailMessage] {
        var result = [MailMessage]()
        for id in order {
            guard let item = pending[id], item.nextAttemptAt <= now else { continue }
            result.append(item.message)
            if result.count == limit { break }
        }
        return result
    }

    /// Records a delivery.
    func markDelivered(_ id: String) async {
        guard pending.removeValue(forKey: id) != nil else { return }
        order.removeAll { $0 == id }
        counts.pending = order.count
        counts.delivered += 1
        try? await journal?.append(Array(try JSONEncoder().encode(Entry(kind: .delivered, id: id))))
    }

    /// Records a failed attempt and schedules the next one: 1 s, 2 s, 4 s … at most 15 minutes
    /// apart; gives up after ``maximumAttempts``.
    func markFailed(_ id: String, error: String, at now: Timestamp) async {
        guard var item = pending[id] else { return }
        item.attempts += 1
        item.lastError = error
        counts.failedAttempts += 1
        if item.attempts >= Self.maximumAttempts {
            pending[id] = nil
            order.removeAll { $0 == id }
            counts.pending = order.count
            counts.abandoned += 1
            try? await journal?.append(Array(try JSONEncoder().encode(Entry(kind: .abandoned, id: id, attempts: item.attempts, error: error))))
            return
        }
        let delay = min(Int64(1000) << min(item.attempts - 1, 20), 15 * 60 * 1000)
        item.nextAttemptAt = now.adding(Span(milliseconds: delay))
        pending[id] = item
        try? await journal?.append(
            Array(try JSONEncoder().encode(Entry(kind: .failed, id: id, attempts: item.attempts, nextAttemptAt: item.nextAttemptAt.millisecondsSinceEpoch, error: error)))
        )
    }

    /// The pending emails with their attempt state.
    func pendingItems() -> [Pending] {
        order.compactMap { pending[$0] }
    }

    /// Delivery counts since the start.
    func currentCounts() -> Counts { counts }
}
