import Foundation
import MusterDomain
import MusterEngine
import MusterLog

/// The emails the log's records cause, from the record that caused them to their delivery.
///
/// The outbox follows the durable log: ``OutboxService`` reads the records after
/// ``readThrough``, renders their emails (``MailRenderer``) and hands them here; they are
/// delivered with retries and exponential backoff. The outbox journals only its cursor — the
/// log position through which every email is delivered or given up — once per delivery round,
/// never per request. After a restart it reads the log again from the cursor: at least once,
/// never lost, and no live link is stored anywhere but in the delivered email itself.
package actor MailOutbox {
    /// An email waiting for delivery.
    package struct Pending: Sendable {
        package var message: MailMessage
        package var attempts: Int
        package var nextAttemptAt: Timestamp
        package var lastError: String?
    }

    /// Counts for `/metrics` and tests.
    package struct Counts: Sendable, Equatable {
        package var pending: Int
        package var delivered: Int
        package var failedAttempts: Int
        package var abandoned: Int
    }

    /// An email given up on.
    package struct Abandoned: Sendable {
        package var message: MailMessage
        package var attempts: Int
        package var error: String
        package var at: Timestamp
    }

    /// After this many failed attempts an email is given up on.
    package static let maximumAttempts = 20

    /// Every email not yet delivered (or given up on), by id.
    private var pending: [String: Pending] = [:]
    /// Ids waiting for their first attempt, oldest first; `readyHead` is the next to take.
    private var ready: [String] = []
    private var readyHead = 0
    /// Ids whose last attempt failed, waiting for their backoff (few: failures are rare).
    private var retrying: Set<String> = []
    private var abandoned: [Abandoned] = []
    private var counts = Counts(pending: 0, delivered: 0, failedAttempts: 0, abandoned: 0)

    /// Every email from records at or before this position is delivered or given up.
    package private(set) var cursor: LogPosition
    /// The last record read from the log and handed to ``enqueue(_:through:)``.
    package private(set) var readThrough: LogPosition
    /// Undone emails per record position, for moving the cursor.
    private var undone: [LogPosition: Int] = [:]
    private let journal: Journal?
    private var journalEntries = 0

    /// An outbox in memory only (tests without a data folder): it follows the log from its start.
    package init() {
        journal = nil
        cursor = 0
        readThrough = 0
    }

    /// Opens the outbox's cursor journal. A data folder that has none starts from the log's
    /// beginning.
    package init(cursorPath path: String) throws {
        let (journal, payloads) = try Journal.open(path: path)
        self.journal = journal
        let last = payloads.last.flatMap(Self.decodePosition) ?? 0
        cursor = last
        readThrough = last
        try journal.rewrite([Self.encode(last)])
        journalEntries = 1
    }

    /// Queues the emails of the records read through `position` (possibly none).
    package func enqueue(_ messages: [MailMessage], through position: LogPosition) {
        readThrough = max(readThrough, position)
        for message in messages where pending[message.id] == nil {
            pending[message.id] = Pending(message: message, attempts: 0, nextAttemptAt: Timestamp(millisecondsSinceEpoch: 0))
            ready.append(message.id)
            undone[message.position, default: 0] += 1
        }
        counts.pending = pending.count
    }

    /// Moves the read position and the cursor past records the log no longer holds.
    func skip(through position: LogPosition) async {
        guard position > readThrough, undone.isEmpty else { return }
        readThrough = position
        await advanceCursor()
    }

    /// The emails waiting or retrying.
    package var pendingCount: Int { pending.count }

    /// Moves the cursor past every record whose emails are all done, journals it (one synced
    /// write for the whole round) and returns it.
    @discardableResult
    package func advanceCursor() async -> LogPosition {
        let next = undone.keys.min().map { $0 > 0 ? $0 - 1 : 0 } ?? readThrough
        guard next > cursor else { return cursor }
        do {
            try await journal?.append(Self.encode(next))
            cursor = next
            journalEntries += 1
            if journalEntries > 10_000, let journal, (try? journal.rewrite([Self.encode(next)])) != nil { journalEntries = 1 }
        } catch {
            // Not moved: the records after the old cursor are read again after a restart.
        }
        return cursor
    }

    private func finished(_ message: MailMessage) {
        guard let left = undone[message.position] else { return }
        undone[message.position] = left > 1 ? left - 1 : nil
    }

    private static func encode(_ position: LogPosition) -> [UInt8] {
        withUnsafeBytes(of: position.littleEndian) { Array($0) }
    }

    private static func decodePosition(_ bytes: [UInt8]) -> LogPosition? {
        guard bytes.count == 8 else { return nil }
        return bytes.reversed().reduce(0) { $0 << 8 | LogPosition($1) }
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
    package func markDelivered(_ ids: [String]) {
        for id in ids {
            guard let item = pending.removeValue(forKey: id) else { continue }
            finished(item.message)
            counts.delivered += 1
        }
        counts.pending = pending.count
    }

    /// Records a failed attempt and schedules the next one: 1 s, 2 s, 4 s … at most 15 minutes
    /// apart; gives up after ``maximumAttempts``, or at once when the failure is `permanent`
    /// (the server refused the message itself). Returns whether the email was given up.
    @discardableResult
    package func markFailed(_ id: String, error: String, at now: Timestamp, permanent: Bool = false) -> Bool {
        guard var item = pending[id] else { return false }
        item.attempts += 1
        item.lastError = error
        counts.failedAttempts += 1
        if item.attempts >= Self.maximumAttempts || permanent {
            pending[id] = nil
            finished(item.message)
            counts.pending = pending.count
            counts.abandoned += 1
            abandoned.append(Abandoned(message: item.message, attempts: item.attempts, error: error, at: now))
            if abandoned.count > 100 { abandoned.removeFirst() }
            return true
        }
        let delay = min(Int64(1000) << min(item.attempts - 1, 20), 15 * 60 * 1000)
        item.nextAttemptAt = now.adding(Span(milliseconds: delay))
        pending[id] = item
        retrying.insert(id)
        return false
    }

    /// The pending emails with their attempt state, oldest first.
    package func pendingItems() -> [Pending] {
        pending.values.sorted { ($0.message.queuedAt, $0.message.id) < ($1.message.queuedAt, $1.message.id) }
    }

    /// The emails given up on since the start, newest last (at most 100).
    package func recentlyAbandoned() -> [Abandoned] { abandoned }

    /// Delivery counts since the start.
    package func currentCounts() -> Counts { counts }
}
