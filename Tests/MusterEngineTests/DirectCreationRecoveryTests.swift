import MusterDomain
import Testing

@testable import MusterEngine

/// A direct creation writes the user, then the membership. A crash between the two leaves an
/// account nobody has a password for; the retry finishes it. Nothing else may be "finished":
/// these tests play the org that tries to set the password of an account it does not own.
@Suite struct DirectCreationRecoveryTests {
    /// What a crash after the first record leaves: the user, created for `orgID`, no member.
    private static func interruptedCreation(_ fixture: EngineFixture, org orgID: OrganisationID, _ email: String) async throws -> UserID {
        let userID = UserID.timeOrdered()
        let command = DirectoryCommand.createUser(
            id: userID,
            email: try EmailAddress(email),
            fullName: nil,
            origin: .temporaryPassword,
            createdFor: orgID,
            passwordHash: "$pbkdf2-sha256$lost-with-the-crash",
            identityOrganisation: nil
        )
        _ = try await fixture.engine.directory.execute(command, by: .platformAdmin)
        return userID
    }

    @Test func aRetryAfterACrashBetweenTheUserAndTheMembershipFinishesTheCreation() async throws {
        let fixture = EngineFixture()
        let (orgID, admin) = try await fixture.org()
        let userID = try await Self.interruptedCreation(fixture, org: orgID, "offline@example.org")
        let created = try await fixture.engine.createUserWithTemporaryPassword(
            org: orgID,
            email: fixture.email("offline@example.org"),
            fullName: nil,
            role: .caseworker,
            by: admin
        )
        #expect(created.member.userID == userID && created.member.role == .caseworker)
        let session = try await fixture.engine.passwordSignIn(email: fixture.email("offline@example.org"), password: created.temporaryPassword)
        #expect(session.user.id == userID)
        await expectRefusal(.passwordChangeRequired) { try await fixture.engine.requirePasswordChanged(userID) }
        // Finished once: now it is this org's member like any other.
        await expectRefusal(.alreadyMember) {
            try await fixture.engine.createUserWithTemporaryPassword(
                org: orgID,
                email: fixture.email("offline@example.org"),
                fullName: nil,
                role: .viewer,
                by: admin
            )
        }
    }

    @Test func anotherOrgCannotFinishACreationItDidNotStart() async throws {
        let fixture = EngineFixture()
        let (orgA, _) = try await fixture.org("A")
        let (orgB, adminB) = try await fixture.org("B")
        let userID = try await Self.interruptedCreation(fixture, org: orgA, "offline@example.org")
        let before = fixture.sink.records.count
        await expectRefusal(.userExists) {
            try await fixture.engine.createUserWithTemporaryPassword(
                org: orgB,
                email: fixture.email("offline@example.org"),
                fullName: nil,
                role: .orgAdmin,
                by: adminB
            )
        }
        #expect(fixture.sink.records.count == before, "a refused takeover wrote nothing")
        #expect(await fixture.engine.directoryState().users[userID]?.passwordHash == "$pbkdf2-sha256$lost-with-the-crash")
    }

    @Test func anAccountThatSignedInOrJoinedAnOrgIsNeverFinishedAgain() async throws {
        let fixture = EngineFixture()
        let (orgA, adminA) = try await fixture.org("A")
        let (orgB, _) = try await fixture.org("B")
        // Signed in once (a magic link), though a member of nothing.
        let signedIn = try await Self.interruptedCreation(fixture, org: orgA, "signed@example.org")
        let link = try #require(try await fixture.engine.requestSignInLink(email: fixture.email("signed@example.org")))
        _ = try await fixture.engine.verifyLink(token: link.token)
        // A member of another org, though never signed in.
        let joined = try await Self.interruptedCreation(fixture, org: orgA, "joined@example.org")
        let join = OrgCommand.addDirectMember(userID: joined, email: try EmailAddress("joined@example.org"), role: .viewer, userIsNew: false)
        _ = try await fixture.engine.run(join, on: orgB, by: .platformAdmin, context: .detached) { _ in () }
        #expect(await fixture.engine.directoryState().users[joined]?.lastSignInAt == nil)
        for (email, userID) in [("signed@example.org", signedIn), ("joined@example.org", joined)] {
            let hash = await fixture.engine.directoryState().users[userID]?.passwordHash
            await expectRefusal(.userExists) {
                try await fixture.engine.createUserWithTemporaryPassword(
                    org: orgA,
                    email: fixture.email(email),
                    fullName: nil,
                    role: .orgAdmin,
                    by: adminA
                )
            }
            #expect(await fixture.engine.directoryState().users[userID]?.passwordHash == hash, "\(email)'s password is untouched")
        }
    }
}
