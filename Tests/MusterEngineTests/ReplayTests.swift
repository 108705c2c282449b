import MusterDomain
import MusterEngine
import Testing

@Suite struct ReplayTests {
    /// Drives a workload touching every kind of event through the engine.
    static func workload(_ fixture: EngineFixture) async throws -> [OrganisationID] {
        let engine = fixture.engine
        let (first, admin) = try await fixture.org("First")
        let (second, secondAdmin) = try await fixture.org("Second")
        let tenant = try await engine.createTenant(org: first, name: "Alex", reference: "T-1", by: admin)
        let other = try await engine.createTenant(org: second, name: "Bo", by: secondAdmin)
        let (row, workerID) = try await fixture.activeCollaborator(org: first, tenant: tenant.id, "worker@support.example", by: admin)
        _ = try await fixture.activeCollaborator(org: second, tenant: other.id, "worker@support.example", mode: .contextOnly, by: secondAdmin)
        let worker = Principal.user(workerID)
        try await engine.writeWorkspace(org: first, .note(tenant: tenant.id, kind: .shared, body: "shared"), by: worker)
        try await engine.writeWorkspace(org: first, .note(tenant: tenant.id, kind: .professional, body: "pro"), by: admin)
        try await engine.writeWorkspace(org: first, .goal(tenant: tenant.id, title: "Goal", detail: "d"), by: worker)
        try await engine.writeWorkspace(org: first, .session(tenant: tenant.id, occurredAt: fixture.clock.now(), summary: "visit"), by: worker)
        try await engine.writeWorkspace(org: first, .document(tenant: tenant.id, name: "a.pdf", contentType: "application/pdf", sizeBytes: 10, checksum: "sha256:00"), by: worker)
        try await engine.writeWorkspace(org: first, .contextSummary(tenant: tenant.id, text: "summary"), by: worker)
        let contact = try await engine.inviteCollaborator(org: first, tenant: tenant.id, mode: .referenceOnly, invitee: .contact(ContactCard(name: "GP", phone: "0161 555 0100")), by: admin)
        _ = try await engine.updateContact(org: first, id: contact.collaborator.id, contact: ContactCard(name: "Dr GP", phone: "0161 555 0100"), by: admin)
        _ = try await engine.endCollaborator(org: first, id: row.id, by: admin)
        let pending = try await engine.invite(org: first, email: fixture.email("pending@example.org"), role: .viewer, method: .email, by: admin)
        fixture.clock.advance(by: .minutes(2))
        _ = try await engine.resendInvitation(org: first, id: pending.invitation.id, by: admin)
        let revoked = try await engine.invite(org: first, email: fixture.email("revoked@example.org"), role: .viewer, method: .email, by: admin)
        _ = try await engine.revokeInvitation(org: first, id: revoked.invitation.id, reason: "oops", by: admin)
        guard case .user(let viewerID) = try await fixture.member(of: first, "viewer@example.org", role: .viewer) else { return [] }
        _ = try await engine.changeRole(org: first, user: viewerID, to: .caseworker, by: admin)
        _ = try await engine.changeGrants(org: first, user: viewerID, grant: PermissionSet(.usersView), withdraw: [], by: admin)
        let direct = try await engine.createUserWithTemporaryPassword(org: first, email: fixture.email("direct@example.org"), fullName: nil, role: .viewer, by: admin)
        _ = try await engine.resetPassword(org: first, user: direct.member.userID, by: admin)
        _ = try await engine.removeMember(org: first, user: viewerID, by: admin)
        let key = try await engine.createAPIKey(org: first, name: "svc", role: .caseworker, by: admin)
        _ = try await engine.revokeAPIKey(org: first, id: key.key.id, by: admin)
        let link = try await engine.requestSignInLink(email: fixture.email("worker@support.example"))
        _ = try await engine.verifyLink(token: link!.token)
        _ = try await engine.invite(org: second, email: fixture.email("lapsing@example.org"), role: .viewer, method: .email, by: secondAdmin)
        fixture.clock.advance(by: .days(8))
        try await engine.expireInvitations()
        return [first, second]
    }

    @Test func replayingTheEngineLogIntoFreshStateGivesTheLiveState() async throws {
        let fixture = EngineFixture()
        _ = try await Self.workload(fixture)
        var orgs: [OrganisationID: OrgState] = [:]
        var directory = DirectoryState()
        for record in fixture.sink.records {
            switch record {
            case .org(let orgID, let events):
                var state = orgs[orgID] ?? OrgState(id: orgID)
                events.forEach { state.apply($0) }
                orgs[orgID] = state
            case .directory(let events):
                events.forEach { directory.apply($0) }
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
        _ = try await Self.workload(fixture)
        let worker = try #require(await fixture.engine.directoryState().user(email: fixture.email("worker@support.example")))
        let recovered = await MusterEngine(
            recovering: await fixture.engine.orgStates(), directory: await fixture.engine.directoryState(),
            secret: Array(repeating: 42, count: 32), sink: InMemoryEventSink(), clock: fixture.clock
        )
        #expect(await recovered.caseload(of: worker.id) == (await fixture.engine.caseload(of: worker.id)))
        #expect(await recovered.caseload(of: worker.id).count == 1)
        #expect(try await recovered.profile(of: worker.id).memberships.isEmpty)
    }
}
