import MusterDomain
import Testing

@Suite struct ResendLimitTests {
    @Test func aResendRotatesTheLinkRefreshesTheExpiryAndCounts() throws {
        var org = OrgFixture()
        let (id, oldDigest) = try org.invite("ann@example.org")
        org.advance(.days(2))
        let seal = OrgFixture.seal()
        try org.run(.resendInvitation(id: id, seal: seal), by: .platformAdmin)
        let invitation = try #require(org.state.invitations[id])
        #expect(invitation.link == LinkCheck(seal) && invitation.link?.admits(oldDigest) == false)
        #expect(invitation.expiresAt == org.now.adding(.days(7)))
        #expect(invitation.resentAt == org.now)
        #expect(invitation.resendCount == 1)
    }

    /// The cooldown runs between resends: the invitation's own email does not start one.
    @Test func theFirstResendMayFollowTheInvitationAtOnce() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("ann@example.org")
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(org.state.invitations[id]?.resendCount == 1)
        org.expectRefusal(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin, .resendCooldown)
    }

    @Test func aResendFiftyNineSecondsAfterTheLastIsRefusedWithTheTimeToWait() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("ann@example.org")
        org.advance(.minutes(5))
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
        org.advance(.seconds(59))
        let before = org.state
        do {
            try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
            Issue.record("a resend 59 s after the last went through")
        } catch {
            #expect(error.code == .resendCooldown)
            #expect(error.retryAfter == .seconds(1))
            #expect(error.message.contains("wait"))
        }
        #expect(org.state == before)
        org.advance(.seconds(1))
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(org.state.invitations[id]?.resendCount == 2)
    }

    @Test func theSixthResendInTwentyFourHoursIsRefusedUntilTheOldestLeavesTheWindow() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("ann@example.org")
        var sendTimes = [Timestamp]()
        for _ in 0..<5 {
            org.advance(.minutes(10))
            try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
            sendTimes.append(org.now)
        }
        org.advance(.minutes(10))
        do {
            try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
            Issue.record("a sixth resend in 24 h went through")
        } catch {
            #expect(error.code == .resendDailyLimit)
            #expect(error.retryAfter == sendTimes[0].adding(.hours(24)).span(since: org.now))
            #expect(error.message.contains("limit"))
        }
        // One millisecond before the first resend leaves the window: still refused.
        org.now = sendTimes[0].adding(.hours(24)).adding(Span(milliseconds: -1))
        org.expectRefusal(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin, .resendDailyLimit)
        org.now = sendTimes[0].adding(.hours(24))
        try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin)
        #expect(org.state.invitations[id]?.resendCount == 6)
    }

    @Test func onlyPendingInvitationsCanBeResent() throws {
        var org = OrgFixture()
        let (id, _) = try org.invite("ann@example.org")
        try org.run(.revokeInvitation(id: id, reason: nil), by: .platformAdmin)
        org.advance(.minutes(5))
        org.expectRefusal(.resendInvitation(id: id, seal: OrgFixture.seal()), by: .platformAdmin, .invitationRevoked)
        org.expectRefusal(.resendInvitation(id: .random(), seal: OrgFixture.seal()), by: .platformAdmin, .invitationNotFound)
    }
}
