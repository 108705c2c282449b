import MusterDomain
import MusterEngine
import MusterTestSupport
import Testing

@Suite("Feed events built from the log")
struct FeedFromLogTests {
    @Test("The feed event a webhook builds from a log record is the one the org's audit trail gives, for every event of the workload")
    func feedEventFromTheRecordEqualsTheTrailsEvent() async throws {
        let fixture = EngineFixture()
        try await SampleWorkload.run(on: fixture.engine, clock: fixture.clock)
        let states = Dictionary(uniqueKeysWithValues: await fixture.engine.orgStates().map { ($0.id, $0) })
        var kinds = Set<OrgEvent.Kind>()
        for case .org(let orgID, let events) in fixture.sink.records {
            let state = try #require(states[orgID])
            for record in events {
                let fromTrail = try #require(try state.feedPage(for: .platformAdmin, after: record.sequence - 1, kinds: nil, limit: 1).events.first)
                #expect(state.feedEvent(for: record) == fromTrail, "\(record.event.kind) at \(record.sequence) of \(state.name)")
                kinds.insert(record.event.kind)
            }
        }
        // The comparison means something only if the facts-bearing kinds were there.
        #expect(kinds.isSuperset(of: [.memberRoleChanged, .memberAdded, .userInvited, .collaboratorInvited, .apiKeyCreated]))
    }

    @Test("A role change names the role before it, in the event itself, so a follower of the log needs no earlier state")
    func aRoleChangeCarriesThePreviousRole() async throws {
        let fixture = EngineFixture()
        try await SampleWorkload.run(on: fixture.engine, clock: fixture.clock)
        let changes = fixture.sink.records.flatMap { record -> [OrgEventRecord] in
            guard case .org(_, let events) = record else { return [] }
            return events.filter { $0.event.kind == .memberRoleChanged }
        }
        let change = try #require(changes.first)
        guard case .memberRoleChanged(_, let role, let previous) = change.event else { return }
        #expect(previous == .viewer && role == .caseworker)
        let line = AuditEntry(change, orgID: OrganisationID(high: 0, low: 1))
        #expect(line.details == "viewer → caseworker")
    }
}
