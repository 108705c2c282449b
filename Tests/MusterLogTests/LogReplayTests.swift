import MusterDomain
import MusterEngine
import MusterStorage
import Testing

@testable import MusterLog

@Suite("Replaying the log onto states")
struct LogReplayTests {
    private static let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    private static func orgEvent(_ sequence: UInt64, _ event: OrgEvent) -> OrgEventRecord {
        OrgEventRecord(sequence: sequence, at: at, actor: .platformAdmin, event: event)
    }

    private static func directoryEvent(_ sequence: UInt64) -> DirectoryEventRecord {
        DirectoryEventRecord(sequence: sequence, at: at, actor: .system, event: .userSessionsEnded(userID: .random()))
    }

    /// An org created, then given `tenants` tenants, one event a record, from position `first`.
    private static func orgRecords(_ orgID: OrganisationID, tenants: Int, from first: LogPosition) -> [LogRecordAt] {
        var records = [LogRecordAt(position: first, record: .org(orgID, [orgEvent(1, .organisationCreated(name: "org"))]))]
        for index in 0..<tenants {
            let event = orgEvent(UInt64(index + 2), .tenantCreated(id: .random(), name: "tenant \(index)", reference: nil))
            records.append(LogRecordAt(position: first + LogPosition(index + 1), record: .org(orgID, [event])))
        }
        return records
    }

    @Test("Many orgs and the directory applied together in several frames end as each applied alone, in log order")
    func parallelReplayMatchesOneByOne() throws {
        let orgIDs = (0..<40).map { _ in OrganisationID.random() }
        var frames = [[LogRecordAt]]()
        var position: LogPosition = 1
        for (index, orgID) in orgIDs.enumerated() {
            var frame = Self.orgRecords(orgID, tenants: index % 5, from: position)
            position += LogPosition(frame.count)
            frame.append(LogRecordAt(position: position, record: .directory([Self.directoryEvent(UInt64(index + 1))])))
            position += 1
            frames.append(frame)
        }
        let together = LogReplay(onto: nil)
        try together.apply(frames: frames)
        let oneByOne = LogReplay(onto: nil)
        for record in frames.joined() { try oneByOne.apply([record]) }

        #expect(together.orgs == oneByOne.orgs)
        #expect(together.orgs.map(\.id) == orgIDs, "the orgs in the order first seen")
        #expect(together.orgs.map(\.tenants.count) == orgIDs.indices.map { $0 % 5 })
        #expect(together.directory == oneByOne.directory)
        #expect(together.directory.version == UInt64(orgIDs.count))
        #expect(together.records == frames.joined().count)
    }

    @Test("Events a state already holds are passed over, so a snapshot that holds a little more than its position replays cleanly")
    func eventsAlreadyHeldAreSkipped() throws {
        let orgID = OrganisationID.random()
        let records = Self.orgRecords(orgID, tenants: 3, from: 1)
        let replay = LogReplay(onto: nil)
        try replay.apply(Array(records.prefix(3)))
        try replay.apply(records)
        #expect(replay.orgs.count == 1)
        #expect(replay.orgs[0].version == 4)
        #expect(replay.orgs[0].tenants.count == 3, "no tenant created twice")
    }

    @Test("An org event that skips a sequence number is refused as corruption naming the org and both numbers")
    func anOrgGapIsCorruption() throws {
        let orgID = OrganisationID.random()
        let created = LogRecordAt(position: 1, record: .org(orgID, [Self.orgEvent(1, .organisationCreated(name: "org"))]))
        let skipping = LogRecordAt(
            position: 2,
            record: .org(orgID, [Self.orgEvent(3, .tenantCreated(id: .random(), name: "late", reference: nil))])
        )
        let replay = LogReplay(onto: nil)
        #expect {
            try replay.apply([created, skipping])
        } throws: { error in
            guard case .corrupt(_, _, let reason) = error as? LogError else { return false }
            return reason == "org \(orgID) event 3 follows 1"
        }
        #expect(replay.orgs.first?.tenants.count == 0, "nothing after the gap is applied")
    }

    @Test("A directory event that skips a sequence number is refused as corruption naming its position")
    func aDirectoryGapIsCorruption() throws {
        let records = [
            LogRecordAt(position: 1, record: .directory([Self.directoryEvent(1)])),
            LogRecordAt(position: 2, record: .directory([Self.directoryEvent(5)])),
        ]
        let replay = LogReplay(onto: nil)
        #expect {
            try replay.apply(records)
        } throws: { error in
            guard case .corrupt(_, _, let reason) = error as? LogError else { return false }
            return reason == "directory event 5 at position 2 follows 1"
        }
        #expect(replay.directory.version == 1)
    }
}
