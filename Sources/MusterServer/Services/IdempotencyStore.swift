import Foundation
import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterLog

/// Remembers the first answer to each POST that carried an `Idempotency-Key`, durably, for at
/// least ``retention``, so that a retry gets that answer instead of a second change.
///
/// One durable write per request: nothing is journaled before the change runs. The change's
/// own log record carries the request's ``RequestMark`` (set around the handler), so it is
/// durable exactly when the change is; after a successful change the answer is journaled once.
/// A refusal changed nothing and left no mark, so its key is simply released. After a crash the
/// log says what the journal cannot: a key whose mark is in the log but whose answer is not
/// journaled was applied and lost its answer (`idempotency_answer_lost`); a key with neither
/// was never applied, and a retry runs it.
///
/// The journal also keeps a *watermark*: every mark at or before it has its answer journaled
/// or belongs to a request that ended. A restart reads the marks after it, and the log keeps
/// the segments after it (the store is one of the log's followers).
actor IdempotencyStore {
    /// How long answers are kept.
    static let retention = Span.hours(24)

    private enum Slot {
        /// Running now, in this process. Its changes come after log position `since`.
        case running(fingerprint: String, since: LogPosition)
        /// Its change is in the log, but a restart lost its answer.
        case answerLost(fingerprint: String, at: Timestamp)
        /// Reserved, under the earlier journal layout, before a restart that lost the answer:
        /// the change may or may not have been made.
        case outcomeUnknown(fingerprint: String, at: Timestamp)
        case completed(Stored)
    }

    struct Stored: Sendable {
        var fingerprint: String
        var at: Timestamp
        var response: APIResponse
    }

    private struct Key: Hashable {
        var scope: String
        var key: String
    }

    private var slots: [Key: Slot] = [:]
    private let journal: Journal?
    /// Every request mark at or before this log position has its answer journaled (or its
    /// request ended without one).
    private(set) var watermark: LogPosition = 0
    /// The watermark as last journaled, and when (milliseconds since the epoch).
    private var journaledWatermark: (position: LogPosition, at: Int64) = (0, 0)
    /// The log, once the engine is recovered: where new changes' positions come from.
    private var log: (any DurableRecordSource)?
    /// Whether the journal held an entry of this layout: if not, this version never ran on the
    /// data folder, and no record in its log carries a mark.
    private var journalHasWatermark = false

    /// On a node of a cluster: where answers are kept for whichever node leads next.
    private let sharedAnswers: (any SharedAnswerStore)?

    /// A store that keeps answers in memory only (tests and data-less runs), or, on a node of
    /// a cluster, in `shared` (the cluster's database) as well.
    init(shared: (any SharedAnswerStore)? = nil) {
        journal = nil
        sharedAnswers = shared
    }

    /// Opens the store on its journal, keeping what is younger than the retention and
    /// compacting the file to just that. Entries of the earlier JSON layout are still read.
    init(path: String, now: Timestamp) throws {
        let (journal, payloads) = try Journal.open(path: path)
        self.journal = journal
        sharedAnswers = nil
        let horizon = now.adding(Span(milliseconds: -Self.retention.milliseconds)).millisecondsSinceEpoch
        var answers = [Key: JournalEntry.Answer]()
        var order = [Key]()
        for payload in payloads {
            switch JournalEntry(payload) {
            case .answer(let answer) where answer.at >= horizon:
                let key = Key(scope: answer.scope, key: answer.key)
                if answers[key] == nil { order.append(key) }
                answers[key] = answer
                watermark = max(watermark, answer.watermark)
            case .watermark(let position):
                watermark = max(watermark, position)
                journalHasWatermark = true
            case .lost(let scope, let key, let fingerprint, let at) where at >= horizon:
                slots[Key(scope: scope, key: key)] = .answerLost(fingerprint: fingerprint, at: Timestamp(millisecondsSinceEpoch: at))
            case .reservation(let scope, let key, let fingerprint, let at) where at >= horizon:
                // Written before marks existed: its outcome is unknown, as it was then.
                slots[Key(scope: scope, key: key)] = .outcomeUnknown(fingerprint: fingerprint, at: Timestamp(millisecondsSinceEpoch: at))
            case .released(let scope, let key):
                slots[Key(scope: scope, key: key)] = nil
                answers[Key(scope: scope, key: key)] = nil
            case .answer, .reservation, .lost, nil:
                continue
            }
        }
        var live = [JournalEntry.watermark(watermark).encoded]
        for (key, slot) in slots where answers[key] == nil {
            switch slot {
            case .outcomeUnknown(let fingerprint, let at):
                live.append(JournalEntry.reservation(scope: key.scope, key: key.key, fingerprint: fingerprint, at: at.millisecondsSinceEpoch).encoded)
            case .answerLost(let fingerprint, let at):
                live.append(JournalEntry.lost(scope: key.scope, key: key.key, fingerprint: fingerprint, at: at.millisecondsSinceEpoch).encoded)
            case .running, .completed:
                continue
            }
        }
        for key in order {
            guard let answer = answers[key] else { continue }
            slots[key] = .completed(answer.stored)
            live.append(JournalEntry.answer(answer).encoded)
        }
        try journal.rewrite(live)
        journaledWatermark = (watermark, now.millisecondsSinceEpoch)
    }

    /// Learns from the recovered log which keyed changes lost their answers in a crash: the
    /// marks after the watermark with no journaled answer. Each is journaled as lost before
    /// this returns, so the watermark can move past its mark and a later restart still knows.
    /// Call it once the engine is recovered and before requests are served; it returns what
    /// the operator should hear of.
    func recover(from durable: DurableEngine, now: Timestamp) async throws -> [String] {
        log = durable.engine.durableRecords
        var warnings = [String]()
        if !journalHasWatermark {
            // This version never ran here: no record carries a mark, and the log before this
            // start may be compacted, so nothing is read.
            watermark = max(watermark, durable.report.lastPosition)
        }
        var marks = durable.recoveredMarks.filter { $0.position > watermark }
        let snapshotPosition = durable.report.snapshotPosition
        if watermark < snapshotPosition {
            // The newest snapshot holds changes after the watermark: read their marks from the
            // segments, which the log kept for this store.
            do {
                let older = try durable.log.records(after: watermark).prefix { $0.position <= snapshotPosition }
                marks = older.compactMap { record in record.mark.map { (record.position, $0) } } + marks
            } catch {
                warnings.append(
                    "idempotency: the log after position \(watermark) could not be read (\(error)); a request whose answer a crash lost may run again if retried"
                )
            }
        }
        var lost = [JournalEntry]()
        for (_, mark) in marks {
            let key = Key(scope: mark.scope, key: mark.key)
            switch slots[key] {
            case .completed, .answerLost: continue
            default: break
            }
            slots[key] = .answerLost(fingerprint: mark.fingerprint, at: now)
            lost.append(.lost(scope: mark.scope, key: mark.key, fingerprint: mark.fingerprint, at: now.millisecondsSinceEpoch))
        }
        if let journal, !lost.isEmpty {
            try await journal.waitUntilDurable(try journal.enqueue(lost.map(\.encoded)))
        }
        log?.follower("idempotency", consumedThrough: watermark)
        return warnings
    }

    /// Learns of keyed changes another node made (a follower of a cluster applying the log):
    /// this node holds none of their answers, so a retry that reaches it once it leads is
    /// refused as `idempotency_answer_lost` — never run a second time.
    func noteReplicated(_ marks: [RequestMark], now: Timestamp) {
        for mark in marks {
            let key = Key(scope: mark.scope, key: mark.key)
            switch slots[key] {
            case .completed, .answerLost: continue
            default: slots[key] = .answerLost(fingerprint: mark.fingerprint, at: now)
            }
        }
    }

    /// What to do with a request carrying `key`.
    enum Decision: Sendable {
        /// Run it inside the returned mark's scope (``RequestMark/current``); then call
        /// ``complete`` or ``release``.
        case run(RequestMark)
        /// Answer with the stored first answer.
        case replay(APIResponse)
    }

    /// Takes `key` for a request, or says how to answer it without running it. Nothing is
    /// written: the mark goes into the change's own log record.
    func begin(scope: String, key: String, fingerprint: String, now: Timestamp) throws -> Decision {
        let slotKey = Key(scope: scope, key: key)
        switch slots[slotKey] {
        case .running(let first, _):
            guard first == fingerprint else { throw Self.mismatch(key) }
            throw Problem(.conflict, code: "idempotency_key_in_use", "a request with Idempotency-Key \"\(key)\" is still running; retry after it has answered")
        case .answerLost(let first, _):
            guard first == fingerprint else { throw Self.mismatch(key) }
            throw Problem(
                .conflict, code: "idempotency_answer_lost",
                "the first request with Idempotency-Key \"\(key)\" was applied (in whole or in part), but a restart lost its answer; read the resource to see the result, and use a new key for any new request"
            )
        case .outcomeUnknown(let first, _):
            guard first == fingerprint else { throw Self.mismatch(key) }
            throw Problem(
                .conflict, code: "idempotency_outcome_unknown",
                "the first request with Idempotency-Key \"\(key)\" was interrupted by a restart before it answered; it may or may not have been applied — check the resource, then retry with a new key"
            )
        case .completed(let stored):
            guard stored.fingerprint == fingerprint else { throw Self.mismatch(key) }
            return .replay(stored.response)
        case nil:
            slots[slotKey] = .running(fingerprint: fingerprint, since: log?.durablePosition ?? 0)
            return .run(RequestMark(scope: scope, key: key, fingerprint: fingerprint))
        }
    }

    /// Keeps `response` as the answer to `key`, in one journal write that also moves the
    /// watermark. An answer that showed a secret is kept only as the record it created, never
    /// its body, in memory or in the journal.
    func complete(scope: String, key: String, fingerprint: String, response: APIResponse, now: Timestamp) async throws {
        var kept = response
        if response.secretOf != nil {
            kept.body = []
            kept.extraHeaders = []
        }
        let stored = Stored(fingerprint: fingerprint, at: now, response: kept)
        slots[Key(scope: scope, key: key)] = .completed(stored)
        let position = currentWatermark()
        watermark = max(watermark, position)
        let entry = JournalEntry.answer(JournalEntry.Answer(scope: scope, key: key, stored: stored, watermark: position))
        try await write(entry, now: now)
        try await sharedAnswers?.save(scope: scope, key: key, at: now.millisecondsSinceEpoch, entry: entry.encoded)
    }

    /// Takes up the answers kept in the cluster's database (a node that is about to lead: a
    /// retry that reaches it gets the first answer, whichever node gave it), and deletes those
    /// past the retention there.
    func adoptSharedAnswers(now: Timestamp) async throws {
        guard let sharedAnswers else { return }
        let horizon = now.adding(Span(milliseconds: -Self.retention.milliseconds)).millisecondsSinceEpoch
        try await sharedAnswers.prune(before: horizon)
        for bytes in try await sharedAnswers.answers(since: horizon) {
            guard case .answer(let answer) = JournalEntry(bytes) else { continue }
            let key = Key(scope: answer.scope, key: answer.key)
            if case .running = slots[key] { continue }
            slots[key] = .completed(answer.stored)
        }
    }

    /// Forgets `key` after a refusal (which changed nothing and left no mark), so a retry runs
    /// again. Nothing is written.
    func release(scope: String, key: String) {
        slots[Key(scope: scope, key: key)] = nil
        watermark = max(watermark, currentWatermark())
    }

    /// Journals the watermark if it moved and nothing has journaled it for a while, so that an
    /// idle store neither holds the log's segments nor makes a restart read far back.
    func advanceWatermark(now: Timestamp) async {
        watermark = max(watermark, currentWatermark())
        guard watermark > journaledWatermark.position, now.millisecondsSinceEpoch - journaledWatermark.at >= 10_000 else { return }
        try? await write(.watermark(watermark), now: now)
    }

    /// Drops answers older than the retention from memory (the journal is compacted at the
    /// next start).
    func prune(now: Timestamp) {
        let horizon = now.adding(Span(milliseconds: -Self.retention.milliseconds))
        slots = slots.filter { _, slot in
            switch slot {
            case .running: true
            case .answerLost(_, let at), .outcomeUnknown(_, let at): at >= horizon
            case .completed(let stored): stored.at >= horizon
            }
        }
    }

    /// The lowest position a running request's changes may follow, or the log's durable end
    /// when none runs: every mark up to it belongs to a request that has ended.
    private func currentWatermark() -> LogPosition {
        var lowest = log?.durablePosition ?? 0
        for case .running(_, let since) in slots.values { lowest = min(lowest, since) }
        return lowest
    }

    private func write(_ entry: JournalEntry, now: Timestamp) async throws {
        guard let journal else { return }
        // Queued in the actor's step, so entries reach the file in the order they were made: a
        // watermark never lands before an answer it counts as written.
        let ticket = try journal.enqueue([entry.encoded])
        try await journal.waitUntilDurable(ticket)
        let position = entry.watermark
        if position > journaledWatermark.position {
            journaledWatermark = (position, now.millisecondsSinceEpoch)
            log?.follower("idempotency", consumedThrough: position)
        }
    }

    private static func mismatch(_ key: String) -> Problem {
        Problem(
            .unprocessableContent, code: "idempotency_key_reused",
            "Idempotency-Key \"\(key)\" was already used for a different request; use a new key for a new request")
    }
}

/// Where a node of a cluster keeps idempotency answers for the next leader: the database.
protocol SharedAnswerStore: Sendable {
    /// Keeps one answer (the journal entry's bytes), replacing an earlier one under its key.
    func save(scope: String, key: String, at: Int64, entry: [UInt8]) async throws
    /// The answers kept since `since` (milliseconds since the epoch), oldest first.
    func answers(since: Int64) async throws -> [[UInt8]]
    /// Deletes the answers made before `before`.
    func prune(before: Int64) async throws
}
