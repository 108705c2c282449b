import MusterDomain
import Testing

/// Rules of the caseload cap, the digest and the delegated collaborator keys that no other suite proves.
@Suite struct UnprovenRulesTests {
    /// A member as the key table sees them: a role, the keys granted on top of it, and what they may then do.
    struct Holder: CustomStringConvertible {
        var role: Role
        var grants: [Permission] = []
        var mayInvite: Bool
        var mayEnd: Bool

        var description: String {
            role.name + grants.map { " + \($0.key)" }.joined()
        }
    }

    /// A viewer's role holds neither collaborator key, the other assignable roles hold both.
    static let holders: [Holder] = [
        Holder(role: .viewer, mayInvite: false, mayEnd: false),
        Holder(role: .viewer, grants: [.collaboratorsInvite], mayInvite: true, mayEnd: false),
        Holder(role: .viewer, grants: [.collaboratorsEnd], mayInvite: false, mayEnd: true),
        Holder(role: .viewer, grants: [.collaboratorsInvite, .collaboratorsEnd], mayInvite: true, mayEnd: true),
        Holder(role: .caseworker, mayInvite: true, mayEnd: true),
        Holder(role: .siteAdmin, mayInvite: true, mayEnd: true),
        Holder(role: .orgAdmin, mayInvite: true, mayEnd: true),
    ]

    /// An invitation of a new `full` collaborator onto `tenantID`.
    static func invitation(onto tenantID: TenantID) throws -> OrgCommand {
        let userID = UserID.random()
        let email = try EmailAddress("worker-\(userID)@support.example")
        let person = OrgCommand.CollaboratorRequest.Person(userID: userID, email: email, fullName: "Sam Worker")
        return .inviteCollaborator(.init(id: .random(), tenantID: tenantID, mode: .full, person: person, seal: OrgFixture.seal()))
    }

    /// The cap is the policy's, decided on the caseload the command carries (the engine counts it): at or past the
    /// cap an account invite is refused `caseload_cap_reached`, below it the same person is invited, and only an
    /// override that actually passes the cap is recorded as one.
    @Test(arguments: [ParticipationMode.full, .contextOnly])
    func theCaseloadCapIsThePolicysAndIsDecidedOnTheCaseloadTheCommandCarries(mode: ParticipationMode) throws {
        var policy = Policy()
        policy.caseloadCap = 2
        var org = OrgFixture(policy: policy)
        let tenant = org.tenant()
        let email = try EmailAddress("busy@support.example")
        let person = OrgCommand.CollaboratorRequest.Person(userID: .random(), email: email, fullName: "Busy Worker")
        for caseload in [2, 3] {
            let request = OrgCommand.CollaboratorRequest(
                id: .random(),
                tenantID: tenant,
                mode: mode,
                person: person,
                seal: OrgFixture.seal(),
                caseload: caseload
            )
            org.expectRefusal(.inviteCollaborator(request), by: .platformAdmin, .caseloadCapReached)
        }

        let belowCap = OrgCommand.CollaboratorRequest(
            id: .random(),
            tenantID: tenant,
            mode: mode,
            person: person,
            seal: OrgFixture.seal(),
            caseload: 1
        )
        try org.run(.inviteCollaborator(belowCap), by: .platformAdmin)
        #expect(org.state.collaborators[belowCap.id]?.capOverridden == false)

        let secondTenant = org.tenant("Jo Tenant")
        let overridden = OrgCommand.CollaboratorRequest(
            id: .random(),
            tenantID: secondTenant,
            mode: mode,
            person: person,
            seal: OrgFixture.seal(),
            caseload: 2,
            overrideCap: true
        )
        try org.run(.inviteCollaborator(overridden), by: .platformAdmin)
        #expect(org.state.collaborators[overridden.id]?.capOverridden == true)

        let thirdTenant = org.tenant("Kim Tenant")
        let needlessOverride = OrgCommand.CollaboratorRequest(
            id: .random(),
            tenantID: thirdTenant,
            mode: mode,
            person: person,
            seal: OrgFixture.seal(),
            caseload: 1,
            overrideCap: true
        )
        try org.run(.inviteCollaborator(needlessOverride), by: .platformAdmin)
        #expect(org.state.collaborators[needlessOverride.id]?.capOverridden == false, "an override below the cap is not recorded as one")
    }

