import HTTPTypes
import MusterDomain
import MusterEngine
import MusterLog
import Testing

@testable import MusterServer

/// The idempotency store's machine, driven directly: what it decides for each state of a key,
/// where its watermark stands, and what it asks to have written.
@Suite("The idempotency machine")
struct IdempotencyMachineTests {
    typealias Machine = IdempotencyStore.Machine
    static let start = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    /// The code of what `begin` refuses with, or "run" / "replay".
    static func outcome(_ machine: inout Machine, key: String = "k", fingerprint: String = "f", durable: LogPosition = 10) -> String {
        do {
            switch try machine.begin(scope: "user:a", key: key, fingerprint: fingerprint, durable: durable) {
            case .run: return "run"
            case .replay: return "replay"
            }
        } catch {
            return error.code
        }
    }

    static func answer(_ text: String = "{}", secret: String? = nil) -> APIResponse {
        var response = APIResponse(status: .created, body: Array(text.utf8))
        response.secretOf = secret
        return response
    }

    /// How a second request with the same key (and the same or another fingerprint) is
    /// answered, for each state the first one left the key in.
    @Test(
        "A second request with the key is answered by the state the first left it in",
        arguments: [
            // (the state, the second's fingerprint, what it gets)
            ("running", "f", "idempotency_key_in_use"), ("running", "g", "idempotency_key_reused"),
            ("completed", "f", "replay"), ("completed", "g", "idempotency_key_reused"),
            ("released", "f", "run"), ("released", "g", "run"),
            ("lost", "f", "idempotency_answer_lost"), ("lost", "g", "idempotency_key_reused"),
            ("replicated", "f", "idempotency_answer_lost"),
        ]
    )
    func secondRequestByState(state: String, fingerprint: String, expected: String) {
        var machine = Machine()
        switch state {
        case "lost":
            _ = machine.recover(marks: [(position: 11, mark: RequestMark(scope: "user:a", key: "k", fingerprint: "f"))], now: Self.start)
        case "replicated":
            machine.noteReplicated([RequestMark(scope: "user:a", key: "k", fingerprint: "f")], now: Self.start)
        default:
            #expect(Self.outcome(&machine) == "run")
            if state == "completed" {
                _ = machine.complete(scope: "user:a", key: "k", fingerprint: "f", response: Self.answer(), now: Self.start, durable: 12)
            }
            if state == "released" { machine.release(scope: "user:a", key: "k", durable: 12) }
        }
        #expect(Self.outcome(&machine, fingerprint: fingerprint) == expected)
    }

    @Test("A key belongs to its caller: the same key from another caller runs")
    func keysAreScopedToTheirCaller() throws {
        var machine = Machine()
        #expect(Self.outcome(&machine) == "run")
        guard case .run = try machine.begin(scope: "user:b", key: "k", fingerprint: "f", durable: 10) else {
            Issue.record("another caller's key was taken")
            return
        }
    }

    @Test("The watermark stays at the oldest running request's start, and moves once it ends")
    func watermarkWaitsForRunningRequests() {
        var machine = Machine()
        #expect(Self.outcome(&machine, key: "a", durable: 5) == "run")
        #expect(Self.outcome(&machine, key: "b", durable: 9) == "run")
        let first = machine.complete(scope: "user:a", key: "b", fingerprint: "f", response: Self.answer(), now: Self.start, durable: 20)
        #expect(first.watermark == 5, "a is still running from 5")
        machine.release(scope: "user:a", key: "a", durable: 30)
        #expect(machine.watermark == 30)
    }

