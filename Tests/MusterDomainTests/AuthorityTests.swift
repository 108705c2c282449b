import MusterDomain
import Testing

/// "Authority is never conferred beyond its holder": every act that confers or touches
/// authority, tried by every kind of actor on every kind of target.
///
/// The actors are each assignable role, each role holding one extra delegated key, and an API
/// key of each role. For every act the test states when it must succeed — the actor holds the
/// act's key, and everything conferred or touched lies within what the actor holds — and
/// checks both directions: nothing beyond is ever allowed, nothing within is refused.
@Suite struct AuthorityTests {
    /// Someone acting in the org.
    struct Actor: CustomStringConvertible {
        var role: Role
        var extra: Permission?
        var isAPIKey = false

        var description: String {
            (isAPIKey ? "API key " : "") + role.name + (extra.map { " + \($0.key)" } ?? "")
        }

        /// What the actor holds, by the catalog, independently of the rules under test.
        var holds: PermissionSet {
            var held = role.permissions
            if let extra { held.insert(PermissionSet(extra)) }
            return held
        }
    }

    /// Every actor: plain roles, roles with each key that touches authority, API keys.
    static let actors: [Actor] = {
        let keys: [Permission] = [.usersInvite, .usersCreateDirect, .usersManageRoles, .usersResetPassword, .collaboratorsInvite]
        var actors = Role.assignable.map { Actor(role: $0) }
        for role in Role.assignable where role != .orgAdmin {
            for key in keys where !role.permissions.contains(key) { actors.append(Actor(role: role, extra: key)) }
        }
        actors += Role.assignable.map { Actor(role: $0, isAPIKey: true) }
        return actors
    }()

    /// An act that confers or touches authority, with the role it concerns.
    enum Act: CustomStringConvertible {
        case invite(Role)
        case createDirect(Role)
        case createAPIKey(Role)
        case revokeAPIKey(Role)
        case changeRole(from: Role, to: Role)
        case grant(to: Role, Permission)
        case withdraw(from: Role, Permission)
        case remove(Role)
        case resetPassword(Role)

        var description: String {
            switch self {
            case .invite(let role): "invite as \(role.name)"
            case .createDirect(let role): "create directly as \(role.name)"
            case .createAPIKey(let role): "create an API key as \(role.name)"
            case .revokeAPIKey(let role): "revoke an API key of \(role.name)"
            case .changeRole(let from, let to): "change \(from.name) to \(to.name)"
            case .grant(let role, let key): "grant \(key.key) to a \(role.name)"
            case .withdraw(let role, let key): "withdraw \(key.key) from a \(role.name)"
            case .remove(let role): "remove a \(role.name)"
            case .resetPassword(let role): "reset the password of a \(role.name)"
            }
        }

        /// The key the act needs.
        var key: Permission {
            switch self {
            case .invite: .usersInvite
            case .createDirect: .usersCreateDirect
            case .createAPIKey, .revokeAPIKey, .changeRole, .grant, .withdraw, .remove: .usersManageRoles
            case .resetPassword: .usersResetPassword
            }
        }

        /// Everything the act confers or touches: it must lie within the actor's authority.
        var power: PermissionSet {
            switch self {
            case .invite(let role), .createDirect(let role), .createAPIKey(let role), .revokeAPIKey(let role), .remove(let role),
                .resetPassword(let role):
                role.permissions
            case .changeRole(let from, let to):
                from.permissions.union(to.permissions)
            case .grant(let role, let key), .withdraw(let role, let key):
                role.permissions.union(PermissionSet(key))
            }
        }

        static let all: [Act] = {
            var acts = [Act]()
            for role in Role.assignable {
                acts += [.invite(role), .createDirect(role), .createAPIKey(role), .revokeAPIKey(role), .remove(role), .resetPassword(role)]
                for other in Role.assignable where other != role { acts.append(.changeRole(from: role, to: other)) }
                for key in [Permission.usersManageRoles, .usersResetPassword, .workspaceProfessional] where !role.permissions.contains(key) {
                    acts.append(.grant(to: role, key))
                }
            }
            acts.append(.withdraw(from: .viewer, .usersView))
            return acts
        }()
    }

    /// Sets the actor up in a fresh org and returns the org and its principal.
    static func setUp(_ actor: Actor) throws -> (OrgFixture, Principal) {
        var org = OrgFixture()
        _ = org.member("first-admin@example.org", role: .orgAdmin)
        if actor.isAPIKey {
            let keyID = APIKeyID.random()
            try org.run(.createAPIKey(id: keyID, name: "backend", role: actor.role, secretDigest: OrgFixture.randomDigest()), by: .platformAdmin)
            return (org, .apiKey(keyID))
        }
        let principal = org.member("actor@example.org", role: actor.role)
        if let extra = actor.extra, case .user(let userID) = principal {
            try org.run(.changeGrants(userID: userID, grant: PermissionSet(extra), withdraw: []), by: .platformAdmin)
        }
        return (org, principal)
    }

