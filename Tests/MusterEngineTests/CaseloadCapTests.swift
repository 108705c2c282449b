import MusterDomain
import MusterEngine
import Testing

@Suite struct CaseloadCapTests {
    /// The caseload cap counts only assignments in force: ending one frees its place at once, and the next invite counts
    /// the live rows again, so the person is back at the cap after taking the freed place.
    @Test func theCaseloadCapCountsOnlyActiveAssignmentsAndEndingOneFreesItsPlace() async throws {
        var policy = Policy()
        policy.caseloadCap = 2
        let fixture = EngineFixture(policy: policy)
        let (orgID, admin) = try await fixture.org()
        let tenantA = try await fixture.engine.createTenant(org: orgID, name: "Tenant A", by: admin)
        let tenantB = try await fixture.engine.createTenant(org: orgID, name: "Tenant B", by: admin)
        let tenantC = try await fixture.engine.createTenant(org: orgID, name: "Tenant C", by: admin)
        let address = "busy@support.example"
        let (rowA, workerID) = try await fixture.activeCollaborator(org: orgID, tenant: tenantA.id, address, by: admin)
        let (_, sameWorker) = try await fixture.activeCollaborator(org: orgID, tenant: tenantB.id, address, mode: .contextOnly, by: admin)
        #expect(sameWorker == workerID, "one person on both tenants")
        let invitee = CollaboratorInvitee.person(email: fixture.email(address), fullName: "Busy Worker")

        let recordsBefore = fixture.sink.records.count
        await expectRefusal(.caseloadCapReached) {
            try await fixture.engine.inviteCollaborator(org: orgID, tenant: tenantC.id, mode: .full, invitee: invitee, by: admin)
        }
        #expect(fixture.sink.records.count == recordsBefore, "the refusal changed nothing")

        _ = try await fixture.engine.endCollaborator(org: orgID, id: rowA.id, by: admin)

        let third = try await fixture.engine.inviteCollaborator(org: orgID, tenant: tenantC.id, mode: .full, invitee: invitee, by: admin)
        #expect(third.collaborator.userID == workerID)
        #expect(!third.collaborator.capOverridden, "the freed place was taken, not the cap overridden")
        await expectRefusal(.caseloadCapReached) {
            try await fixture.engine.inviteCollaborator(org: orgID, tenant: tenantA.id, mode: .full, invitee: invitee, by: admin)
        }
    }
}
