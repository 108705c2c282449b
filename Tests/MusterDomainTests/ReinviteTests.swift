import MusterDomain
import Testing

extension OrgFixture {
    /// Re-invites from `previous` as `principal`; returns the new invitation's id.
    @discardableResult
    fileprivate mutating func reinvite(_ previous: InvitationID, by principal: Principal = .platformAdmin) throws(DomainError) -> InvitationID {
        let id = InvitationID.random()
        try run(.reinvite(id: id, previous: previous, existingUserID: nil, seal: Self.seal()), by: principal)
        return id
    }
}

@Suite("Inviting again from an ended invitation")
struct ReinviteTests {
    enum Previous: String, CaseIterable, CustomTestStringConvertible {
        case pending, accepted, revoked, expiredUnrecorded, expiredRecorded
        var testDescription: String { rawValue }
    }

    /// Only an invitation that ended without anyone joining can be invited again: a pending one
    /// is resent instead, an accepted one has no one left to invite.
    static let expected: [Previous: DomainError.Code?] = [
        .pending: .invitationPending, .accepted: .invitationAlreadyAccepted, .revoked: nil, .expiredUnrecorded: nil, .expiredRecorded: nil,
    ]

    @Test("Only expired and revoked invitations are invited again", arguments: Previous.allCases)
    func onlyExpiredAndRevokedInvitationsAreInvitedAgain(previous: Previous) throws {
        var org = OrgFixture()
        let id = InvitationID.random()
        let seal = OrgFixture.seal()
        let proof = OrgFixture.proof(seal)
        try org.run(
            .invite(
                id: id,
                email: try EmailAddress("bo@example.org"),
                role: .caseworker,
                method: .email,
                existingUserID: nil,
                seal: seal,
                locale: LocaleTag(normalised: "cy")
            ),
            by: .platformAdmin
        )
        switch previous {
        case .pending: break
        case .accepted: try org.run(.acceptInvitation(id: id, link: proof, userID: .random(), userIsNew: true), by: .platformAdmin)
        case .revoked: try org.run(.revokeInvitation(id: id, reason: "wrong team"), by: .platformAdmin)
        case .expiredUnrecorded: org.advance(.days(8))
        case .expiredRecorded:
            org.advance(.days(8))
            try org.run(.expireInvitations, by: .system)
        }
        if let code = Self.expected[previous]! {
            org.expectRefusal(.reinvite(id: .random(), previous: id, existingUserID: nil, seal: OrgFixture.seal()), by: .platformAdmin, code)
            return
        }
        let before = org.state.invitations[id]!
        let newID = try org.reinvite(id)
        let new = try #require(org.state.invitations[newID])
        #expect(new.status == .pending && new.reinviteOf == id)
        #expect(new.email == before.email && new.role == before.role && new.method == before.method && new.locale == before.locale)
        // The old one keeps its history, recorded as ended.
        let old = org.state.invitations[id]!
        #expect(old.status == (previous == .revoked ? .revoked : .expired))
        #expect(old.revokedReason == before.revokedReason)
        #expect(new.locale == LocaleTag(normalised: "cy"))
        let line = try #require(org.state.audit.first { $0.action == .invitationReinvited })
        #expect(line.targetID == AuditEntry.TargetID(high: newID.high, low: newID.low) && line.details == id.description)
        #expect(org.replayed() == org.state)
    }

    @Test("An expired invitation is recorded as expired once, when it is invited again before the sweep")
    func anUnrecordedExpiryIsRecordedOnce() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("bo@example.org")
        org.advance(.days(8))
        let records = try org.run(.reinvite(id: .random(), previous: id, existingUserID: nil, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(records.filter { $0.event == .invitationExpired(id: id) }.count == 1)
    }

    @Test("Inviting again needs users.invite and stays within the caller's own authority")
    func reinviteNeedsInviteAndAuthority() throws {
        var org = OrgFixture()
        let viewer = org.member("view@example.org", role: .viewer)
        let siteAdmin = org.member("site@example.org", role: .siteAdmin)
        let (adminInvitation, _) = try org.invite("boss@example.org", role: .orgAdmin)
        try org.run(.revokeInvitation(id: adminInvitation, reason: nil), by: .platformAdmin)
        let (caseworkerInvitation, _) = try org.invite("cw@example.org", role: .caseworker)
        try org.run(.revokeInvitation(id: caseworkerInvitation, reason: nil), by: .platformAdmin)

        org.expectRefusal(
            .reinvite(id: .random(), previous: caseworkerInvitation, existingUserID: nil, seal: OrgFixture.seal()),
            by: viewer,
            .forbidden
        )
        // A site admin may invite, but not as org admin: re-inviting someone who was offered
        // more than the caller holds is the same escalation as inviting them.
        org.expectRefusal(
            .reinvite(id: .random(), previous: adminInvitation, existingUserID: nil, seal: OrgFixture.seal()),
            by: siteAdmin,
            .beyondOwnAuthority
        )
        try org.reinvite(caseworkerInvitation, by: siteAdmin)
    }

    @Test("Re-inviting an invitation of another org, or one that never existed, finds nothing")
    func aForeignInvitationIsNotFound() throws {
        var other = OrgFixture()
        let (foreign, _) = try other.invite("bo@example.org")
        try other.run(.revokeInvitation(id: foreign, reason: nil), by: .platformAdmin)
        var org = OrgFixture()
        org.expectRefusal(
            .reinvite(id: .random(), previous: foreign, existingUserID: nil, seal: OrgFixture.seal()),
            by: .platformAdmin,
            .invitationNotFound
        )
    }

    @Test("A second re-invite while the first is pending is refused: one pending invitation per email")
    func oneReinviteAtATime() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("bo@example.org")
        try org.run(.revokeInvitation(id: id, reason: nil), by: .platformAdmin)
        try org.reinvite(id)
        org.expectRefusal(
            .reinvite(id: .random(), previous: id, existingUserID: nil, seal: OrgFixture.seal()),
            by: .platformAdmin,
            .invitationPending
        )
    }

    @Test("Someone who joined meanwhile is not invited again")
    func aMemberIsNotInvitedAgain() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("bo@example.org")
        try org.run(.revokeInvitation(id: id, reason: nil), by: .platformAdmin)
        _ = org.member("bo@example.org", role: .viewer)
        org.expectRefusal(.reinvite(id: .random(), previous: id, existingUserID: nil, seal: OrgFixture.seal()), by: .platformAdmin, .alreadyMember)
    }
}
