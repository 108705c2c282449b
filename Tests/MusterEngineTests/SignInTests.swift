import MusterDomain
import MusterEngine
import Testing

@Suite struct SignInTests {
    @Test func aSignInLinkWorksOnceAndOnlyForAnExistingUser() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        guard case .user(let userID) = try await fixture.member(of: orgID, "ann@example.org", role: .viewer) else { return }
        #expect(try await fixture.engine.requestSignInLink(email: fixture.email("nobody@example.org")) == nil)
        let link = try #require(try await fixture.engine.requestSignInLink(email: fixture.email("ANN@example.org")))
        let signedIn = try await fixture.engine.verifyLink(token: link.token)
        #expect(signedIn.user.id == userID)
        await expectRefusal(.tokenUsed) { try await fixture.engine.verifyLink(token: link.token) }
        let late = try #require(try await fixture.engine.requestSignInLink(email: fixture.email("ann@example.org")))
        fixture.clock.advance(by: .minutes(15))
        await expectRefusal(.tokenExpired) { try await fixture.engine.verifyLink(token: late.token) }
    }

    @Test func anInvitationLinkNeverSignsInThroughVerify() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        let issued = try await fixture.engine.invite(org: orgID, email: fixture.email("ann@example.org"), role: .viewer, method: .email, by: .platformAdmin)
        await expectRefusal(.tokenInvalid) { try await fixture.engine.verifyLink(token: issued.token) }
        #expect(try await fixture.engine.invitation(org: orgID, id: issued.invitation.id, by: .platformAdmin).status == .pending)
    }

    @Test func sessionsExpireAndEndAtLogout() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        let issued = try await fixture.engine.invite(org: orgID, email: fixture.email("ann@example.org"), role: .viewer, method: .email, by: .platformAdmin)
        let first = try await fixture.engine.acceptInvitation(token: issued.token)
        _ = try await fixture.engine.authenticate(bearer: first.sessionToken)
        try await fixture.engine.logout(sessionToken: first.sessionToken)
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: first.sessionToken) }

        let link = try #require(try await fixture.engine.requestSignInLink(email: fixture.email("ann@example.org")))
        let second = try await fixture.engine.verifyLink(token: link.token)
        fixture.clock.advance(by: .hours(12))
        await expectRefusal(.sessionExpired) { try await fixture.engine.authenticate(bearer: second.sessionToken) }
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: "mks_forged") }
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: "garbage") }
    }

    @Test func aTemporaryPasswordSignsInOnlyToBeChangedAndAResetEndsEverySession() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let created = try await fixture.engine.createUserWithTemporaryPassword(org: orgID, email: fixture.email("offline@example.org"), fullName: "Off Line", role: .caseworker, by: admin)
        #expect(created.member.joinedVia == .temporaryPassword)
        let stored = await fixture.engine.directoryState().users[created.member.userID]?.passwordHash
        #expect(stored?.hasPrefix("$pbkdf2-sha256$") == true && stored?.contains(created.temporaryPassword) == false)

        await expectRefusal(.invalidCredentials) { try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: "wrong password") }
        await expectRefusal(.invalidCredentials) { try await fixture.engine.passwordSignIn(email: fixture.email("nobody@example.org"), password: created.temporaryPassword) }
        let session = try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: created.temporaryPassword)
        await expectRefusal(.passwordChangeRequired) { try await fixture.engine.requirePasswordChanged(session.user.id) }
        await expectRefusal(.validationFailed) { try await fixture.engine.changePassword(userID: session.user.id, current: created.temporaryPassword, new: "short") }
        await expectRefusal(.invalidCredentials) { try await fixture.engine.changePassword(userID: session.user.id, current: "not it", new: "a much better passphrase") }
        try await fixture.engine.changePassword(userID: session.user.id, current: created.temporaryPassword, new: "a much better passphrase")
        try await fixture.engine.requirePasswordChanged(session.user.id)
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: session.sessionToken) }

        let fresh = try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: "a much better passphrase")
        let temporary = try await fixture.engine.resetPassword(org: orgID, user: fresh.user.id, by: admin)
        await expectRefusal(.sessionInvalid) { try await fixture.engine.authenticate(bearer: fresh.sessionToken) }
        _ = try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: temporary)
        await expectRefusal(.passwordChangeRequired) { try await fixture.engine.requirePasswordChanged(fresh.user.id) }
    }

    @Test func directCreationRefusesAnExistingAccountAndChangesNothing() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let (other, _) = try await fixture.org("Other")
        _ = try await fixture.member(of: other, "taken@example.org", role: .viewer)
        let before = fixture.sink.records.count
        await expectRefusal(.userExists) {
            try await fixture.engine.createUserWithTemporaryPassword(org: orgID, email: fixture.email("taken@example.org"), fullName: nil, role: .viewer, by: admin)
        }
        await expectRefusal(.forbidden) {
            try await fixture.engine.createUserWithTemporaryPassword(org: orgID, email: fixture.email("new@example.org"), fullName: nil, role: .viewer, by: .user(.random()))
        }
        #expect(fixture.sink.records.count == before)
    }
}
