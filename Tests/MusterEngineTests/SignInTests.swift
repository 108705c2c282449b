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
        let issued = try await fixture.engine.invite(
            org: orgID,
            email: fixture.email("ann@example.org"),
            role: .viewer,
            method: .email,
            by: .platformAdmin
        )
        await expectRefusal(.tokenInvalid) { try await fixture.engine.verifyLink(token: issued.token) }
        #expect(try await fixture.engine.invitation(org: orgID, id: issued.invitation.id, by: .platformAdmin).status == .pending)
    }

    @Test func sessionsExpireAndEndAtLogout() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        let issued = try await fixture.engine.invite(
            org: orgID,
            email: fixture.email("ann@example.org"),
            role: .viewer,
            method: .email,
            by: .platformAdmin
        )
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
        let created = try await fixture.engine.createUserWithTemporaryPassword(
            org: orgID,
            email: fixture.email("offline@example.org"),
            fullName: "Off Line",
            role: .caseworker,
            by: admin
        )
        #expect(created.member.joinedVia == .temporaryPassword)
        let stored = await fixture.engine.directoryState().users[created.member.userID]?.passwordHash
        #expect(stored?.hasPrefix("$pbkdf2-sha256$") == true && stored?.contains(created.temporaryPassword) == false)

        await expectRefusal(.invalidCredentials) {
            try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: "wrong password")
        }
        await expectRefusal(.invalidCredentials) {
            try await fixture.engine.passwordSignIn(email: fixture.email("nobody@example.org"), password: created.temporaryPassword)
        }
        let session = try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: created.temporaryPassword)
        await expectRefusal(.passwordChangeRequired) { try await fixture.engine.requirePasswordChanged(session.user.id) }
        await expectRefusal(.validationFailed) {
            try await fixture.engine.changePassword(userID: session.user.id, current: created.temporaryPassword, new: "short")
        }
        await expectRefusal(.invalidCredentials) {
            try await fixture.engine.changePassword(userID: session.user.id, current: "not it", new: "a much better passphrase")
        }
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
            try await fixture.engine.createUserWithTemporaryPassword(
                org: orgID,
                email: fixture.email("taken@example.org"),
                fullName: nil,
                role: .viewer,
                by: admin
            )
        }
        await expectRefusal(.notFound) {
            try await fixture.engine.createUserWithTemporaryPassword(
                org: orgID,
                email: fixture.email("new@example.org"),
                fullName: nil,
                role: .viewer,
                by: .user(.random())
            )
        }
        #expect(fixture.sink.records.count == before)
    }

    /// The attack: Bob is a caseworker in org A and org admin of org B. A's admin resets his
    /// password, signs in as Bob and runs org B. A user is global; A's authority ends at A.
    @Test func anOrgCannotTakeOverAnAccountSharedWithAnotherOrgThroughAPasswordReset() async throws {
        let fixture = EngineFixture()
        let (orgA, adminA) = try await fixture.org("A")
        let (orgB, _) = try await fixture.org("B")
        let bob = try await fixture.engine.createUserWithTemporaryPassword(
            org: orgA,
            email: fixture.email("bob@example.org"),
            fullName: "Bob",
            role: .caseworker,
            by: adminA
        )
        let intoB = try await fixture.engine.invite(
            org: orgB,
            email: fixture.email("bob@example.org"),
            role: .orgAdmin,
            method: .existingUser,
            by: .platformAdmin
        )
        _ = try await fixture.engine.acceptInvitation(token: intoB.token)
        let before = fixture.sink.records.count
        await expectRefusal(.userSharedAcrossOrgs) { try await fixture.engine.resetPassword(org: orgA, user: bob.member.userID, by: adminA) }
        #expect(fixture.sink.records.count == before, "the refused reset logged nothing")
        _ = try await fixture.engine.passwordSignIn(email: fixture.email("bob@example.org"), password: bob.temporaryPassword)
        // The platform admin's authority is not bounded by an org.
        let reset = try await fixture.engine.resetPassword(org: orgA, user: bob.member.userID, by: .platformAdmin)
        _ = try await fixture.engine.passwordSignIn(email: fixture.email("bob@example.org"), password: reset)
    }

    @Test func anAssignmentInAnotherOrgAlsoPutsTheAccountBeyondAnOrgsReset() async throws {
        let fixture = EngineFixture()
        let (orgA, adminA) = try await fixture.org("A")
        let (orgB, _) = try await fixture.org("B")
        let bob = try await fixture.engine.createUserWithTemporaryPassword(
            org: orgA,
            email: fixture.email("bob@example.org"),
            fullName: "Bob",
            role: .viewer,
            by: adminA
        )
        let tenant = try await fixture.engine.createTenant(org: orgB, name: "Jo Tenant", reference: nil, by: .platformAdmin)
        let (row, _) = try await fixture.activeCollaborator(org: orgB, tenant: tenant.id, "bob@example.org")
        await expectRefusal(.userSharedAcrossOrgs) { try await fixture.engine.resetPassword(org: orgA, user: bob.member.userID, by: adminA) }
        // Once the assignment has ended, Bob is wholly A's again.
        _ = try await fixture.engine.endCollaborator(org: orgB, tenant: tenant.id, id: row.id, by: .platformAdmin)
        _ = try await fixture.engine.resetPassword(org: orgA, user: bob.member.userID, by: adminA)
    }

    @Test func someoneWhoJoinedByLinkIsGivenNoPasswordByAnAdmin() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        guard case .user(let annID) = try await fixture.member(of: orgID, "ann@example.org", role: .viewer) else { return }
        await expectRefusal(.passwordNotAllowed) { try await fixture.engine.resetPassword(org: orgID, user: annID, by: admin) }
        #expect(await fixture.engine.directoryState().users[annID]?.passwordHash == nil)
    }
}
