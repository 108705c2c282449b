import MusterDomain
import Testing

@Suite struct AuditAndReplayTests {
    @Test func everyChangeIsAnAuditLineListedNewestFirstAndFilterable() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let (id, _) = try org.invite("ann@example.org", by: admin)
        org.advance(.minutes(2))
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: admin)
        try org.run(.revokeInvitation(id: id, reason: "no longer needed"), by: admin)
        #expect(org.state.audit.count == Int(org.state.version))
        let page = try org.state.auditPage(for: admin, filter: AuditFilter(), before: nil, limit: 3)
        #expect(page.items.map(\.action) == [.invitationRevoked, .invitationResent, .userInvited])
        #expect(page.items.allSatisfy { $0.actor == admin && $0.target == id.description })
        // The line names its target; the target row holds what the line does not repeat.
        let revoked = try #require(page.items.first.flatMap { org.state.invitations[InvitationID(high: $0.targetID.high, low: $0.targetID.low)] })
        #expect(revoked.revokedReason == "no longer needed")
        let rest = try org.state.auditPage(for: admin, filter: AuditFilter(), before: page.nextCursor, limit: 100)
        #expect(rest.items.map(\.sequence) == Array((1...(org.state.version - 3)).reversed()))
        #expect(rest.nextCursor == nil)
        let revokes = try org.state.auditPage(for: admin, filter: AuditFilter(actions: [.invitationRevoked]), before: nil, limit: 10)
        #expect(revokes.items.count == 1)
        #expect(OrgEvent.Kind.invitationRevoked.name == "user.invitation_revoked")
        let viewer = org.member("viewer@example.org", role: .viewer)
        #expect(throws: DomainError.self) { try org.state.auditPage(for: viewer, filter: AuditFilter(), before: nil, limit: 10) }
        guard case .user(let viewerID) = viewer else { return }
        try org.run(.changeRole(userID: viewerID, role: .caseworker), by: admin)
        let change = try org.state.auditPage(for: admin, filter: AuditFilter(actions: [.memberRoleChanged], target: viewerID), before: nil, limit: 1)
        #expect(change.items.first?.details == "viewer → caseworker", "a role change keeps what the member row no longer shows")
    }

    @Test func replayingTheLogGivesAStateEqualToTheLiveOne() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let tenant = org.tenant()
        let (row, worker) = org.activeCollaborator(on: tenant, mode: .full)
        try org.run(.addNote(tenantID: tenant, id: .random(), kind: .shared, body: "note"), by: worker)
        let (id, _) = try org.invite("bob@example.org", by: admin)
        org.advance(.minutes(3))
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: admin)
        try org.run(.endCollaborator(id: row), by: admin)
        org.advance(.days(8))
        try org.run(.expireInvitations, by: .system)
        #expect(org.replayed() == org.state)
    }
}
