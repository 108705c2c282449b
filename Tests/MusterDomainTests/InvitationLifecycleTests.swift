import MusterDomain
import Testing

@Suite struct InvitationLifecycleTests {
    @Test func inviteCreatesAPendingInvitationWithEveryAuditFieldAndASevenDayExpiry() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("  Ann@Example.ORG ", role: .viewer)
        let invitation = try #require(org.state.invitations[id])
        #expect(invitation.status == .pending)
        #expect(invitation.email.value == "ann@example.org")
        #expect(invitation.role == .viewer)
        #expect(invitation.method == .email)
        #expect(invitation.invitedBy == .platformAdmin)
        #expect(invitation.createdAt == org.now)
        #expect(invitation.expiresAt == org.now.adding(.days(7)))
        #expect(invitation.acceptedAt == nil && invitation.revokedAt == nil && invitation.resentAt == nil)
        #expect(invitation.resendCount == 0)
        #expect(invitation.link?.admits(digest) == true)
        #expect(org.state.audit.last?.action == .userInvited)
    }

    @Test func aSecondPendingInvitationForTheSameEmailIsRefusedNamingTheFirst() throws {
        var org = OrgFixture()
        let (first, _) = try org.invite("ann@example.org")
        let before = org.state
        do {
            try org.invite("ANN@example.org")
            Issue.record("a second pending invitation was accepted")
        } catch {
            #expect(error.code == .invitationPending)
            #expect(error.existingRecord == first.description)
        }
        #expect(org.state == before)
    }

    @Test func invitingAnExistingMemberIsRefusedNamingTheMember() throws {
        var org = OrgFixture()
        guard case .user(let userID) = org.member("ann@example.org", role: .viewer) else { return }
        do {
            try org.invite("ann@example.org")
            Issue.record("a member was invited again")
        } catch {
            #expect(error.code == .alreadyMember)
            #expect(error.existingRecord == userID.description)
        }
    }

    @Test func legacyRolesAreRefusedForNewInvitations() throws {
        var org = OrgFixture()
        let command = OrgCommand.invite(
            id: .random(),
            email: try EmailAddress("a@b.org"),
            role: .hrAdmin,
            method: .email,
            existingUserID: nil,
            seal: OrgFixture.seal()
        )
        org.expectRefusal(command, by: .platformAdmin, .roleNotAssignable)
    }

    @Test func addingAnExistingUserNeedsTheUserToExist() throws {
        var org = OrgFixture()
        let email = try EmailAddress("a@b.org")
        org.expectRefusal(
            .invite(id: .random(), email: email, role: .viewer, method: .existingUser, existingUserID: nil, seal: OrgFixture.seal()),
            by: .platformAdmin,
            .userNotFound
        )
        try org.run(
            .invite(id: .random(), email: email, role: .viewer, method: .existingUser, existingUserID: .random(), seal: OrgFixture.seal()),
            by: .platformAdmin
        )
    }

    @Test func acceptingCreatesTheMembershipAndRecordsWhoAcceptedAndWhen() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("ann@example.org", role: .siteAdmin)
        org.advance(.hours(3))
        let userID = UserID.random()
        let records = try org.run(.acceptInvitation(id: id, link: digest, userID: userID, userIsNew: true), by: .user(userID))
        #expect(records.map(\.event.kind) == [.userCreated, .invitationAccepted, .memberAdded])
        let invitation = try #require(org.state.invitations[id])
        #expect(invitation.status == .accepted)
        #expect(invitation.acceptedAt == org.now)
        #expect(invitation.acceptedBy == userID)
        #expect(invitation.link == nil)
        #expect(org.state.members[userID]?.role == .siteAdmin)
        #expect(org.state.members[userID]?.joinedVia == .invitation)
    }

    @Test func anInvitationIsAcceptedExactlyOnce() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("ann@example.org")
        let userID = UserID.random()
        try org.run(.acceptInvitation(id: id, link: digest, userID: userID, userIsNew: true), by: .user(userID))
        org.expectRefusal(.acceptInvitation(id: id, link: digest, userID: userID, userIsNew: false), by: .user(userID), .invitationAlreadyAccepted)
    }

    @Test func anInvitationPastItsExpiryCannotBeAcceptedEvenBeforeTheSweep() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("ann@example.org")
        org.advance(.days(7))
        #expect(org.state.invitations[id]?.status == .pending, "the sweep has not run")
        org.expectRefusal(.acceptInvitation(id: id, link: digest, userID: .random(), userIsNew: true), by: .system, .invitationExpired)
    }

    /// The reason is for staff: whoever holds the link learns that it was revoked, not why.
    @Test func aRevokedInvitationIsRefusedAsRevokedWithoutTheStaffReason() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("ann@example.org")
        try org.run(.revokeInvitation(id: id, reason: "sent to wrong address"), by: .platformAdmin)
        org.expectRefusal(.acceptInvitation(id: id, link: digest, userID: .random(), userIsNew: true), by: .system, .invitationRevoked)
        do {
            _ = try org.state.acceptableInvitation(id, link: digest, at: org.now)
            Issue.record("a revoked invitation was acceptable")
        } catch {
            #expect(error.message.contains("revoked"))
            #expect(!error.message.contains("wrong address"))
        }
        #expect(org.state.invitations[id]?.revokedReason == "sent to wrong address", "staff still see the reason")
    }

    @Test func anUnknownInvitationIsRefusedAsNotFound() {
        var org = OrgFixture()
        org.expectRefusal(
            .acceptInvitation(id: .random(), link: OrgFixture.proof(OrgFixture.seal()), userID: .random(), userIsNew: true),
            by: .system,
            .invitationNotFound
        )
    }

    @Test func aLinkReplacedByAResendNoLongerAccepts() throws {
        var org = OrgFixture()
        let (id, oldDigest) = try org.invite("ann@example.org")
        org.advance(.minutes(2))
        let newSeal = OrgFixture.seal()
        try org.run(.resendInvitation(id: id, seal: newSeal), by: .platformAdmin)
        org.expectRefusal(.acceptInvitation(id: id, link: oldDigest, userID: .random(), userIsNew: true), by: .system, .tokenSuperseded)
        let userID = UserID.random()
        try org.run(.acceptInvitation(id: id, link: OrgFixture.proof(newSeal), userID: userID, userIsNew: true), by: .user(userID))
    }

    @Test func revokeRecordsWhoWhenAndWhy() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let (id, _) = try org.invite("ann@example.org")
        org.advance(.minutes(5))
        try org.run(.revokeInvitation(id: id, reason: "  role change  "), by: admin)
        let invitation = try #require(org.state.invitations[id])
        #expect(invitation.status == .revoked)
        #expect(invitation.revokedAt == org.now)
        #expect(invitation.revokedBy == admin)
        #expect(invitation.revokedReason == "role change")
        #expect(org.state.pendingInvitation(for: try EmailAddress("ann@example.org")) == nil)
    }

    @Test func aRevokeReasonOfFiveHundredCharactersIsKeptAndOneMoreIsRefused() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("ann@example.org")
        org.expectRefusal(.revokeInvitation(id: id, reason: String(repeating: "é", count: 501)), by: .platformAdmin, .reasonTooLong)
        #expect(org.state.invitations[id]?.status == .pending)
        let reason = String(repeating: "é", count: 500)
        try org.run(.revokeInvitation(id: id, reason: reason), by: .platformAdmin)
        #expect(org.state.invitations[id]?.revokedReason == reason)
    }

    @Test func onlyPendingInvitationsCanBeRevoked() throws {
        var org = OrgFixture()
        let (id, digest) = try org.invite("ann@example.org")
        let userID = UserID.random()
        try org.run(.acceptInvitation(id: id, link: digest, userID: userID, userIsNew: true), by: .user(userID))
        org.expectRefusal(.revokeInvitation(id: id, reason: nil), by: .platformAdmin, .invitationAlreadyAccepted)
        let (second, _) = try org.invite("bob@example.org")
        org.advance(.days(8))
        org.expectRefusal(.revokeInvitation(id: second, reason: nil), by: .platformAdmin, .invitationExpired)
    }

    @Test func theSweepExpiresOnlyInvitationsPastTheirExpiry() throws {
        var org = OrgFixture()
        let (old, _) = try org.invite("old@example.org")
        org.advance(.days(3))
        let (recent, _) = try org.invite("recent@example.org")
        org.advance(.days(4))
        let records = try org.run(.expireInvitations, by: .system)
        #expect(records.map(\.event) == [.invitationExpired(id: old)])
        #expect(org.state.invitations[old]?.status == .expired)
        #expect(org.state.invitations[old]?.expiredAt == org.now)
        #expect(org.state.invitations[recent]?.status == .pending)
        org.expectRefusal(.expireInvitations, by: .user(.random()), .forbidden)
    }

    @Test func reinvitingAfterALapsedInvitationRecordsTheExpiryAndStartsAgain() throws {
        var org = OrgFixture()
        let (old, _) = try org.invite("ann@example.org")
        org.advance(.days(7))
        let (new, _) = try org.invite("ann@example.org")
        #expect(org.state.invitations[old]?.status == .expired)
        #expect(org.state.invitations[new]?.status == .pending)
        #expect(org.state.invitations(for: try EmailAddress("ann@example.org")).map(\.id) == [old, new])
    }

    @Test func listingByEmailWalksThatEmailsOwnInvitationsOldestFirst() throws {
        var org = OrgFixture()
        let (first, _) = try org.invite("ann@example.org")
        try org.invite("bob@example.org")
        try org.run(.revokeInvitation(id: first, reason: nil), by: .platformAdmin)
        let (second, _) = try org.invite("ann@example.org")
        try org.run(.revokeInvitation(id: second, reason: nil), by: .platformAdmin)
        let (third, _) = try org.invite("ANN@example.org")
        let ann = try EmailAddress("ann@example.org")
        let page = try org.state.invitationsPage(for: .platformAdmin, status: nil, email: ann, after: nil, limit: 2, at: org.now)
        let rest = try org.state.invitationsPage(for: .platformAdmin, status: nil, email: ann, after: page.nextCursor, limit: 2, at: org.now)
        #expect(page.items.map(\.id) + rest.items.map(\.id) == [first, second, third] && rest.nextCursor == nil)
        let pending = try org.state.invitationsPage(for: .platformAdmin, status: .pending, email: ann, after: nil, limit: 10, at: org.now)
        #expect(pending.items.map(\.id) == [third])
        let nobody = try org.state.invitationsPage(
            for: .platformAdmin,
            status: nil,
            email: try EmailAddress("cy@example.org"),
            after: nil,
            limit: 10,
            at: org.now
        )
        #expect(nobody.items.isEmpty && nobody.nextCursor == nil)
    }

    @Test func invitationsAreNeverDeletedAndListByEffectiveStatus() throws {
        var org = OrgFixture()
        let (accepted, digest) = try org.invite("a@example.org")
        try org.run(.acceptInvitation(id: accepted, link: digest, userID: .random(), userIsNew: true), by: .system)
        let (revoked, _) = try org.invite("b@example.org")
        try org.run(.revokeInvitation(id: revoked, reason: nil), by: .platformAdmin)
        let (lapsed, _) = try org.invite("c@example.org")
        org.advance(.days(8))
        let (pending, _) = try org.invite("d@example.org")
        let all = try org.state.invitationsPage(for: .platformAdmin, status: nil, email: nil, after: nil, limit: 10, at: org.now)
        #expect(all.items.map(\.id) == [accepted, revoked, lapsed, pending])
        let expired = try org.state.invitationsPage(for: .platformAdmin, status: .expired, email: nil, after: nil, limit: 10, at: org.now)
        #expect(expired.items.map(\.id) == [lapsed])
        let firstPage = try org.state.invitationsPage(for: .platformAdmin, status: nil, email: nil, after: nil, limit: 2, at: org.now)
        let secondPage = try org.state.invitationsPage(
            for: .platformAdmin,
            status: nil,
            email: nil,
            after: firstPage.nextCursor,
            limit: 2,
            at: org.now
        )
        #expect(firstPage.items.map(\.id) + secondPage.items.map(\.id) == all.items.map(\.id))
        #expect(secondPage.nextCursor == nil)
        #expect(throws: DomainError.self) {
            try org.state.invitationsPage(for: .platformAdmin, status: nil, email: nil, after: 99, limit: 2, at: org.now)
        }
        #expect(throws: DomainError.self) {
            try org.state.invitationsPage(for: .platformAdmin, status: nil, email: nil, after: nil, limit: 0, at: org.now)
        }
    }

    @Test func malformedEmailsAreRefused() {
        for bad in [
            "", "   ", "no-at-sign", "two@@example.org", "a@nodot", "a b@example.org", "@example.org", "a@example.",
            String(repeating: "a", count: 250) + "@example.org",
        ] {
            #expect(throws: DomainError.self, "\(bad) was accepted") { try EmailAddress(bad) }
        }
    }
}