    @Test("An answer that showed a secret is kept without its body or headers")
    func secretsAreNeverKept() throws {
        var machine = Machine()
        #expect(Self.outcome(&machine) == "run")
        var response = Self.answer(#"{"secret":"mka_x"}"#, secret: "api_key:1")
        response.extraHeaders = [("Location", "/v1/x")]
        let entry = machine.complete(scope: "user:a", key: "k", fingerprint: "f", response: response, now: Self.start, durable: 12)
        guard case .answer(let answer) = entry else {
            Issue.record("no answer entry")
            return
        }
        #expect(answer.stored.response.body.isEmpty && answer.stored.response.extraHeaders.isEmpty)
        guard case .replay(let replayed) = try machine.begin(scope: "user:a", key: "k", fingerprint: "f", durable: 12) else {
            Issue.record("not replayed")
            return
        }
        #expect(replayed.body.isEmpty && replayed.secretOf == "api_key:1")
    }

    @Test("An idle store journals its watermark only once it moved and ten seconds have passed")
    func idleWatermarkIsJournaledAtMostEveryTenSeconds() {
        var (machine, _) = Machine.load([], now: Self.start)
        #expect(machine.advance(now: Self.start.adding(.seconds(5)), durable: 40) == nil, "too soon")
        let entry = machine.advance(now: Self.start.adding(.seconds(11)), durable: 40)
        #expect(entry?.watermark == 40)
        #expect(machine.journaled(entry!, now: Self.start.adding(.seconds(11))) == 40, "the log may drop what the store consumed")
        #expect(machine.advance(now: Self.start.adding(.seconds(30)), durable: 40) == nil, "it did not move")
    }

    @Test("Recovery marks as lost only the keys after the watermark with no kept answer")
    func recoveryFindsLostAnswers() {
        var machine = Machine()
        #expect(Self.outcome(&machine, key: "kept") == "run")
        _ = machine.complete(scope: "user:a", key: "kept", fingerprint: "f", response: Self.answer(), now: Self.start, durable: 50)
        let marks = [("old", 3), ("kept", 60), ("gone", 61)].map {
            (position: LogPosition($0.1), mark: RequestMark(scope: "user:a", key: $0.0, fingerprint: "f"))
        }
        let lost = machine.recover(marks: marks, now: Self.start)
        #expect(lost.count == 1)
        #expect(Self.outcome(&machine, key: "gone") == "idempotency_answer_lost")
        #expect(Self.outcome(&machine, key: "old") == "run", "at or before the watermark: its answer was journaled or it ended")
    }

    @Test("Loading drops what is past the retention and what was released, and keeps the rest in order")
    func loadingCompacts() throws {
        let old = Self.start.adding(Span(milliseconds: -IdempotencyStore.retention.milliseconds - 1))
        func answer(_ key: String, at: Timestamp, watermark: LogPosition) -> IdempotencyStore.JournalEntry {
            .answer(.init(scope: "user:a", key: key, stored: .init(fingerprint: "f", at: at, response: Self.answer()), watermark: watermark))
        }
        let entries: [IdempotencyStore.JournalEntry?] = [
            .watermark(6), answer("stale", at: old, watermark: 4), answer("b", at: Self.start, watermark: 7), nil,
            .lost(scope: "user:a", key: "l", fingerprint: "f", at: Self.start.millisecondsSinceEpoch),
            answer("released", at: Self.start, watermark: 8), .released(scope: "user:a", key: "released"),
        ]
        var (machine, live) = Machine.load(entries, now: Self.start)
        #expect(machine.watermark == 8)
        #expect(live.count == 3, "the watermark, the lost key and b")
        #expect(Self.outcome(&machine, key: "stale") == "run")
        #expect(Self.outcome(&machine, key: "released") == "run")
        #expect(Self.outcome(&machine, key: "b") == "replay")
        #expect(Self.outcome(&machine, key: "l") == "idempotency_answer_lost")
        #expect(machine.startRecovery(logEnd: 100, logHasMarks: false).after == 8, "a journal of this layout: marks after its watermark are read")
        var (fresh, _) = Machine.load([], now: Self.start)
        let first = fresh.startRecovery(logEnd: 100, logHasMarks: false)
        #expect(first.after == 100, "never ran here: no record carries a mark")
        #expect(first.journal?.watermark == 100, "and that is journaled before requests are served")
        // The next start reads from there, not from the log's beginning.
        var (restarted, _) = Machine.load([try #require(first.journal)], now: Self.start)
        let second = restarted.startRecovery(logEnd: 130, logHasMarks: false)
        #expect(second.after == 100)
        #expect(second.journal == nil)
    }

    @Test("A journal lost while the log holds marks: the marks are read, and a key whose answer is gone is refused, not run twice")
    func aLostJournalStillFindsLostAnswers() {
        var (machine, _) = Machine.load([], now: Self.start)
        let start = machine.startRecovery(logEnd: 100, logHasMarks: true)
        #expect(start.after == 0, "read from the beginning the log still has")
        #expect(start.journal?.watermark == 0)
        let lost = machine.recover(marks: [(position: 50, mark: RequestMark(scope: "user:a", key: "retried", fingerprint: "f"))], now: Self.start)
        #expect(lost.count == 1)
        #expect(Self.outcome(&machine, key: "retried") == "idempotency_answer_lost")
    }
}
