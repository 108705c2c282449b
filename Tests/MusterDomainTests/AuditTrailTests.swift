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

    @Test("A line's time reads back exactly wherever it lies, the times too far from 1970 to pack in 56 bits included, with every action beside it")
    func everyTimeReadsBackExactly() {
        let near: Int64 = 1 << 55
        let times: [Int64] = [
            0, 1, -1, 1_767_225_600_000, near - 1, near, near + 1, -near - 1, -near, -near + 1, .max, .min, .max - 1, .min + 1,
        ]
        let actions = OrgEvent.Kind.allCases
        var entries = [AuditEntry]()
        for (index, milliseconds) in times.enumerated() {
            for (offset, action) in actions.enumerated() where offset % times.count == index || index == 0 {
                entries.append(
                    AuditEntry(
                        sequence: UInt64(entries.count + 1),
                        at: Timestamp(millisecondsSinceEpoch: milliseconds),
                        actor: .platformAdmin,
                        action: action,
                        target: InvitationID.random()
                    )
                )
            }
            entries.append(
                AuditEntry(
                    sequence: UInt64(entries.count + 1),
                    at: Timestamp(millisecondsSinceEpoch: milliseconds),
                    actor: .system,
                    action: actions[index % actions.count],
                    target: TenantID.random()
                )
            )
        }
        let trail = AuditTrail(entries)
        #expect(Array(trail) == entries)
        #expect(Set(trail.map(\.action)) == Set(actions), "every action stored beside a time")
        #expect(AuditTrail(entries) == trail)
        var moved = entries
        moved[moved.count - 1].at = Timestamp(millisecondsSinceEpoch: Int64.min + 2)
        #expect(AuditTrail(moved) != trail, "a far time is part of what the trail is")
    }
}