    /// Carries out `act` as `principal`, with its target prepared by the platform admin.
    static func perform(_ act: Act, by principal: Principal, in org: inout OrgFixture) throws(DomainError) {
        func target(_ role: Role) -> UserID {
            guard case .user(let id) = org.member("target-\(UInt32.random(in: 0 ... .max))@example.org", role: role) else { fatalError() }
            return id
        }
        let email = try! EmailAddress("new-\(UInt32.random(in: 0 ... .max))@example.org")
        switch act {
        case .invite(let role):
            try org.run(.invite(id: .random(), email: email, role: role, method: .email, existingUserID: nil, seal: OrgFixture.seal()), by: principal)
        case .createDirect(let role):
            try org.run(.addDirectMember(userID: .random(), email: email, role: role, userIsNew: true), by: principal)
        case .createAPIKey(let role):
            try org.run(.createAPIKey(id: .random(), name: "key", role: role, secretDigest: OrgFixture.randomDigest()), by: principal)
        case .revokeAPIKey(let role):
            let keyID = APIKeyID.random()
            try! org.run(.createAPIKey(id: keyID, name: "other key", role: role, secretDigest: OrgFixture.randomDigest()), by: .platformAdmin)
            try org.run(.revokeAPIKey(id: keyID), by: principal)
        case .changeRole(let from, let to):
            try org.run(.changeRole(userID: target(from), role: to), by: principal)
        case .grant(let role, let key):
            try org.run(.changeGrants(userID: target(role), grant: PermissionSet(key), withdraw: []), by: principal)
        case .withdraw(let role, let key):
            let id = target(role)
            try! org.run(.changeGrants(userID: id, grant: PermissionSet(key), withdraw: []), by: .platformAdmin)
            try org.run(.changeGrants(userID: id, grant: [], withdraw: PermissionSet(key)), by: principal)
        case .remove(let role):
            try org.run(.removeMember(userID: target(role)), by: principal)
        case .resetPassword(let role):
            try org.run(
                .resetPassword(userID: target(role), target: PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: true)),
                by: principal
            )
        }
    }

    @Test(arguments: actors)
    func anActorConfersAndTouchesExactlyWhatLiesWithinItsOwnAuthority(actor: Actor) throws {
        for act in Act.all {
            var (org, principal) = try Self.setUp(actor)
            let mayAct = actor.holds.contains(act.key)
            let within = act.power.isSubset(of: actor.holds)
            do {
                try Self.perform(act, by: principal, in: &org)
                #expect(mayAct && within, "\(actor) could \(act)")
            } catch {
                #expect(!(mayAct && within), "\(actor) was refused \(act): \(error.message)")
                if mayAct { #expect(error.code == .beyondOwnAuthority, "\(actor) / \(act): \(error.code)") }
            }
        }
    }

    @Test func aDelegatedManagerNeverChangesItsOwnRoleOrGrants() throws {
        var org = OrgFixture()
        _ = org.member("first-admin@example.org", role: .orgAdmin)
        let manager = org.member("site@example.org", role: .siteAdmin)
        guard case .user(let managerID) = manager else { return }
        try org.run(.changeGrants(userID: managerID, grant: PermissionSet(.usersManageRoles), withdraw: []), by: .platformAdmin)
        // The attack: a site admin holding users.manage_roles made itself org_admin.
        org.expectRefusal(.changeRole(userID: managerID, role: .orgAdmin), by: manager, .beyondOwnAuthority)
        org.expectRefusal(.changeRole(userID: managerID, role: .viewer), by: manager, .beyondOwnAuthority)
        org.expectRefusal(.changeGrants(userID: managerID, grant: [], withdraw: PermissionSet(.usersManageRoles)), by: manager, .beyondOwnAuthority)
        #expect(org.state.members[managerID]?.role == .siteAdmin)
    }

    @Test func aDelegatedResetNeverReachesAMemberWithMorePower() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        let site = org.member("site@example.org", role: .siteAdmin)
        guard case .user(let adminID) = admin, case .user(let siteID) = site else { return }
        try org.run(.changeGrants(userID: siteID, grant: PermissionSet(.usersResetPassword), withdraw: []), by: .platformAdmin)
        let facts = PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: true)
        org.expectRefusal(.resetPassword(userID: adminID, target: facts), by: site, .beyondOwnAuthority)
        guard case .user(let viewerID) = org.member("viewer@example.org", role: .viewer) else { return }
        try org.run(.resetPassword(userID: viewerID, target: facts), by: site)
    }

    @Test func aDelegatedInviterNeverInvitesAboveItself() throws {
        var org = OrgFixture()
        let worker = org.member("worker@example.org", role: .caseworker)
        guard case .user(let workerID) = worker else { return }
        try org.run(.changeGrants(userID: workerID, grant: PermissionSet(.usersInvite), withdraw: []), by: .platformAdmin)
        let email = try EmailAddress("boss@example.org")
        org.expectRefusal(
            .invite(id: .random(), email: email, role: .orgAdmin, method: .email, existingUserID: nil, seal: OrgFixture.seal()),
            by: worker,
            .beyondOwnAuthority
        )
        try org.run(.invite(id: .random(), email: email, role: .caseworker, method: .email, existingUserID: nil, seal: OrgFixture.seal()), by: worker)
    }

    /// The caseload cap is passed only on an org admin's word, never on a delegated key's.
    @Test(arguments: [
        (Role.orgAdmin, false, true), (.siteAdmin, false, false), (.caseworker, false, false), (.orgAdmin, true, true), (.siteAdmin, true, false),
    ])
    func onlyOrgAdminsOverrideTheCaseloadCap(role: Role, asAPIKey: Bool, allowed: Bool) throws {
        var (org, principal) = try Self.setUp(Actor(role: role, isAPIKey: asAPIKey))
        let tenant = org.tenant()
        let person = OrgCommand.CollaboratorRequest.Person(
            userID: .random(),
            email: try EmailAddress("busy@support.example"),
            fullName: "Busy Worker"
        )
        let request = OrgCommand.CollaboratorRequest(
            id: .random(),
            tenantID: tenant,
            mode: .full,
            person: person,
            seal: OrgFixture.seal(),
            caseload: org.policy.caseloadCap,
            overrideCap: true
        )
        if allowed {
            let records = try org.run(.inviteCollaborator(request), by: principal)
            #expect(org.state.collaborators[request.id]?.capOverridden == true)
            #expect(records.count == 1)
        } else {
            org.expectRefusal(.inviteCollaborator(request), by: principal, .capOverrideNotAllowed)
        }
    }

    @Test func anOrgResetsThePasswordOnlyOfPeopleWhollyItsOwn() throws {
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        guard case .user(let bobID) = org.member("bob@example.org", role: .caseworker) else { return }
        let shared = PasswordResetTarget(isSharedWithOtherOrgs: true, hasPassword: true)
        // The attack: org A resets the password of Bob, who is org admin of org B.
        org.expectRefusal(.resetPassword(userID: bobID, target: shared), by: admin, .userSharedAcrossOrgs)
        try org.run(.resetPassword(userID: bobID, target: shared), by: .platformAdmin)
        try org.run(.resetPassword(userID: bobID, target: PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: true)), by: admin)
    }

    @Test func temporaryPasswordsFollowTheDeploymentPolicy() throws {
        let facts = PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: true)
        var disabled = Policy()
        disabled.directCreate = .disabled
        var closed = OrgFixture(policy: disabled)
        guard case .user(let userID) = closed.member("bob@example.org", role: .viewer) else { return }
        closed.expectRefusal(.resetPassword(userID: userID, target: facts), by: .platformAdmin, .directCreateDisabled)

        var platformOnly = Policy()
        platformOnly.directCreate = .platformAdminOnly
        var org = OrgFixture(policy: platformOnly)
        let admin = org.member("admin@example.org", role: .orgAdmin)
        guard case .user(let bobID) = org.member("bob@example.org", role: .viewer) else { return }
        org.expectRefusal(.resetPassword(userID: bobID, target: facts), by: admin, .forbidden)
        try org.run(.resetPassword(userID: bobID, target: facts), by: .platformAdmin)
    }

    @Test func someoneWhoOnlySignsInByLinkGetsNoPasswordUnlessTheDeploymentAllowsIt() throws {
        let linkOnly = PasswordResetTarget(isSharedWithOtherOrgs: false, hasPassword: false)
        var org = OrgFixture()
        let admin = org.member("admin@example.org", role: .orgAdmin)
        guard case .user(let userID) = org.member("link@example.org", role: .viewer) else { return }
        org.expectRefusal(.resetPassword(userID: userID, target: linkOnly), by: admin, .passwordNotAllowed)
        org.expectRefusal(.resetPassword(userID: userID, target: linkOnly), by: .platformAdmin, .passwordNotAllowed)

        var allowing = Policy()
        allowing.temporaryPasswordsForLinkUsers = true
        var open = OrgFixture(policy: allowing)
        let openAdmin = open.member("admin@example.org", role: .orgAdmin)
        guard case .user(let openUser) = open.member("link@example.org", role: .viewer) else { return }
        try open.run(.resetPassword(userID: openUser, target: linkOnly), by: openAdmin)
    }
}
