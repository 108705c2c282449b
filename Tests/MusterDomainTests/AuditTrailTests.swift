import MusterDomain
import Testing

@Suite struct AuditTrailTests {
    @Test func everyLineReadsBackAsItWasAppendedWithItsActorDetailsAndSequence() {
        let actors: [Principal] = [.platformAdmin, .system, .user(.random()), .apiKey(.random()), .user(.random())]
        let actions = OrgEvent.Kind.allCases
        var entries = [AuditEntry]()
        for sequence in 1...500 {
            entries.append(
                AuditEntry(
                    sequence: UInt64(sequence),
                    at: Timestamp(millisecondsSinceEpoch: 1_767_225_600_000 + Int64(sequence)),
                    // Half the lines change actor every time, half come in runs of five.
                    actor: sequence % 50 < 25 ? actors[(sequence * 7) % actors.count] : actors[(sequence / 5) % actors.count],
                    action: actions[sequence % actions.count],
                    target: InvitationID.random(),
                    details: sequence % 9 == 0 ? "viewer → caseworker \(sequence)" : nil
                )
            )
        }
        let trail = AuditTrail(entries)
        #expect(Array(trail) == entries)
        var appended = AuditTrail()
        for entry in entries { appended.append(entry) }
        #expect(appended == trail && appended.last == entries.last)
        #expect(AuditTrail(Array(entries.dropLast())) != trail)
    }
}
