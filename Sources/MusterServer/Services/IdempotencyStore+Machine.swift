import HTTPTypes
import MusterDomain
import MusterEngine
import MusterLog

extension IdempotencyStore {
    /// The store's decisions apart from its I/O: which requests run, which are answered from
    /// what was kept, where the watermark stands, and what must be written down.
    ///
    /// Its methods take what the driver knows — the clock, the log's durable end — and return
    /// what the driver must do: journal entries to write (and wait for), the log position the
    /// store has consumed through. ``IdempotencyStore`` is the thin actor that carries them out;
    /// the machine itself is tested directly.
    struct Machine {
        enum Slot {
            /// Running now, in this process. Its changes come after log position `since`.
            case running(fingerprint: String, since: LogPosition)
            /// Its change is in the log, but a restart lost its answer.
            case answerLost(fingerprint: String, at: Timestamp)
            /// Reserved, under the earlier journal layout, before a restart that lost the
            /// answer: the change may or may not have been made.
            case outcomeUnknown(fingerprint: String, at: Timestamp)
            case completed(Stored)
        }

        struct Key: Hashable {
            var scope: String
            var key: String
        }

        private(set) var slots: [Key: Slot] = [:]
        /// Every request mark at or before this log position has its answer journaled (or its
        /// request ended without one).
        private(set) var watermark: LogPosition = 0
        /// The watermark as last journaled, and when (milliseconds since the epoch).
        private(set) var journaledWatermark: (position: LogPosition, at: Int64) = (0, 0)
        /// Whether the journal held an entry of this layout: if not, this version never ran on
        /// the data folder, and no record in its log carries a mark.
        private(set) var journalHasWatermark = false

        /// A machine with nothing kept (tests, data-less runs, a node of a cluster).
        init() {}

        /// The machine for a journal's entries (`nil` for one that does not read), keeping what
        /// is younger than the retention at `now`; and the entries a compacted journal keeps:
        /// the watermark, then every lost or unknown key, then the answers in their order.
        static func load(_ entries: [JournalEntry?], now: Timestamp) -> (machine: Machine, live: [JournalEntry]) {
            var machine = Machine()
            let horizon = now.adding(Span(milliseconds: -IdempotencyStore.retention.milliseconds)).millisecondsSinceEpoch
            var answers = [Key: JournalEntry.Answer]()
            var order = [Key]()
            for entry in entries {
                switch entry {
                case .answer(let answer) where answer.at >= horizon:
                    let key = Key(scope: answer.scope, key: answer.key)
                    if answers[key] == nil { order.append(key) }
                    answers[key] = answer
                    machine.watermark = max(machine.watermark, answer.watermark)
                case .watermark(let position):
                    machine.watermark = max(machine.watermark, position)
                    machine.journalHasWatermark = true
                case .lost(let scope, let key, let fingerprint, let at) where at >= horizon:
                    machine.slots[Key(scope: scope, key: key)] = .answerLost(fingerprint: fingerprint, at: Timestamp(millisecondsSinceEpoch: at))
                case .reservation(let scope, let key, let fingerprint, let at) where at >= horizon:
                    // Written before marks existed: its outcome is unknown, as it was then.
                    machine.slots[Key(scope: scope, key: key)] = .outcomeUnknown(
                        fingerprint: fingerprint,
                        at: Timestamp(millisecondsSinceEpoch: at)
                    )
                case .released(let scope, let key):
                    machine.slots[Key(scope: scope, key: key)] = nil
                    answers[Key(scope: scope, key: key)] = nil
                case .answer, .reservation, .lost, nil:
                    continue
                }
            }
            // Written even when the journal had none: from now on the journal says this version
            // runs here, so a change keyed from this moment is looked for at the next start —
            // from 0, if this process ends before recovery journals the watermark it chose.
            var live = [JournalEntry.watermark(machine.watermark)]
            for (key, slot) in machine.slots.sorted(by: { ($0.key.scope, $0.key.key) < ($1.key.scope, $1.key.key) }) where answers[key] == nil {
                switch slot {
                case .outcomeUnknown(let fingerprint, let at):
                    live.append(.reservation(scope: key.scope, key: key.key, fingerprint: fingerprint, at: at.millisecondsSinceEpoch))
                case .answerLost(let fingerprint, let at):
                    live.append(.lost(scope: key.scope, key: key.key, fingerprint: fingerprint, at: at.millisecondsSinceEpoch))
                case .running, .completed:
                    continue
                }
            }
            for key in order {
                guard let answer = answers[key] else { continue }
                machine.slots[key] = .completed(answer.stored)
                live.append(.answer(answer))
            }
            machine.journaledWatermark = (machine.watermark, now.millisecondsSinceEpoch)
            return (machine, live)
        }

        /// Where recovery starts reading marks: after the watermark, or — when the journal has
        /// no watermark and the recovered log no marks, so this version never ran on the folder
        /// — after the log's end. Without a watermark but with marks in the log (a journal lost
        /// or damaged at its start), it reads them from the watermark it has, as if it had one.
        /// Either way it returns the watermark to journal before requests are served: until one
        /// is written, the next start cannot tell which case it is in.
        mutating func startRecovery(logEnd: LogPosition, logHasMarks: Bool) -> (after: LogPosition, journal: JournalEntry?) {
            guard !journalHasWatermark else { return (watermark, nil) }
            if !logHasMarks { watermark = max(watermark, logEnd) }
            journalHasWatermark = true
            return (watermark, .watermark(watermark))
        }

