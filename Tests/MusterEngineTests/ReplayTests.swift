import MusterDomain
import MusterEngine
import MusterTestSupport
import Testing

@Suite struct ReplayTests {
    @Test func replayingTheEngineLogIntoFreshStateGivesTheLiveState() async throws {
        let fixture = EngineFixture()
        try await SampleWorkload.run(on: fixture.engine, clock: fixture.clock)
        var orgs: [OrganisationID: OrgState] = [:]
        var directory = DirectoryState()
        for record in fixture.sink.records {
            switch record {
            case .org(let orgID, let events):
                var state = orgs[orgID] ?? OrgState(id: orgID)
                for event in events { state.apply(event) }
                orgs[orgID] = state
            case .directory(let events):
                for event in events { directory.apply(event) }
            }
        }
        let live = await fixture.engine.orgStates()
        #expect(live.count == orgs.count)
        for state in live {
            #expect(orgs[state.id] == state, "org \(state.name) differs after replay")
        }
        #expect(await fixture.engine.directoryState() == directory)
    }

    @Test func anEngineRecoveredFromStateAnswersAsTheLiveOneDid() async throws {
        let fixture = EngineFixture()
        try await SampleWorkload.run(on: fixture.engine, clock: fixture.clock)
        let worker = try #require(
            await fixture.engine.directoryState().users.rows.first { $0.origin == .collaborator && $0.email.value.hasPrefix("worker-") }
        )
        let recovered = await fixture.recovered()
        #expect(try await recovered.caseload(of: worker.id) == (try await fixture.engine.caseload(of: worker.id)))
        #expect(try await recovered.caseload(of: worker.id).count == 1)
        #expect(try await recovered.profile(of: worker.id).memberships.isEmpty)
    }
}
