import MusterDomain
import MusterEngine
import Testing

@testable import MusterDelivery

/// The webhook registry's machine, driven directly: what an attempt makes of a webhook's
/// progress, which moves are worth a journal write, and when a plan is stale.
@Suite("The webhook registry's machine")
struct WebhookRegistryMachineTests {
    typealias Machine = WebhookRegistry.Machine
    private let orgID = OrganisationID.random()

    private func start() -> (Machine, WebhookProgress) {
        let hook = Webhook(
            id: .random(),
            url: "https://receiver.example/hook",
            eventTypes: nil,
            description: nil,
            startAfter: 0,
            secretNonce: .random(),
            createdAt: Timestamp(millisecondsSinceEpoch: 0),
            createdBy: .platformAdmin,
            status: .active
        )
        let machine = Machine(retry: WebhookRetryPolicy())
        return (machine, machine.progress(of: hook, orgID: orgID))
    }

    private func attempt(_ sequence: UInt64, _ outcome: WebhookDelivery.Outcome, at: Int64) -> WebhookDelivery {
        WebhookDelivery(
            eventID: "e\(sequence)",
            sequence: sequence,
            eventType: "member.added",
            outcome: outcome,
            attempt: 0,
            at: at,
            responseStatus: outcome == .delivered ? 204 : 500,
            error: outcome == .delivered ? nil : "HTTP 500",
            durationMilliseconds: 3
        )
    }

    @Test("Failures number their attempts and wait 1 s, 2 s, 4 s …; a success moves the cursor and counts afresh")
    func attemptsAndBackoff() throws {
        var (machine, progress) = start()
        for (number, wait) in [(1, 1_000), (2, 2_000), (3, 4_000)] as [(Int, Int64)] {
            let (next, delivery) = try #require(machine.record(progress, attempt(1, .failed, at: 100), logPosition: nil))
            #expect(delivery.attempt == number && next.attempts == number && next.nextAttemptAt == 100 + wait && next.cursor == 0)
            machine.recorded(next, delivery)
            progress = next
        }
        let (done, delivery) = try #require(machine.record(progress, attempt(1, .delivered, at: 9_000), logPosition: 40))
        #expect(delivery.attempt == 4)
        #expect(done.cursor == 1 && done.attempts == 0 && done.nextAttemptAt == 0 && done.logPosition == 40 && done.deliveredCount == 1)
        #expect(done.failedAttemptCount == 3 && done.lastDeliveredAt == 9_000)
        machine.recorded(done, delivery)
        #expect(machine.deliveries(progress.id).map(\.attempt) == [4, 3, 2, 1])
        #expect(machine.journaledLogPosition(progress.id) == 40)
    }

    @Test("A plan made from a progress that has moved meanwhile is refused, whatever the change")
    func stalePlansAreRefused() throws {
        var (machine, progress) = start()
        let (next, delivery) = try #require(machine.record(progress, attempt(1, .delivered, at: 1), logPosition: 10))
        machine.recorded(next, delivery)
        // `progress` still says cursor 0.
        #expect(machine.record(progress, attempt(1, .delivered, at: 2), logPosition: 10) == nil)
        #expect(machine.advance(progress, cursor: 5, logPosition: 50, now: 3) == nil)
        #expect(machine.skip(progress, to: 5) == nil)
        #expect(machine.withoutLogPosition(progress) == nil)
        #expect(machine.withoutLogPosition(next)?.logPosition == nil && machine.withoutLogPosition(next)?.cursor == 1)
    }

    @Test(
        "A move past examined records is journaled when the cursor moves, the position is new, or the journaled one is 30 s old",
        arguments: [
            // (cursor moves, seconds since the position was journaled, journaled?)
            (true, 1, true), (false, 1, false), (false, 29, false), (false, 30, true),
        ]
    )
    func whichMovesAreJournaled(cursorMoves: Bool, secondsSince: Int64, journaled: Bool) throws {
        var (machine, progress) = start()
        guard case .journal(let first) = try #require(machine.advance(progress, cursor: 0, logPosition: 10, now: 0)) else {
            Issue.record("a first log position is always journaled")
            return
        }
        machine.advanced(first, journaledAt: 0)
        progress = first
        let move = try #require(machine.advance(progress, cursor: cursorMoves ? 1 : 0, logPosition: 20, now: secondsSince * 1_000))
        switch move {
        case .journal(let moved): #expect(journaled && moved.logPosition == 20)
        case .inMemory(let moved): #expect(!journaled && moved.logPosition == 20)
        }
        #expect(machine.advance(progress, cursor: 0, logPosition: 10, now: 0) == nil, "nothing moves")
    }

    @Test("The journal is worth compacting once it holds four times the live rows and over 10,000 entries")
    func compactionThreshold() {
        var (machine, _) = start()
        machine.wrote(10_000)
        #expect(!machine.compactionIsWorthIt)
        machine.wrote(1)
        #expect(machine.compactionIsWorthIt, "no live rows")
        machine.compacted(to: 0)
        #expect(!machine.compactionIsWorthIt)
    }

    /// A webhook's progress, the history's ends, and where the progress must come back to.
    struct Rewind: Sendable, CustomTestStringConvertible {
        var cursor: UInt64
        var logPosition: LogPosition
        var orgVersion: UInt64
        var logEnd: LogPosition
        /// `nil`: the progress is within both ends and stays.
        var expected: (cursor: UInt64, logPosition: LogPosition)?

        var testDescription: String { "cursor \(cursor) at \(logPosition), history to \(orgVersion) at \(logEnd)" }
    }

    @Test(
        "Progress past the org's history or the log — a folder restored to an earlier point — is brought back within both; progress within both stays",
        arguments: [
            Rewind(cursor: 10, logPosition: 100, orgVersion: 20, logEnd: 200, expected: nil),
            Rewind(cursor: 30, logPosition: 100, orgVersion: 20, logEnd: 200, expected: (20, 100)),
            Rewind(cursor: 10, logPosition: 300, orgVersion: 20, logEnd: 200, expected: (10, 200)),
            Rewind(cursor: 30, logPosition: 300, orgVersion: 20, logEnd: 200, expected: (20, 200)),
        ]
    )
    func progressPastTheHistoryComesBack(_ case: Rewind) throws {
        var (machine, progress) = start()
        let moved = try #require(machine.advance(progress, cursor: `case`.cursor, logPosition: `case`.logPosition, now: 1))
        if case .journal(let next) = moved { progress = next } else { Issue.record("a first move is journaled") }
        progress.attempts = 3
        progress.nextAttemptAt = 99
        machine.advanced(progress, journaledAt: 1)
        let rewound = machine.rewound(progress, orgVersion: `case`.orgVersion, logEnd: `case`.logEnd)
        #expect(rewound?.cursor == `case`.expected?.cursor && rewound?.logPosition == `case`.expected?.logPosition)
        if let rewound { #expect(rewound.attempts == 0 && rewound.nextAttemptAt == 0, "the history it failed on is gone") }
    }
}
