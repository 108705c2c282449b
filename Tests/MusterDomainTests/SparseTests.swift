import Testing

@testable import MusterDomain

/// A row's rarely set fields live behind one pointer; the row must still behave as a value
/// whose fields are all its own.
@Suite struct SparseTests {
    private static let at = Timestamp(millisecondsSinceEpoch: 1_767_225_600_000)

    private static func invitation() -> Invitation {
        Invitation(
            id: .random(),
            orgID: .random(),
            email: try! EmailAddress("ann@example.org"),
            role: .viewer,
            method: .email,
            status: .pending,
            invitedBy: .platformAdmin,
            createdAt: at,
            expiresAt: at.adding(.days(7)),
            resendCount: 0,
            recentResends: []
        )
    }

    @Test func everyRareFieldReadsBackWhatWasSet() throws {
        var row = Self.invitation()
        let userID = UserID.random()
        let earlier = InvitationID.random()
        row.acceptedAt = Self.at.adding(.days(1))
        row.acceptedBy = userID
        row.revokedAt = Self.at.adding(.days(2))
        row.revokedBy = .platformAdmin
        row.revokedReason = "left the team"
        row.expiredAt = Self.at.adding(.days(3))
        row.resentAt = Self.at.adding(.days(4))
        row.recentResends = [Self.at, Self.at.adding(.days(4))]
        row.reinviteOf = earlier
        row.redirect = try RedirectURL("https://app.example.org/welcome")
        #expect(row.acceptedAt == Self.at.adding(.days(1)) && row.acceptedBy == userID)
        #expect(row.revokedAt == Self.at.adding(.days(2)) && row.revokedBy == .platformAdmin && row.revokedReason == "left the team")
        #expect(row.expiredAt == Self.at.adding(.days(3)) && row.resentAt == Self.at.adding(.days(4)))
        #expect(row.recentResends == [Self.at, Self.at.adding(.days(4))] && row.reinviteOf == earlier)
        #expect(row.redirect?.description == "https://app.example.org/welcome")
        // The fields set through the initializer land in the same place.
        let built = Invitation(
            id: row.id,
            orgID: row.orgID,
            email: row.email,
            role: row.role,
            method: row.method,
            status: row.status,
            invitedBy: row.invitedBy,
            createdAt: row.createdAt,
            expiresAt: row.expiresAt,
            acceptedAt: row.acceptedAt,
            acceptedBy: row.acceptedBy,
            revokedAt: row.revokedAt,
            revokedBy: row.revokedBy,
            revokedReason: row.revokedReason,
            expiredAt: row.expiredAt,
            resentAt: row.resentAt,
            resendCount: row.resendCount,
            recentResends: row.recentResends
        )
        var sameAsBuilt = row
        sameAsBuilt.reinviteOf = nil
        sameAsBuilt.redirect = nil
        #expect(built == sameAsBuilt && built.hashValue == sameAsBuilt.hashValue)
    }

    @Test func aRowWhoseRareFieldsWereSetAndClearedEqualsOneThatNeverHadThem() {
        let plain = Self.invitation()
        var touched = plain
        touched.revokedReason = "a mistake"
        #expect(touched != plain)
        touched.revokedReason = nil
        #expect(touched == plain && touched.hashValue == plain.hashValue)
    }

    @Test func aCopyChangesAloneItsOwnRareFields() {
        var original = Self.invitation()
        original.revokedReason = "first"
        var copy = original
        copy.revokedReason = "second"
        copy.recentResends.append(Self.at)
        #expect(original.revokedReason == "first" && original.recentResends.isEmpty)
        #expect(copy.revokedReason == "second" && copy.recentResends == [Self.at])
    }

    @Test func aWorkspaceWrittenInACopyOfATenantLeavesTheOriginalAsItWas() {
        let original = Tenant(id: .random(), name: "Flat 4", createdAt: Self.at, createdBy: .platformAdmin, workspace: Workspace())
        var copy = original
        let authorship = Authorship(author: .platformAdmin, at: Self.at)
        copy.workspace.notes.append(Note(id: .random(), kind: .shared, body: "moved in", authorship: authorship))
        copy.workspace.notes.append(Note(id: .random(), kind: .shared, body: "keys returned", authorship: authorship))
        #expect(original.workspace.notes.isEmpty && original.workspace == Workspace())
        #expect(copy.workspace.notes.map(\.body) == ["moved in", "keys returned"])
        #expect(copy != original)
    }

    @Test("Every outcome field of an invitation reads back as set, from a row built with it and from one changed into it, and sets nothing else")
    func outcomeFieldsReadBackAndStayApartFromTheRest() {
        let later = Self.at.adding(.days(1))
        let user = UserID.random()
        var changed = Self.invitation()
        changed.status = .accepted
        changed.acceptedAt = later
        changed.acceptedBy = user
        let built = Invitation(
            id: changed.id,
            orgID: changed.orgID,
            email: changed.email,
            role: changed.role,
            method: changed.method,
            status: .accepted,
            invitedBy: changed.invitedBy,
            createdAt: changed.createdAt,
            expiresAt: changed.expiresAt,
            acceptedAt: later,
            acceptedBy: user,
            resendCount: 0,
            recentResends: []
        )
        #expect(built == changed && built.hashValue == changed.hashValue)
        for row in [built, changed] {
            #expect(row.acceptedAt == later && row.acceptedBy == user)
            #expect(row.revokedAt == nil && row.revokedBy == nil && row.revokedReason == nil && row.expiredAt == nil)
            #expect(row.resentAt == nil && row.recentResends.isEmpty && row.locale == nil && row.reinviteOf == nil && row.redirect == nil)
        }
        var revoked = Self.invitation()
        revoked.revokedAt = later
        revoked.revokedBy = .platformAdmin
        revoked.revokedReason = "sent to the wrong address"
        revoked.expiredAt = later.adding(.days(1))
        revoked.resentAt = later
        #expect(revoked.revokedAt == later && revoked.revokedBy == .platformAdmin && revoked.revokedReason == "sent to the wrong address")
        #expect(revoked.expiredAt == later.adding(.days(1)) && revoked.resentAt == later && revoked.acceptedAt == nil)
    }

    @Test(
        "An ended invitation's outcome is a box of its own, its times packed: the box 88 bytes and the row 136, where one box of every rare field was 208"
    )
    func anInvitationsOutcomeIsASmallBoxOfItsOwn() {
        #expect(MemoryLayout<Invitation.Outcome>.size <= 88)
        #expect(MemoryLayout<Invitation>.stride <= 136)
    }
}
