import MusterDomain
import Testing

@testable import MusterDelivery

/// The outbox's machine, driven directly: retries and their backoff, and where the cursor may
/// move — what the actor around it makes durable.
@Suite("The outbox's machine")
struct OutboxMachineTests {
    typealias Machine = MailOutbox.Machine
    static let start = Timestamp(millisecondsSinceEpoch: 1_800_000_000_000)

    static func message(_ kind: String = "invitation", to: String, position: UInt64, index: Int = 0) -> MailMessage {
        MailMessage(id: "\(position)-\(index)", kind: kind, to: to, subject: "Hello", text: "Hi", queuedAt: Int64(position), position: position)
    }

    @Test(
        "A failed email is tried again after 1 s, 2 s, 4 s … at most 15 minutes apart",
        arguments: [(1, 1_000), (2, 2_000), (3, 4_000), (10, 512_000), (11, 900_000), (19, 900_000)]
    )
    func backoffDoubles(failures: Int, delay: Int64) {
        var machine = Machine(cursor: 0)
        machine.enqueue([Self.message(to: "a@example.org", position: 1)], through: 1)
        var now = Self.start
        for _ in 0..<failures {
            _ = machine.takeDue(at: now)
            let gaveUp = machine.markFailed("1-0", error: "421 busy", at: now)
            #expect(!gaveUp)
        }
        #expect(machine.takeDue(at: now.adding(Span(milliseconds: delay - 1))).isEmpty, "not before its backoff")
        now = now.adding(Span(milliseconds: delay))
        #expect(machine.takeDue(at: now).map(\.id) == ["1-0"])
    }

    @Test("An email is given up after twenty failures, or at once when the failure is permanent; either way its record is done")
    func givingUp() {
        var machine = Machine(cursor: 0)
        machine.enqueue([Self.message(to: "a@example.org", position: 1), Self.message(to: "b@example.org", position: 2)], through: 2)
        for attempt in 1...MailOutbox.maximumAttempts {
            let gaveUp = machine.markFailed("1-0", error: "421 busy", at: Self.start)
            #expect(gaveUp == (attempt == MailOutbox.maximumAttempts))
        }
        let permanent = machine.markFailed("2-0", error: "550 no such user", at: Self.start, permanent: true)
        #expect(permanent)
        #expect(machine.counts.abandoned == 2 && machine.pendingCount == 0)
        #expect(machine.abandoned.map(\.message.id) == ["1-0", "2-0"])
        #expect(machine.cursorToSave() == 2)
    }

    @Test("The cursor moves past records whose emails are all done, never past an undone one nor past the in-order reading")
    func cursorRules() {
        var machine = Machine(cursor: 0)
        #expect(machine.cursorToSave() == nil, "nothing read")
        machine.enqueue([Self.message(to: "a@example.org", position: 3), Self.message(to: "b@example.org", position: 5)], through: 6)
        #expect(machine.cursorToSave() == 2, "record 3 is undone")
        machine.markDelivered(["5-0"])
        #expect(machine.cursorToSave() == 2)
        machine.markDelivered(["3-0"])
        #expect(machine.cursorToSave() == 6, "all done through the in-order reading")
        // An urgent email read ahead and delivered does not carry the cursor past the reading.
        machine.enqueueAhead([Self.message("sign_in_link", to: "c@example.org", position: 90)], through: 90, passing: [])
        machine.markDelivered(["90-0"])
        #expect(machine.cursorToSave() == 6)
        let compact = machine.cursorSaved(6)
        #expect(!compact)
        #expect(machine.cursor == 6 && machine.cursorToSave() == nil)
        _ = machine.cursorSaved(4)
        #expect(machine.cursor == 6, "an older save never moves it back")
    }

    @Test("The journal is compacted after 10,000 cursor entries")
    func journalCompaction() {
        var machine = Machine(cursor: 0)
        var compact = 0
        for position in 1...10_001 where machine.cursorSaved(UInt64(position)) {
            compact = position
            machine.journalCompacted()
        }
        #expect(compact == 10_000)
    }

    @Test("A saved cursor is taken up only when ahead; skipping past a gap needs nothing undone")
    func takingUpAndSkipping() {
        var machine = Machine(cursor: 10)
        machine.takeUp(savedCursor: 7)
        #expect(machine.cursor == 10)
        machine.takeUp(savedCursor: 20)
        #expect(machine.cursor == 20 && machine.readThrough == 20)
        machine.enqueue([Self.message(to: "a@example.org", position: 21)], through: 21)
        let early = machine.skip(through: 50)
        #expect(!early, "an email of record 21 is undone")
        machine.markDelivered(["21-0"])
        let skipped = machine.skip(through: 50)
        #expect(skipped && machine.readThrough == 50 && machine.cursorToSave() == 50)
    }

    @Test(
        "A cursor past the end of the log — a folder restored to an earlier point — is brought back to it, and the emails written from there are read"
    )
    func aCursorPastTheLogComesBack() {
        var machine = Machine(cursor: 500)
        let within = machine.rewind(toLogEnd: 600)
        #expect(!within && machine.cursor == 500, "a cursor within the log stays")
        let past = machine.rewind(toLogEnd: 300)
        #expect(past)
        #expect(machine.cursor == 300 && machine.readThrough == 300 && machine.aheadFrom == 300)
        machine.enqueue([Self.message(to: "new@example.org", position: 301)], through: 301)
        let due = machine.takeDue(at: Self.start)
        #expect(due.map(\.id) == ["301-0"], "the first email after the restored end is sent")
    }
}