        /// The keyed changes the recovered log holds `marks` of, after the watermark: each one
        /// without a kept answer lost it in a crash. Returns the entries to journal, durably,
        /// before requests are served.
        mutating func recover(marks: [(position: LogPosition, mark: RequestMark)], now: Timestamp) -> [JournalEntry] {
            var lost = [JournalEntry]()
            for (position, mark) in marks where position > watermark {
                let key = Key(scope: mark.scope, key: mark.key)
                switch slots[key] {
                case .completed, .answerLost: continue
                default: break
                }
                slots[key] = .answerLost(fingerprint: mark.fingerprint, at: now)
                lost.append(.lost(scope: mark.scope, key: mark.key, fingerprint: mark.fingerprint, at: now.millisecondsSinceEpoch))
            }
            return lost
        }

        /// Keyed changes another node made: this node holds none of their answers.
        mutating func noteReplicated(_ marks: [RequestMark], now: Timestamp) {
            for mark in marks {
                let key = Key(scope: mark.scope, key: mark.key)
                switch slots[key] {
                case .completed, .answerLost: continue
                default: slots[key] = .answerLost(fingerprint: mark.fingerprint, at: now)
                }
            }
        }

        /// Takes `key` for a request (its changes come after `durable`, the log's durable end),
        /// or says how to answer it without running it.
        mutating func begin(scope: String, key: String, fingerprint: String, durable: LogPosition) throws(Problem) -> Decision {
            let slotKey = Key(scope: scope, key: key)
            switch slots[slotKey] {
            case .running(let first, _):
                guard first == fingerprint else { throw Self.mismatch(key) }
                throw Problem(
                    .conflict,
                    code: "idempotency_key_in_use",
                    "a request with Idempotency-Key \"\(key)\" is still running; retry after it has answered"
                )
            case .answerLost(let first, _):
                guard first == fingerprint else { throw Self.mismatch(key) }
                throw Problem(
                    .conflict,
                    code: "idempotency_answer_lost",
                    "the first request with Idempotency-Key \"\(key)\" was applied (in whole or in part), but a restart lost its answer; read the resource to see the result, and use a new key for any new request"
                )
            case .outcomeUnknown(let first, _):
                guard first == fingerprint else { throw Self.mismatch(key) }
                throw Problem(
                    .conflict,
                    code: "idempotency_outcome_unknown",
                    "the first request with Idempotency-Key \"\(key)\" was interrupted by a restart before it answered; it may or may not have been applied — check the resource, then retry with a new key"
                )
            case .completed(let stored):
                guard stored.fingerprint == fingerprint else { throw Self.mismatch(key) }
                return .replay(stored.response)
            case nil:
                slots[slotKey] = .running(fingerprint: fingerprint, since: durable)
                return .run(RequestMark(scope: scope, key: key, fingerprint: fingerprint))
            }
        }

        /// Keeps `response` as the answer to `key`; returns the one entry to journal (and, on a
        /// node of a cluster, to share). An answer that showed a secret is kept only as the
        /// record it created, never its body.
        mutating func complete(
            scope: String,
            key: String,
            fingerprint: String,
            response: APIResponse,
            now: Timestamp,
            durable: LogPosition
        )
            -> JournalEntry
        {
            var kept = response
            if response.secretOf != nil {
                kept.body = []
                kept.extraHeaders = []
            }
            let stored = Stored(fingerprint: fingerprint, at: now, response: kept)
            slots[Key(scope: scope, key: key)] = .completed(stored)
            let position = lowestUnfinished(durable: durable)
            watermark = max(watermark, position)
            return .answer(JournalEntry.Answer(scope: scope, key: key, stored: stored, watermark: position))
        }

        /// Records that `entry` is durable in the journal; returns the log position the store
        /// has now consumed through, when that moved.
        mutating func journaled(_ entry: JournalEntry, now: Timestamp) -> LogPosition? {
            let position = entry.watermark
            guard position > journaledWatermark.position else { return nil }
            journaledWatermark = (position, now.millisecondsSinceEpoch)
            return position
        }

        /// Takes up answers another node kept, except for keys running here.
        mutating func adopt(_ answers: [JournalEntry.Answer]) {
            for answer in answers {
                let key = Key(scope: answer.scope, key: answer.key)
                if case .running = slots[key] { continue }
                slots[key] = .completed(answer.stored)
            }
        }

        /// Forgets `key` after a refusal, which changed nothing and left no mark.
        mutating func release(scope: String, key: String, durable: LogPosition) {
            slots[Key(scope: scope, key: key)] = nil
            watermark = max(watermark, lowestUnfinished(durable: durable))
        }

        /// Moves the watermark along with the log; returns a watermark entry to journal when it
        /// moved and nothing has journaled it for ten seconds (an idle store must neither hold
        /// the log's segments nor make a restart read far back).
        mutating func advance(now: Timestamp, durable: LogPosition) -> JournalEntry? {
            watermark = max(watermark, lowestUnfinished(durable: durable))
            guard watermark > journaledWatermark.position, now.millisecondsSinceEpoch - journaledWatermark.at >= 10_000 else { return nil }
            return .watermark(watermark)
        }

        /// Drops what is older than the retention (the journal is compacted at the next start).
        mutating func prune(now: Timestamp) {
            let horizon = now.adding(Span(milliseconds: -IdempotencyStore.retention.milliseconds))
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
        private func lowestUnfinished(durable: LogPosition) -> LogPosition {
            var lowest = durable
            for case .running(_, let since) in slots.values { lowest = min(lowest, since) }
            return lowest
        }

        private static func mismatch(_ key: String) -> Problem {
            Problem(
                .unprocessableContent,
                code: "idempotency_key_reused",
                "Idempotency-Key \"\(key)\" was already used for a different request; use a new key for a new request"
            )
        }
    }
}
