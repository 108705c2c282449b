import MusterDomain
import Testing

/// Every decision of SPEC §2's permission table, allowed and refused, for each assignable role,
/// a member holding a single granted key, the platform admin, an API key, and outsiders.
@Suite struct PermissionTableTests {
    /// The actions of the table.
    enum Action: String, CaseIterable {
        case listMembers, invite, addExisting, createDirect, revoke, resend, changeRole, removeMember, resetPassword
    }

    /// Who may do each action by default, by role.
    static let allowedRoles: [Action: Set<Role>] = [
        .listMembers: [.orgAdmin, .siteAdmin],
        .invite: [.orgAdmin, .siteAdmin],
        .addExisting: [.orgAdmin, .siteAdmin],
        .createDirect: [.orgAdmin],
        .revoke: [.orgAdmin],
        .resend: [.orgAdmin],
        .changeRole: [.orgAdmin],
        .removeMember: [.orgAdmin],
        .resetPassword: [.orgAdmin],
    ]

    /// The key that delegates each action on its own.
    static let delegatingKey: [Action: Permission] = [
        .listMembers: .usersView, .invite: .usersInvite, .addExisting: .usersInvite, .createDirect: .usersCreateDirect,
        .revoke: .usersRevoke, .resend: .usersResend, .changeRole: .usersManageRoles, .removeMember: .usersManageRoles,
        .resetPassword: .usersResetPassword,
    ]

    /// Attempts `action` as `principal` on a fresh target; returns the refusal, or nil.
    static func attempt(_ action: Action, by principal: Principal, in org: inout OrgFixture) -> DomainError? {
        do {
            switch action {
            case .listMembers:
                _ = try org.state.membersPage(for: principal, includeRemoved: false, after: nil, limit: 10)
            case .invite, .addExisting:
                let method: Invitation.Method = action == .invite ? .email : .existingUser
                try org.run(
                    .invite(
                        id: .random(),
                        email: try EmailAddress("new-\(UInt32.random(in: 0 ... .max))@example.org"),
                        role: .viewer,
                        method: method,
                        existingUserID: .random(),
                        seal: OrgFixture.seal()
                    ),
                    by: principal
                )
            case .createDirect:
                try org.state.requireDirectCreate(by: principal, policy: org.policy)
                try org.run(
                    .addDirectMember(
                        userID: .random(),
                        email: try EmailAddress("direct-\(UInt32.random(in: 0 ... .max))@example.org"),
                        role: .viewer,
                        userIsNew: true
                    ),
                    by: principal
                )
            case .revoke:
                let (id, _) = try org.invite("revoke-\(UInt32.random(in: 0 ... .max))@example.org")
                try org.run(.revokeInvitation(id: id, reason: nil), by: principal)
            case .resend:
                let (id, _) = try org.invite("resend-\(UInt32.random(in: 0 ... .max))@example.org")
                org.advance(.minutes(2))
                try org.run(.resendInvitation(id: id, seal: OrgFixture.seal()), by: principal)
            case .changeRole:
                guard case .user(let target) = org.member("role-\(UInt32.random(in: 0 ... .max))@example.org", role: .viewer) else { return nil }
                try org.run(.changeRole(userID: target, role: .caseworker), by: principal)
            case .removeMember:
                guard case .user(let target) = org.member("remove-\(UInt32.random(in: 0 ... .max))@example.org", role: .viewer) else { return nil }
                try org.run(.removeMember(userID: target), by: principal)
            case .resetPassword:
                guard case .user(let target) = org.member("reset-\(UInt32.random(in: 0 ... .max))@example.org", role: .viewer) else { return nil }
                try org.run(
                    .resetPassword(userID: target, target: PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: true)),
                    by: principal
                )
            }
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: Role.assignable, Action.allCases)
    func eachRoleIsAllowedExactlyTheActionsOfTheTable(role: Role, action: Action) {
        var org = OrgFixture()
        let principal = org.member("\(role.name)@example.org", role: role)
        let refusal = Self.attempt(action, by: principal, in: &org)
        if Self.allowedRoles[action]!.contains(role) {
            #expect(refusal == nil, "\(role.name) was refused \(action): \(refusal?.message ?? "")")
        } else {
            #expect(refusal?.code == .forbidden, "\(role.name) was not refused \(action)")
        }
    }

    /// A caseworker's role allows none of the table's actions, and covers the target roles the
    /// attempts confer (viewer and caseworker), so the single key alone decides.
    @Test(arguments: Action.allCases)
    func aCaseworkerGrantedTheSingleKeyMayDoThatActionAndNothingElse(action: Action) throws {
        var org = OrgFixture()
        let principal = org.member("delegate@example.org", role: .caseworker)
        guard case .user(let userID) = principal else { return }
        let key = Self.delegatingKey[action]!
        try org.run(.changeGrants(userID: userID, grant: PermissionSet(key), withdraw: []), by: .platformAdmin)
        #expect(org.state.members[userID]?.role == .caseworker, "the grant leaves the role alone")
        #expect(Self.attempt(action, by: principal, in: &org) == nil)
        for other in Action.allCases where Self.delegatingKey[other] != key {
            #expect(Self.attempt(other, by: principal, in: &org)?.code == .forbidden, "the \(key.key) key also allowed \(other)")
        }
    }

