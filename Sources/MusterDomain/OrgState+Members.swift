extension OrgState {
    func decideDirectMember(
        _ userID: UserID,
        email: EmailAddress,
        role: Role,
        userIsNew: Bool,
        by principal: Principal,
        policy: Policy
    ) throws(DomainError)
        -> [OrgEvent]
    {
        try requireDirectCreate(by: principal, policy: policy)
        try checkCanJoin(userID: userID, email: email, role: role, by: principal)
        var events = [OrgEvent]()
        if userIsNew { events.append(.userCreated(userID: userID, email: email)) }
        events.append(.memberAdded(userID: userID, email: email, role: role, via: .temporaryPassword))
        return events
    }

    /// Refuses unless the deployment's policy lets `principal` create users with a temporary
    /// password. The engine asks this before it creates the user in the directory.
    public func requireDirectCreate(by principal: Principal, policy: Policy) throws(DomainError) {
        switch policy.directCreate {
        case .disabled:
            throw DomainError(.directCreateDisabled, "creating users with a temporary password is switched off here; invite them by email")
        case .platformAdminOnly:
            guard principal == .platformAdmin else {
                throw .forbidden("only the platform admin may create users with a temporary password here; invite them by email")
            }
        case .orgAdmins:
            try require(.usersCreateDirect, of: principal, toDo: "create users with a temporary password")
        }
    }

    /// Refuses unless the person may become a member now: an assignable role within what
    /// `principal` holds, not a member already, and no pending invitation standing for them.
    public func checkCanJoin(userID: UserID?, email: EmailAddress, role: Role, by principal: Principal) throws(DomainError) {
        guard role.isAssignable else {
            throw .roleNotAssignable(role)
        }
        try requireWithinAuthority(of: principal, role.permissions, "adding someone as \(role.name)")
        try requireAllowedDomain(email, toDo: "adding someone")
        if let member = activeMember(email: email) ?? userID.flatMap({ members[$0] }).flatMap({ $0.isActive ? $0 : nil }) {
            throw DomainError(
                .alreadyMember,
                "\(email) is already a member of this organisation as \(member.role.name)",
                existingRecord: member.userID.description
            )
        }
        if let pending = pendingInvitation(for: email), pending.status == .pending {
            throw DomainError(
                .invitationPending,
                "\(email) has a pending invitation (\(pending.id)); revoke it first or let them accept it",
                existingRecord: pending.id.description
            )
        }
    }

    func decideChangeRole(_ userID: UserID, role: Role, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "change roles")
        let member = try activeMember(userID)
        guard role.isAssignable else {
            throw .roleNotAssignable(role)
        }
        try requireNotSelf(userID, principal, toDo: "change the role of")
        try requireWithinAuthority(of: principal, member.permissions, "changing the role of \(member.email)")
        try requireWithinAuthority(of: principal, role.permissions, "giving the role \(role.name)")
        guard member.role != role else { return [] }
        if member.role == .orgAdmin, activeOrgAdmins <= 1 {
            throw DomainError(.lastOrgAdmin, "\(member.email) is the organisation's last org admin; make someone else org admin first")
        }
        return [.memberRoleChanged(userID: userID, role: role, previous: member.role)]
    }

    func decideChangeGrants(
        _ userID: UserID,
        grant: PermissionSet,
        withdraw: PermissionSet,
        by principal: Principal
    ) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "grant or withdraw permissions")
        let member = try activeMember(userID)
        guard grant.isDisjoint(with: withdraw) else {
            throw .validation(
                "a permission cannot be granted and withdrawn at once: \(grant.intersection(withdraw).permissions.map(\.key).joined(separator: ", "))"
            )
        }
        try requireNotSelf(userID, principal, toDo: "grant or withdraw permissions of")
        try requireWithinAuthority(of: principal, member.permissions, "changing the permissions of \(member.email)")
        try requireWithinAuthority(of: principal, grant, "granting these permissions")
        let grants = member.grants.union(grant).subtracting(withdraw)
        guard grants != member.grants else { return [] }
        return [.memberGrantsChanged(userID: userID, grants: grants)]
    }

    func decideRemoveMember(_ userID: UserID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "remove members")
        let member = try activeMember(userID)
        try requireWithinAuthority(of: principal, member.permissions, "removing \(member.email)")
        if member.role == .orgAdmin, activeOrgAdmins <= 1 {
            throw DomainError(.lastOrgAdmin, "\(member.email) is the organisation's last org admin and cannot be removed")
        }
        return [.memberRemoved(userID: userID)]
            + pausingWebhooks(ownedBy: .user(userID), because: "its owner \(member.email) was removed from the organisation")
    }

    func decideResetPassword(_ userID: UserID, target: PasswordResetTarget, by principal: Principal, policy: Policy) throws(DomainError) -> [OrgEvent]
    {
        try checkResetPassword(userID, target: target, by: principal, policy: policy)
        return [.memberPasswordReset(userID: userID)]
    }

    /// Refuses unless `principal` may give `userID` a new temporary password here. The engine
    /// asks this before it stores the password in the directory, and the org command asks again.
    ///
    /// A user is global, so an org's authority over one ends at the org: only the platform
    /// admin resets the password of someone who is also a member or collaborator elsewhere.
    /// Temporary passwords exist only where the deployment allows them, and a person who has
    /// only ever signed in by link is given none unless the deployment says so.
    public func checkResetPassword(_ userID: UserID, target: PasswordResetTarget, by principal: Principal, policy: Policy) throws(DomainError) {
        try require(.usersResetPassword, of: principal, toDo: "reset passwords")
        let member = try activeMember(userID)
        switch policy.directCreate {
        case .disabled:
            throw DomainError(.directCreateDisabled, "temporary passwords are switched off here; send \(member.email) a sign-in link instead")
        case .platformAdminOnly where principal != .platformAdmin:
            throw .forbidden("only the platform admin issues temporary passwords here; send \(member.email) a sign-in link instead")
        case .platformAdminOnly, .orgAdmins:
            break
        }
        try requireWithinAuthority(of: principal, member.permissions, "resetting the password of \(member.email)")
        if target.isSharedWithOtherOrgs, principal != .platformAdmin {
            throw DomainError(
                .userSharedAcrossOrgs,
                "\(member.email) also belongs to other organisations, so this organisation cannot set their password; they can sign in with a sign-in link (POST /v1/auth/magic-link), or the platform admin can reset it"
            )
        }
        if !target.hasPassword, !policy.temporaryPasswordsForLinkUsers {
            throw DomainError(
                .passwordNotAllowed,
                "\(member.email) signs in with emailed links and has no password; send them a sign-in link (POST /v1/auth/magic-link) instead"
            )
        }
    }

    func decideCreateAPIKey(
        _ keyID: APIKeyID,
        name: String,
        role: Role,
        secretDigest: SecretDigest,
        by principal: Principal,
        policy: Policy
    )
        throws(DomainError) -> [OrgEvent]
    {
        try require(.usersManageRoles, of: principal, toDo: "create API keys")
        let name = try Validate.name(name, field: "name", policy: policy)
        guard role.isAssignable else { throw .roleNotAssignable(role) }
        try requireWithinAuthority(of: principal, role.permissions, "an API key with the role \(role.name)")
        guard apiKeys[keyID] == nil else { throw DomainError(.conflict, "API key \(keyID) exists already") }
        return [.apiKeyCreated(id: keyID, name: name, role: role, secretDigest: secretDigest)]
    }

    func decideRevokeAPIKey(_ keyID: APIKeyID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "revoke API keys")
        guard let key = apiKeys[keyID] else { throw .notFound("API key \(keyID) does not exist in this organisation") }
        guard key.isActive else { throw DomainError(.apiKeyRevoked, "API key \(keyID) is revoked already") }
        try requireWithinAuthority(of: principal, key.role.permissions, "revoking an API key with the role \(key.role.name)")
        return [.apiKeyRevoked(id: keyID)] + pausingWebhooks(ownedBy: .apiKey(keyID), because: "its owner, the API key \(key.name), was revoked")
    }

    /// The active member `userID`, or a refusal that says whether they left or never joined.
    func activeMember(_ userID: UserID) throws(DomainError) -> Member {
        guard let member = members[userID] else { throw .notFound("user \(userID) is not a member of this organisation") }
        guard member.isActive else { throw DomainError(.memberRemoved, "\(member.email) was removed from this organisation") }
        return member
    }
}

/// What the engine knows of a person whose password an org admin wants to reset, from outside
/// the org: facts the org cannot see in its own state.
public struct PasswordResetTarget: Hashable, Sendable {
    /// Whether the person is an active member or collaborator of any other organisation.
    public var isSharedWithOtherOrgs: Bool
    /// Whether the person has a password at all (people who only use links have none).
    public var hasPassword: Bool

    /// Creates the facts.
    public init(isSharedWithOtherOrgs: Bool, hasPassword: Bool) {
        self.isSharedWithOtherOrgs = isSharedWithOtherOrgs
        self.hasPassword = hasPassword
    }
}
