import Foundation
import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterLog
import MusterStorage

/// Remembers the first answer to each POST that carried an `Idempotency-Key`, durably, for at
/// least ``retention``, so that a retry gets that answer instead of a second change.
///
/// One durable write per request: nothing is journaled before the change runs. The change's
/// own log record carries the request's ``RequestMark`` (passed to the engine in the request's
/// `CommandContext`), so it is durable exactly when the change is; after a successful change
/// the answer is journaled once.
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

    struct Stored: Sendable {
        var fingerprint: String
        var at: Timestamp
        var response: APIResponse
    }

    /// What to do with a request carrying a key.
    enum Decision: Sendable {
        /// Run it with the returned mark in its ``CommandContext``; then call
        /// ``complete(scope:key:fingerprint:response:now:)`` or ``release(scope:key:)``.
        case run(RequestMark)
        /// Answer with the stored first answer.
        case replay(APIResponse)
    }

    /// What is decided; this actor only carries out its writes.
    private var machine: Machine
    private let journal: Journal?
    /// The log, once the engine is recovered: where new changes' positions come from.
    private var log: (any DurableRecordSource)?
    /// On a node of a cluster: where answers are kept for whichever node leads next.
    private let sharedAnswers: (any SharedAnswerStore)?

    /// Every request mark at or before this log position has its answer journaled (or its
    /// request ended without one).
    var watermark: LogPosition { machine.watermark }

    /// A store that keeps answers in memory only (tests and data-less runs), or, on a node of
    /// a cluster, in `shared` (the cluster's database) as well.
    init(shared: (any SharedAnswerStore)? = nil) {
        machine = Machine()
        journal = nil
        sharedAnswers = shared
    }

    /// Opens the store on its journal, keeping what is younger than the retention and
    /// compacting the file to just that. Entries of the earlier JSON layout are still read.
    init(path: String, now: Timestamp) throws {
        let (journal, payloads) = try Journal.open(path: path)
        let (machine, live) = Machine.load(payloads.map { JournalEntry($0) }, now: now)
        try journal.rewrite(live.map(\.encoded))
        self.machine = machine
        self.journal = journal
        sharedAnswers = nil
    }

    /// Learns from the recovered log which keyed changes lost their answers in a crash: the
    /// marks after the watermark with no journaled answer. Each is journaled as lost before
    /// this returns, so the watermark can move past its mark and a later restart still knows.
    /// Call it once the engine is recovered and before requests are served; it returns what
    /// the operator should hear of.
    func recover(from durable: DurableEngine, now: Timestamp) async throws -> [String] {
        log = durable.engine.durableRecords
        var warnings = [String]()
        let (after, watermark) = machine.startRecovery(logEnd: durable.report.lastPosition, logHasMarks: !durable.recoveredMarks.isEmpty)
        var marks = durable.recoveredMarks.map { (position: $0.position, mark: $0.mark) }
        let snapshotPosition = durable.report.snapshotPosition
        if after < snapshotPosition {
            // The newest snapshot holds changes after the watermark: read their marks from the
            // segments, which the log kept for this store.
            do {
                let older = try durable.log.records(after: after).prefix { $0.position <= snapshotPosition }
                marks = older.compactMap { record in record.mark.map { (position: record.position, mark: $0) } } + marks
            } catch {
                warnings.append(
                    "idempotency: the log after position \(after) could not be read (\(error)); a request whose answer a crash lost may run again if retried"
                )
            }
        }
        let lost = machine.recover(marks: marks, now: now)
        let entries = (watermark.map { [$0] } ?? []) + lost
        if let journal, !entries.isEmpty {
            try await journal.waitUntilDurable(try journal.enqueue(entries.map(\.encoded)))
            if let watermark { _ = machine.journaled(watermark, now: now) }
        }
        log?.follower("idempotency", consumedThrough: machine.watermark)
        return warnings
    }

    /// Learns of keyed changes another node made (a follower of a cluster applying the log):
    /// this node holds none of their answers, so a retry that reaches it once it leads is
    /// refused as `idempotency_answer_lost` — never run a second time.
    func noteReplicated(_ marks: [RequestMark], now: Timestamp) {
        machine.noteReplicated(marks, now: now)
    }

    /// Takes `key` for a request, or says how to answer it without running it. Nothing is
    /// written: the mark goes into the change's own log record.
    func begin(scope: String, key: String, fingerprint: String, now: Timestamp) throws -> Decision {
        try machine.begin(scope: scope, key: key, fingerprint: fingerprint, durable: log?.durablePosition ?? 0)
    }

    /// Keeps `response` as the answer to `key`, in one journal write that also moves the
    /// watermark. An answer that showed a secret is kept only as the record it created, never
    /// its body, in memory or in the journal.
    func complete(scope: String, key: String, fingerprint: String, response: APIResponse, now: Timestamp) async throws {
        let entry = machine.complete(
            scope: scope,
            key: key,
            fingerprint: fingerprint,
            response: response,
            now: now,
            durable: log?.durablePosition ?? 0
        )
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
        let answers = try await sharedAnswers.answers(since: horizon).compactMap { bytes -> JournalEntry.Answer? in
            guard case .answer(let answer) = JournalEntry(bytes) else { return nil }
            return answer
        }
        machine.adopt(answers)
    }

    /// Forgets `key` after a refusal (which changed nothing and left no mark), so a retry runs
    /// again. Nothing is written.
    func release(scope: String, key: String) {
        machine.release(scope: scope, key: key, durable: log?.durablePosition ?? 0)
    }

    /// Journals the watermark if it moved and nothing has journaled it for a while, so that an
    /// idle store neither holds the log's segments nor makes a restart read far back.
    func advanceWatermark(now: Timestamp) async {
        guard let entry = machine.advance(now: now, durable: log?.durablePosition ?? 0) else { return }
        try? await write(entry, now: now)
    }

    /// Drops answers older than the retention from memory (the journal is compacted at the
    /// next start).
    func prune(now: Timestamp) {
        machine.prune(now: now)
    }

    private func write(_ entry: JournalEntry, now: Timestamp) async throws {
        guard let journal else { return }
        // Queued in the actor's step, so entries reach the file in the order they were made: a
        // watermark never lands before an answer it counts as written.
        let ticket = try journal.enqueue([entry.encoded])
        try await journal.waitUntilDurable(ticket)
        if let position = machine.journaled(entry, now: now) {
            log?.follower("idempotency", consumedThrough: position)
        }
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
