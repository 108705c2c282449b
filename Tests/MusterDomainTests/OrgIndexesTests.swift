import Testing

@testable import MusterDomain

@Suite("An org's indexes over its rows, on the paths only a damaged log takes")
struct OrgIndexesTests {
    private static let at = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    private static func state(_ events: [OrgEvent]) -> OrgState {
        var state = OrgState(id: .random())
        for (index, event) in ([.organisationCreated(name: "Damaged")] + events).enumerated() {
            state.apply(OrgEventRecord(sequence: UInt64(index + 1), at: at, actor: .platformAdmin, event: event))
        }
        return state
    }

    private static func invited(_ id: InvitationID, _ email: EmailAddress) -> OrgEvent {
        .userInvited(id: id, email: email, role: .caseworker, method: .email, expiresAt: at, seal: LinkSeal(nonce: .random()))
    }

    @Test("An invitation id invited again under another email is found under the new email only, and is its pending invitation")
    func anInvitationInvitedAgainMovesToItsNewEmail() throws {
        let (first, second) = (try EmailAddress("first@example.org"), try EmailAddress("second@example.org"))
        let reused = InvitationID.random()
        let other = InvitationID.random()
        let state = Self.state([Self.invited(reused, first), Self.invited(other, first), Self.invited(reused, second)])
        #expect(state.invitations(for: first).map(\.id) == [other])
        #expect(state.invitations(for: second).map(\.id) == [reused])
        #expect(state.pendingInvitation(for: second)?.id == reused)
        #expect(state.pendingInvitation(for: first)?.id == other, "the later of two pending invitations for one email, as a dictionary kept")
    }

    @Test("Of two pending invitations for one email the later is the pending one, and the sweep expires only pending rows")
    func theLaterPendingInvitationWins() throws {
        let email = try EmailAddress("twice@example.org")
        let (older, newer) = (InvitationID.random(), InvitationID.random())
        var state = Self.state([Self.invited(older, email), Self.invited(newer, email)])
        #expect(state.pendingInvitation(for: email)?.id == newer)
        state.apply(
            OrgEventRecord(sequence: state.version + 1, at: Self.at, actor: .platformAdmin, event: .invitationAccepted(id: newer, userID: .random()))
        )
        #expect(state.pendingInvitation(for: email) == nil, "the older was displaced, as the dictionary displaced it")
        let sweep = try state.decideExpirySweep(by: .system, at: Self.at.adding(Span(milliseconds: 1)))
        #expect(sweep.isEmpty, "an accepted invitation is never expired by the sweep")
    }

    @Test("A collaborator id invited again on another tenant leaves the first tenant's team and joins the second's")
    func aCollaboratorInvitedAgainMovesTeams() {
        let (first, second) = (TenantID.random(), TenantID.random())
        let person = UserID.random()
        var row = OrgEvent.CollaboratorInvitation(id: .random(), tenantID: first, mode: .full, capOverridden: false)
        row.userID = person
        var moved = row
        moved.tenantID = second
        let state = Self.state([
            .tenantCreated(id: first, name: "One", reference: nil), .tenantCreated(id: second, name: "Two", reference: nil),
            .collaboratorInvited(row), .collaboratorInvited(moved),
        ])
        #expect(state.collaborators(of: first).isEmpty)
        #expect(state.collaborators(of: second).map(\.id) == [row.id])
        #expect(state.activeAssignment(tenant: first, user: person) == nil)
        #expect(state.activeAssignment(tenant: second, user: person)?.id == row.id)
    }
}
