import Foundation
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage

/// The emails the log's records cause, from the record that caused them to their delivery.
///
/// The outbox follows the durable log: ``OutboxService`` reads the records after
/// ``readThrough``, renders their emails (``MailRenderer``) and hands them here; they are
/// delivered with retries and exponential backoff. The outbox journals only its cursor — the
/// log position through which every email is delivered or given up — once per delivery round,
/// never per request. After a restart it reads the log again from the cursor: at least once,
/// never lost, and no live link is stored anywhere but in the delivered email itself.
///
/// Two lanes: emails a person is waiting for (``MailLane/urgent``: sign-in links, collaborator
/// links, resends) go ahead of a backlog of new invitations (``MailLane/bulk``). The service
/// reads the log twice — in order, a window of ``OutboxService/maximumAhead`` emails at a time,
/// and ahead of that window for urgent emails alone (``enqueueAhead(_:through:recipients:)``) —
/// so a sign-in link does not wait behind ninety thousand invitations. Each person's emails
/// keep their order: an urgent email to someone with an earlier invitation still undelivered
/// is left to the in-order reading and queued behind it.
package actor MailOutbox {
    /// An email waiting for delivery.
    package struct Pending: Sendable {
        package var message: MailMessage
        /// The lane it waits in: its own, or the bulk lane behind an earlier email to the same person.
        package var lane: MailLane = .bulk
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

    /// What is decided; this actor only keeps the cursor durable.
    private var machine: Machine
    private let journal: Journal?
    /// Where the cursor is kept instead of a journal: a cluster's database.
    private let cursorStore: (any OutboxCursorStore)?

    /// An outbox in memory only (tests without a data folder): it follows the log from its start.
    package init() {
        machine = Machine(cursor: 0)
        journal = nil
        cursorStore = nil
    }

    /// An outbox whose cursor, `cursor` now, is kept in `store` (on a node of a cluster, in
    /// the database, so that a new leader carries on where the old one stopped).
    package init(cursor: LogPosition, store: any OutboxCursorStore) {
        machine = Machine(cursor: cursor)
        journal = nil
        cursorStore = store
    }

    /// Opens the outbox's cursor journal. A data folder that has none starts from the log's
    /// beginning.
    package init(cursorPath path: String) throws {
        let (journal, payloads) = try Journal.open(path: path)
        let last = payloads.last.flatMap(Self.decodePosition) ?? 0
        try journal.rewrite([Self.encode(last)])
        machine = Machine(cursor: last)
        self.journal = journal
        cursorStore = nil
    }

    /// Every email from records at or before this position is delivered or given up.
    package var cursor: LogPosition { machine.cursor }
    /// The last record read from the log in order and handed to ``enqueue(_:through:)``.
    package var readThrough: LogPosition { machine.readThrough }
    /// Where the reading ahead goes on from.
    package var aheadFrom: LogPosition { machine.aheadFrom }
    /// The urgent emails waiting, for the reading ahead's own bound.
    package var urgentPendingCount: Int { machine.urgentPendingCount }
    /// The emails waiting or retrying.
    package var pendingCount: Int { machine.pendingCount }

    /// Queues the emails of the records read in order through `position` (possibly none).
    /// Those the reading ahead already queued are passed over.
    package func enqueue(_ messages: [MailMessage], through position: LogPosition) {
        machine.enqueue(messages, through: position)
    }

    /// The ids the reading ahead has queued and the in-order reading has not yet reached.
    package func expeditedIDs() -> Set<String> { machine.expedited }

    /// Queues urgent emails read ahead of the in-order reading (``Machine/enqueueAhead(_:through:passing:)``).
    package func enqueueAhead(_ messages: [MailMessage], through position: LogPosition, passing: [(to: String, position: LogPosition)]) {
        machine.enqueueAhead(messages, through: position, passing: passing)
    }

    /// Takes up the cursor saved in the store, when it is ahead of this outbox's and nothing is
    /// queued: a node that starts leading carries on where the last leader stopped.
    package func reloadCursor() async {
        guard let cursorStore, machine.pendingCount == 0, let saved = try? await cursorStore.load() else { return }
        machine.takeUp(savedCursor: saved)
    }

    /// Brings the cursor back to the log's end when it stood past it — a data folder restored
    /// to an earlier point — so that the emails of the records written from there are sent.
    /// Returns whether it moved.
    @discardableResult
    package func rewind(toLogEnd end: LogPosition) -> Bool {
        guard machine.rewind(toLogEnd: end) else { return false }
        if let journal { try? journal.rewrite([Self.encode(end)]) }
        return true
    }

    /// Moves the read position and the cursor past records the log no longer holds.
    func skip(through position: LogPosition) async {
        guard machine.skip(through: position) else { return }
        await advanceCursor()
    }

    /// Moves the cursor past every record whose emails are all done, journals it (one synced
    /// write for the whole round) and returns it.
    @discardableResult
    package func advanceCursor() async -> LogPosition {
        guard let next = machine.cursorToSave() else { return machine.cursor }
        do {
            try await journal?.append(Self.encode(next))
            try await cursorStore?.save(next)
            if machine.cursorSaved(next), let journal, (try? journal.rewrite([Self.encode(next)])) != nil { machine.journalCompacted() }
        } catch {
            // Not moved: the records after the old cursor are read again after a restart.
        }
        return machine.cursor
    }

    private static func encode(_ position: LogPosition) -> [UInt8] {
        withUnsafeBytes(of: position.littleEndian) { Array($0) }
    }

    private static func decodePosition(_ bytes: [UInt8]) -> LogPosition? {
        guard bytes.count == 8 else { return nil }
        return bytes.reversed().reduce(0) { $0 << 8 | LogPosition($1) }
    }

    /// Takes the emails due for an attempt at `now` (``Machine/takeDue(at:limit:)``).
    func takeDue(at now: Timestamp, limit: Int = 64) -> [MailMessage] {
        machine.takeDue(at: now, limit: limit)
    }

    /// When the oldest email still waiting was queued, if any waits.
    package func oldestPendingQueuedAt() -> Int64? { machine.oldestPendingQueuedAt() }

    /// The emails waiting in each lane (retries counted in their own lane).
    package func pendingByLane() -> (urgent: Int, bulk: Int) { machine.pendingByLane() }

    /// Records deliveries.
    package func markDelivered(_ ids: [String]) { machine.markDelivered(ids) }

    /// Records a failed attempt and schedules the next one (``Machine/markFailed(_:error:at:permanent:)``).
    /// Returns whether the email was given up.
    @discardableResult
    package func markFailed(_ id: String, error: String, at now: Timestamp, permanent: Bool = false) -> Bool {
        machine.markFailed(id, error: error, at: now, permanent: permanent)
    }

    /// The pending emails with their attempt state, oldest first.
    package func pendingItems() -> [Pending] { machine.pendingItems() }

    /// The emails given up on since the start, newest last (at most 100).
    package func recentlyAbandoned() -> [Abandoned] { machine.abandoned }

    /// Delivery counts since the start.
    package func currentCounts() -> Counts { machine.counts }
}

extension MailOutbox {
    /// The outbox's decisions apart from its I/O: the lanes, the order per person, retries
    /// and their backoff, and where the cursor may move. ``cursorToSave()`` says what the
    /// driver must make durable, ``cursorSaved(_:)`` hears that it is; the actor around it
    /// (``MailOutbox``) does the writing. Tested directly.
    package struct Machine: Sendable {
        /// Every email not yet delivered (or given up on), by id.
        private var pending: [String: Pending] = [:]
        /// Ids waiting for their first attempt, oldest first, one queue a lane.
        private var urgent = ReadyQueue()
        private var bulk = ReadyQueue()
        /// Ids whose last attempt failed, waiting for their backoff (few: failures are rare).
        private var retrying: Set<String> = []
        package private(set) var abandoned: [Abandoned] = []
        package private(set) var counts = Counts(pending: 0, delivered: 0, failedAttempts: 0, abandoned: 0)
        /// Emails waiting in the bulk lane per recipient, whatever their kind: an urgent email to
        /// one of them waits its turn behind them.
        private var bulkPendingTo: [String: Int] = [:]
        /// How many pending emails wait in the bulk lane, kept as they come and go: the service
        /// reports it after every batch, and counting a backlog of thousands each time would
        /// make a long backlog slower to drain the longer it is.
        private var bulkPendingCount = 0

        /// Every email from records at or before this position is delivered or given up.
        package private(set) var cursor: LogPosition
        /// The last record read from the log in order and handed to ``enqueue(_:through:)``.
        package private(set) var readThrough: LogPosition
        /// The last record read ahead of ``readThrough`` for urgent emails alone.
        package private(set) var aheadThrough: LogPosition = 0
        /// Urgent emails queued by the reading ahead, which the in-order reading passes over.
        package private(set) var expedited: Set<String> = []
        /// For each recipient of a new invitation the reading ahead passed over, its position:
        /// their urgent emails after it are not taken ahead.
        private var passedOver: [String: LogPosition] = [:]
        /// Undone emails per record position, for moving the cursor.
        private var undone: [LogPosition: Int] = [:]
        /// Cursor entries in the journal since it was last compacted.
        private var journalEntries = 1

        /// A machine whose cursor (and in-order reading) stands at `cursor`.
        package init(cursor: LogPosition) {
            self.cursor = cursor
            readThrough = cursor
        }
        /// Queues the emails of the records read in order through `position` (possibly none).
        /// Those the reading ahead already queued are passed over.
        package mutating func enqueue(_ messages: [MailMessage], through position: LogPosition) {
            readThrough = max(readThrough, position)
            for message in messages {
                if expedited.remove(message.id) != nil || pending[message.id] != nil { continue }
                // Behind the person's own earlier invitation, whatever its lane.
                let lane = bulkPendingTo[message.to] == nil ? message.lane : .bulk
                add(message, to: lane)
            }
            if readThrough >= aheadThrough {
                aheadThrough = readThrough
                passedOver.removeAll(keepingCapacity: true)
                expedited.removeAll(keepingCapacity: true)
            }
            counts.pending = pending.count
        }

        /// Where the reading ahead goes on from.
        package var aheadFrom: LogPosition { max(readThrough, aheadThrough) }

        /// The urgent emails waiting, for the reading ahead's own bound.
        package var urgentPendingCount: Int { urgent.count }

        /// Queues urgent emails read ahead of the in-order reading, through `position`, and notes
        /// the recipients of the new invitations it passed over (`passing`, with their records'
        /// positions). An urgent email to someone with an earlier invitation undelivered or passed
        /// over is not taken: the in-order reading queues it behind that invitation.
        package mutating func enqueueAhead(_ messages: [MailMessage], through position: LogPosition, passing: [(to: String, position: LogPosition)]) {
            guard position > aheadFrom else { return }
            aheadThrough = position
            var firstPassed = [String: LogPosition]()
            for (recipient, at) in passing where firstPassed[recipient] == nil { firstPassed[recipient] = at }
            for message in messages where pending[message.id] == nil && message.position > readThrough {
                let held =
                    bulkPendingTo[message.to] != nil || (passedOver[message.to].map { $0 > readThrough } ?? false)
                    || (firstPassed[message.to].map { $0 < message.position } ?? false)
                if held {
                    // Left to the in-order reading; a later urgent email to them must wait for it too.
                    passedOver[message.to] = max(passedOver[message.to] ?? 0, message.position)
                    continue
                }
                expedited.insert(message.id)
                add(message, to: .urgent)
            }
            for (recipient, at) in passing { passedOver[recipient] = max(passedOver[recipient] ?? 0, at) }
            counts.pending = pending.count
        }

        private mutating func add(_ message: MailMessage, to lane: MailLane) {
            pending[message.id] = Pending(message: message, lane: lane, attempts: 0, nextAttemptAt: Timestamp(millisecondsSinceEpoch: 0))
            switch lane {
            case .urgent: urgent.append(message.id)
            case .bulk: bulk.append(message.id)
            }
            if lane == .bulk {
                bulkPendingTo[message.to, default: 0] += 1
                bulkPendingCount += 1
            }
            undone[message.position, default: 0] += 1
        }

        /// The emails waiting or retrying.
        package var pendingCount: Int { pending.count }

        /// Takes up a cursor another node saved, when it is ahead of this one.
        package mutating func takeUp(savedCursor saved: LogPosition) {
            guard saved > cursor else { return }
            cursor = saved
            readThrough = max(readThrough, saved)
        }

        /// Brings the cursor and the readings back to `end` when they stand past it (before
        /// anything is read); whether they moved.
        package mutating func rewind(toLogEnd end: LogPosition) -> Bool {
            guard cursor > end else { return false }
            cursor = end
            readThrough = min(readThrough, end)
            aheadThrough = min(aheadThrough, end)
            return true
        }

        /// Moves the in-order reading past records the log no longer holds; whether the cursor
        /// may follow (nothing read before them is undone).
        package mutating func skip(through position: LogPosition) -> Bool {
            guard position > readThrough, undone.isEmpty else { return false }
            readThrough = position
            return true
        }

        /// The cursor to make durable: past every record whose emails are all done, never past
        /// the in-order reading (emails read ahead may be done while earlier ones are not yet
        /// read); `nil` when it would not move.
        package func cursorToSave() -> LogPosition? {
            let next = min(undone.keys.min().map { $0 > 0 ? $0 - 1 : 0 } ?? readThrough, readThrough)
            return next > cursor ? next : nil
        }

        /// Hears that `position` is durable as the cursor; returns whether the journal has grown
        /// enough to be compacted to this one entry.
        package mutating func cursorSaved(_ position: LogPosition) -> Bool {
            cursor = max(cursor, position)
            journalEntries += 1
            return journalEntries > 10_000
        }

        /// Hears that the journal was compacted to the cursor alone.
        package mutating func journalCompacted() { journalEntries = 1 }

        private mutating func finished(_ item: Pending) {
            let message = item.message
            if item.lane == .bulk {
                bulkPendingCount -= 1
                if let left = bulkPendingTo[message.to] { bulkPendingTo[message.to] = left > 1 ? left - 1 : nil }
            }
            guard let left = undone[message.position] else { return }
            undone[message.position] = left > 1 ? left - 1 : nil
        }

        /// Takes the emails due for an attempt at `now`: first the retries whose backoff is over,
        /// then the oldest urgent ones, then the oldest new invitations, at most `limit`. Each is
        /// handed out once; the caller reports it delivered or failed.
        package mutating func takeDue(at now: Timestamp, limit: Int = 64) -> [MailMessage] {
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
            for lane in [MailLane.urgent, .bulk] {
                while result.count < limit, let id = lane == .urgent ? urgent.next() : bulk.next() {
                    if let item = pending[id] { result.append(item.message) }
                }
            }
            return result
        }

        /// When the oldest email still waiting was queued, if any waits.
        package func oldestPendingQueuedAt() -> Int64? {
            var oldest: Int64?
            func consider(_ id: String?) {
                guard let id, let queuedAt = pending[id]?.message.queuedAt else { return }
                oldest = min(oldest ?? queuedAt, queuedAt)
            }
            consider(urgent.peek())
            consider(bulk.peek())
            for id in retrying { consider(id) }
            return oldest
        }

        /// The emails waiting in each lane (retries counted in their own lane).
        package func pendingByLane() -> (urgent: Int, bulk: Int) {
            (pending.count - bulkPendingCount, bulkPendingCount)
        }

        /// Records deliveries.
        package mutating func markDelivered(_ ids: [String]) {
            for id in ids {
                guard let item = pending.removeValue(forKey: id) else { continue }
                finished(item)
                counts.delivered += 1
            }
            counts.pending = pending.count
        }

        /// Records a failed attempt and schedules the next one: 1 s, 2 s, 4 s … at most 15 minutes
        /// apart; gives up after ``maximumAttempts``, or at once when the failure is `permanent`
        /// (the server refused the message itself). Returns whether the email was given up.
        @discardableResult
        package mutating func markFailed(_ id: String, error: String, at now: Timestamp, permanent: Bool = false) -> Bool {
            guard var item = pending[id] else { return false }
            item.attempts += 1
            item.lastError = error
            counts.failedAttempts += 1
            if item.attempts >= MailOutbox.maximumAttempts || permanent {
                pending[id] = nil
                finished(item)
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
    }
}

/// Which queue of the outbox an email waits in.
package enum MailLane: String, Sendable, CaseIterable {
    /// A person is waiting for it: a sign-in link, a collaborator's link, a resent invitation.
    case urgent
    /// A new invitation: delivered in order, after every urgent email that is due.
    case bulk
}

extension MailMessage {
    /// The lane its kind waits in.
    package var lane: MailLane { kind == "invitation" ? .bulk : .urgent }
}

/// A first-in, first-out queue of email ids whose consumed prefix is dropped now and then.
struct ReadyQueue {
    private var ids: [String] = []
    private var head = 0

    /// The ids not yet taken.
    var count: Int { ids.count - head }

    mutating func append(_ id: String) { ids.append(id) }

    func peek() -> String? { head < ids.count ? ids[head] : nil }

    mutating func next() -> String? {
        guard head < ids.count else { return nil }
        defer {
            head += 1
            // Drop the consumed prefix now and then, so the queue does not grow without bound.
            if head > 4096, head * 2 > ids.count {
                ids.removeFirst(head)
                head = 0
            }
        }
        return ids[head]
    }
}

/// Where an outbox keeps its cursor when not in a journal beside the log: a cluster's database.
package protocol OutboxCursorStore: Sendable {
    /// The cursor as saved (by this node or another).
    func load() async throws -> LogPosition

    /// Saves the cursor durably; throws if it is not saved (the records after the old cursor
    /// are then read again after a restart).
    func save(_ position: LogPosition) async throws
}
