import MusterDomain
import MusterEngine
import Testing

@Suite struct InvitationFlowTests {
    @Test func twoAcceptsOfOneInvitationRacingOnTheEngineHaveExactlyOneWinner() async throws {
        let fixture = EngineFixture()
        let (orgID, _) = try await fixture.org()
        let issued = try await fixture.engine.invite(
            org: orgID,
            email: fixture.email("racer@example.org"),
            role: .caseworker,
            method: .email,
            by: .platformAdmin
        )
        let outcomes = await withTaskGroup(of: Result<UserID, any Error>.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    do { return .success(try await fixture.engine.acceptInvitation(token: issued.token).user.id) } catch { return .failure(error) }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        for case .failure(let error) in outcomes {
            #expect((error as? DomainError)?.code == .invitationAlreadyAccepted)
        }
        let members = try await fixture.engine.members(org: orgID, by: .platformAdmin).items.filter { $0.email.value == "racer@example.org" }
        #expect(members.map(\.userID) == winners)
        let directory = await fixture.engine.directoryState()
        #expect(directory.users.rows.filter { $0.email.value == "racer@example.org" }.count == 1)
    }

    @Test func previewChangesNothingAndAcceptSignsTheNewMemberIn() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let issued = try await fixture.engine.invite(org: orgID, email: fixture.email("ann@example.org"), role: .siteAdmin, method: .email, by: admin)
        let recordsBefore = fixture.sink.records.count
        let preview = try await fixture.engine.previewInvitation(token: issued.token)
        #expect(preview.isValid && preview.email.value == "ann@example.org" && preview.role == .siteAdmin && preview.orgName == "Riverside Housing")
        #expect(fixture.sink.records.count == recordsBefore, "a preview wrote to the log")
        let acceptance = try await fixture.engine.acceptInvitation(token: issued.token)
        #expect(acceptance.invitation.status == .accepted)
        let principal = try await fixture.engine.authenticate(bearer: acceptance.sessionToken)
        #expect(principal == .user(acceptance.user.id))
        let profile = try await fixture.engine.profile(of: acceptance.user.id)
        #expect(profile.memberships.map(\.orgID) == [orgID])
        #expect(profile.memberships.first?.role == .siteAdmin)
        let afterwards = try await fixture.engine.previewInvitation(token: issued.token)
        #expect(!afterwards.isValid && afterwards.refusal?.code == .invitationAlreadyAccepted)
    }

    @Test func refusedLinksSayWhyAndCreateNoUser() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let revoked = try await fixture.engine.invite(
            org: orgID,
            email: fixture.email("revoked@example.org"),
            role: .viewer,
            method: .email,
            by: admin
        )
        _ = try await fixture.engine.revokeInvitation(org: orgID, id: revoked.invitation.id, reason: "wrong address", by: admin)
        await expectRefusal(.invitationRevoked) { try await fixture.engine.acceptInvitation(token: revoked.token) }

        let expired = try await fixture.engine.invite(org: orgID, email: fixture.email("late@example.org"), role: .viewer, method: .email, by: admin)
        fixture.clock.advance(by: .days(7))
        await expectRefusal(.invitationExpired) { try await fixture.engine.acceptInvitation(token: expired.token) }

        var tampered = Array(revoked.token)
        tampered[10] = tampered[10] == "A" ? "B" : "A"
        await expectRefusal(.tokenInvalid) { try await fixture.engine.acceptInvitation(token: String(tampered)) }
        await expectRefusal(.tokenInvalid) { try await fixture.engine.acceptInvitation(token: "not a token") }

        let directory = await fixture.engine.directoryState()
        #expect(directory.user(email: fixture.email("revoked@example.org")) == nil)
        #expect(directory.user(email: fixture.email("late@example.org")) == nil)
    }

    @Test func aResentInvitationRetiresTheOldLink() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let first = try await fixture.engine.invite(org: orgID, email: fixture.email("ann@example.org"), role: .viewer, method: .email, by: admin)
        let second = try await fixture.engine.resendInvitation(org: orgID, id: first.invitation.id, by: admin)
        #expect(second.token != first.token)
        await expectRefusal(.resendCooldown) { try await fixture.engine.resendInvitation(org: orgID, id: first.invitation.id, by: admin) }
        await expectRefusal(.tokenSuperseded) { try await fixture.engine.acceptInvitation(token: first.token) }
        _ = try await fixture.engine.acceptInvitation(token: second.token)
    }

    @Test func theSweepExpiresLapsedInvitationsInEveryOrg() async throws {
        let fixture = EngineFixture()
        let (first, _) = try await fixture.org("First")
        let (second, _) = try await fixture.org("Second")
        let a = try await fixture.engine.invite(org: first, email: fixture.email("a@example.org"), role: .viewer, method: .email, by: .platformAdmin)
        let b = try await fixture.engine.invite(org: second, email: fixture.email("b@example.org"), role: .viewer, method: .email, by: .platformAdmin)
        fixture.clock.advance(by: .days(8))
        #expect(try await fixture.engine.expireInvitations() == 2)
        #expect(try await fixture.engine.invitation(org: first, id: a.invitation.id, by: .platformAdmin).status == .expired)
        #expect(try await fixture.engine.invitation(org: second, id: b.invitation.id, by: .platformAdmin).status == .expired)
        #expect(try await fixture.engine.expireInvitations() == 0)
    }

    @Test func addingAnExistingUserNeedsThemToExistAndGivesAccessAtFirstSignIn() async throws {
        let fixture = EngineFixture()
        let (sister, _) = try await fixture.org("Sister Org")
        let (orgID, admin) = try await fixture.org()
        await expectRefusal(.userNotFound) {
            try await fixture.engine.invite(org: orgID, email: fixture.email("nobody@example.org"), role: .viewer, method: .existingUser, by: admin)
        }
        guard case .user(let existing) = try await fixture.member(of: sister, "shared@example.org", role: .caseworker) else { return }
        let issued = try await fixture.engine.invite(
            org: orgID,
            email: fixture.email("shared@example.org"),
            role: .viewer,
            method: .existingUser,
            by: admin
        )
        #expect(try await fixture.engine.members(org: orgID, by: admin).items.allSatisfy { $0.userID != existing })
        let acceptance = try await fixture.engine.acceptInvitation(token: issued.token)
        #expect(acceptance.user.id == existing)
        let member = try await fixture.engine.members(org: orgID, by: admin).items.first { $0.userID == existing }
        #expect(member?.joinedVia == .existingUser)
        #expect(try await fixture.engine.profile(of: existing).memberships.count == 2)
    }
}
