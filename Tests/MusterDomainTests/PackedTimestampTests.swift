import Testing

@testable import MusterDomain

@Suite("Optional times packed in eight bytes")
struct PackedTimestampTests {
    @Test(
        "None, the epoch, times either side of it and the extremes come back as they went in",
        arguments: [nil, 0, 1, -1, 1_700_000_000_123, Int64.max, Int64.min + 1] as [Int64?]
    )
    func roundTrips(milliseconds: Int64?) {
        let timestamp = milliseconds.map { Timestamp(millisecondsSinceEpoch: $0) }
        #expect(PackedTimestamp(wrappedValue: timestamp).wrappedValue == timestamp)
    }

    @Test("A time read from a damaged record at the one value that stands for none is kept a millisecond later, never turned into none")
    func theSentinelIsNeverAStoredTime() {
        let packed = PackedTimestamp(wrappedValue: Timestamp(millisecondsSinceEpoch: .min))
        #expect(packed.wrappedValue == Timestamp(millisecondsSinceEpoch: .min + 1))
        #expect(packed != PackedTimestamp(wrappedValue: nil))
    }

    @Test("A collaborator row's packed times read and change as plain optionals")
    func collaboratorTimes() {
        let invitedAt = Timestamp(millisecondsSinceEpoch: 1_000)
        var row = Collaborator(id: .random(), tenantID: .random(), mode: .full, invitedBy: .platformAdmin, invitedAt: invitedAt, capOverridden: false)
        #expect(row.activatedAt == nil && row.endedAt == nil && row.linkExpiresAt == nil && row.isActive)
        row.activatedAt = Timestamp(millisecondsSinceEpoch: 2_000)
        row.endedAt = Timestamp(millisecondsSinceEpoch: 3_000)
        #expect(row.activatedAt == Timestamp(millisecondsSinceEpoch: 2_000))
        #expect(row.endedAt == Timestamp(millisecondsSinceEpoch: 3_000) && !row.isActive)
        row.endedAt = nil
        #expect(row.isActive)
    }
}