    @Test(arguments: Action.allCases)
    func thePlatformAdminMayDoEverythingInEveryOrg(action: Action) {
        var org = OrgFixture()
        #expect(Self.attempt(action, by: .platformAdmin, in: &org) == nil)
    }

    /// An outsider is told the org does not exist, in the words used for an org that really
    /// does not exist: the refusal neither confirms the org nor names it.
    @Test(arguments: Action.allCases)
    func nobodyActsInAnOrgTheyDoNotBelongTo(action: Action) {
        var org = OrgFixture()
        var other = OrgFixture()
        let outsider = other.member("admin@elsewhere.org", role: .orgAdmin)
        let refusal = Self.attempt(action, by: outsider, in: &org)
        #expect(refusal?.code == .notFound)
        #expect(refusal?.message == "organisation \(org.state.id) does not exist")
        #expect(refusal?.message.contains(org.state.name) == false)
    }

    @Test(arguments: Action.allCases)
    func aRemovedMemberLosesEveryPermissionAtOnce(action: Action) throws {
        var org = OrgFixture()
        let principal = org.member("leaving@example.org", role: .orgAdmin)
        _ = org.member("staying@example.org", role: .orgAdmin)
        guard case .user(let userID) = principal else { return }
        try org.run(.removeMember(userID: userID), by: .platformAdmin)
        #expect(Self.attempt(action, by: principal, in: &org)?.code == .notFound)
    }

    @Test func anAPIKeyActsWithItsRoleUntilRevoked() throws {
        var org = OrgFixture()
        let keyID = APIKeyID.random()
        try org.run(.createAPIKey(id: keyID, name: "backend", role: .siteAdmin, secretDigest: OrgFixture.randomDigest()), by: .platformAdmin)
        #expect(Self.attempt(.invite, by: .apiKey(keyID), in: &org) == nil)
        #expect(Self.attempt(.revoke, by: .apiKey(keyID), in: &org)?.code == .forbidden)
        try org.run(.revokeAPIKey(id: keyID), by: .platformAdmin)
        #expect(Self.attempt(.invite, by: .apiKey(keyID), in: &org)?.code == .notFound)
    }

    @Test func directCreationFollowsTheDeploymentPolicy() {
        var platformOnly = Policy()
        platformOnly.directCreate = .platformAdminOnly
        var org = OrgFixture(policy: platformOnly)
        let admin = org.member("admin@example.org", role: .orgAdmin)
        #expect(Self.attempt(.createDirect, by: admin, in: &org)?.code == .forbidden)
        #expect(Self.attempt(.createDirect, by: .platformAdmin, in: &org) == nil)

        var disabled = Policy()
        disabled.directCreate = .disabled
        var closed = OrgFixture(policy: disabled)
        #expect(Self.attempt(.createDirect, by: .platformAdmin, in: &closed)?.code == .directCreateDisabled)
    }

    @Test func nobodyGrantsAKeyTheyDoNotHold() throws {
        var org = OrgFixture()
        let delegate = org.member("delegate@example.org", role: .viewer)
        guard case .user(let delegateID) = delegate, case .user(let targetID) = org.member("target@example.org", role: .viewer) else { return }
        try org.run(.changeGrants(userID: delegateID, grant: PermissionSet(.usersManageRoles), withdraw: []), by: .platformAdmin)
        org.expectRefusal(.changeGrants(userID: targetID, grant: PermissionSet(.usersResetPassword), withdraw: []), by: delegate, .beyondOwnAuthority)
        try org.run(.changeGrants(userID: targetID, grant: PermissionSet(.usersManageRoles), withdraw: []), by: delegate)
        try org.run(.changeGrants(userID: targetID, grant: [], withdraw: PermissionSet(.usersManageRoles)), by: delegate)
        #expect(org.state.members[targetID]?.grants == [])
        org.expectRefusal(
            .changeGrants(userID: targetID, grant: PermissionSet(.usersView), withdraw: PermissionSet(.usersView)),
            by: .platformAdmin,
            .validationFailed
        )
    }

    @Test func theLastOrgAdminCannotBeDemotedOrRemoved() throws {
        var org = OrgFixture()
        guard case .user(let adminID) = org.member("admin@example.org", role: .orgAdmin) else { return }
        org.expectRefusal(.changeRole(userID: adminID, role: .viewer), by: .platformAdmin, .lastOrgAdmin)
        org.expectRefusal(.removeMember(userID: adminID), by: .platformAdmin, .lastOrgAdmin)
        _ = org.member("second@example.org", role: .orgAdmin)
        try org.run(.changeRole(userID: adminID, role: .viewer), by: .platformAdmin)
        #expect(org.state.members[adminID]?.role == .viewer)
    }

    @Test func rolesAreChangedOnlyToAssignableRoles() throws {
        var org = OrgFixture()
        guard case .user(let userID) = org.member("ann@example.org", role: .viewer) else { return }
        org.expectRefusal(.changeRole(userID: userID, role: .fmTechnician), by: .platformAdmin, .roleNotAssignable)
        org.expectRefusal(.changeRole(userID: .random(), role: .viewer), by: .platformAdmin, .notFound)
        try org.run(.removeMember(userID: userID), by: .platformAdmin)
        org.expectRefusal(.changeRole(userID: userID, role: .caseworker), by: .platformAdmin, .memberRemoved)
        #expect(org.state.members[userID]?.removedAt == org.now, "the removed membership is kept")
    }
}