    /// The digest holds the active case team only: an ended collaborator leaves it at once, while staff still see the
    /// ended row on the team list.
    @Test func anEndedCollaboratorIsNotInTheTenantsDigest() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let (endedRow, endedWorker) = org.activeCollaborator(on: tenant, mode: .full)
        let (stayingRow, _) = org.activeCollaborator(on: tenant, mode: .contextOnly)
        #expect(try org.state.digest(of: tenant, for: .platformAdmin).team.map(\.collaboratorID) == [endedRow, stayingRow])
        guard case .user(let endedUserID) = endedWorker else { return }

        org.advance(.hours(1))
        try org.run(.endCollaborator(id: endedRow), by: .platformAdmin)

        let digest = try org.state.digest(of: tenant, for: .platformAdmin)
        #expect(digest.team.map(\.collaboratorID) == [stayingRow])
        #expect(!digest.team.contains { $0.userID == endedUserID })
        #expect(try org.state.team(of: tenant, for: .platformAdmin).map(\.id) == [endedRow, stayingRow], "staff still see the ended row")
    }

    /// `collaborators.invite` and `collaborators.end` work alike by role and by grant: each allows its own act and not
    /// the other's, and a member holding neither is refused `forbidden`.
    @Test(arguments: holders)
    func theCollaboratorKeysWorkByRoleAndByGrantAlike(holder: Holder) throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let principal = org.member("\(holder.role.name)@example.org", role: holder.role)
        guard case .user(let userID) = principal else { return }
        try org.run(.changeGrants(userID: userID, grant: PermissionSet(holder.grants), withdraw: []), by: .platformAdmin)
        #expect(org.state.members[userID]?.role == holder.role, "the grant leaves the role alone")

        let invitation = try Self.invitation(onto: tenant)
        if holder.mayInvite {
            let records = try org.run(invitation, by: principal)
            #expect(records.map(\.event.kind) == [.collaboratorInvited])
        } else {
            org.expectRefusal(invitation, by: principal, .forbidden)
        }

        let (row, _) = org.activeCollaborator(on: tenant, mode: .full)
        if holder.mayEnd {
            try org.run(.endCollaborator(id: row), by: principal)
            #expect(org.state.collaborators[row]?.endedBy == principal)
        } else {
            org.expectRefusal(.endCollaborator(id: row), by: principal, .forbidden)
        }
    }

    /// A viewer gains each collaborator act exactly when granted its key, one at a time, and loses both when the keys
    /// are withdrawn.
    @Test func aViewerInvitesAndEndsCollaboratorsOnlyOnceGrantedEachKey() throws {
        var org = OrgFixture()
        let tenant = org.tenant()
        let viewer = org.member("viewer@example.org", role: .viewer)
        guard case .user(let viewerID) = viewer else { return }
        let (row, _) = org.activeCollaborator(on: tenant, mode: .full)
        let invitation = try Self.invitation(onto: tenant)
        org.expectRefusal(invitation, by: viewer, .forbidden)
        org.expectRefusal(.endCollaborator(id: row), by: viewer, .forbidden)

        try org.run(.changeGrants(userID: viewerID, grant: PermissionSet(.collaboratorsInvite), withdraw: []), by: .platformAdmin)
        try org.run(invitation, by: viewer)
        org.expectRefusal(.endCollaborator(id: row), by: viewer, .forbidden)

        try org.run(.changeGrants(userID: viewerID, grant: PermissionSet(.collaboratorsEnd), withdraw: []), by: .platformAdmin)
        try org.run(.endCollaborator(id: row), by: viewer)
        #expect(org.state.collaborators[row]?.endedBy == viewer)

        let withdrawn = PermissionSet([Permission.collaboratorsInvite, .collaboratorsEnd])
        try org.run(.changeGrants(userID: viewerID, grant: [], withdraw: withdrawn), by: .platformAdmin)
        let (other, _) = org.activeCollaborator(on: tenant, mode: .contextOnly)
        let lateInvitation = try Self.invitation(onto: tenant)
        org.expectRefusal(lateInvitation, by: viewer, .forbidden)
        org.expectRefusal(.endCollaborator(id: other), by: viewer, .forbidden)
    }
}
