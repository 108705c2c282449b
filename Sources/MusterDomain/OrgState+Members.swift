extension OrgState {
    func decideDirectMember(_ userID: UserID, email: EmailAddress, role: Role, userIsNew: Bool, by principal: Principal, policy: Policy) throws(DomainError) -> [OrgEvent] {
        try requireDirectCreate(by: principal, policy: policy)
        try checkCanJoin(userID: userID, email: email, role: role)
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

    /// Refuses unless the person may become a member now: an assignable role, not a member
    /// already, and no pending invitation standing for them.
    public func checkCanJoin(userID: UserID?, email: EmailAddress, role: Role) throws(DomainError) {
        guard role.isAssignable else {
            throw .roleNotAssignable(role)
        }
        if let member = activeMember(email: email) ?? userID.flatMap({ members[$0] }).flatMap({ $0.isActive ? $0 : nil }) {
            throw DomainError(.alreadyMember, "\(email) is already a member of this organisation as \(member.role.name)", existingRecord: member.userID.description)
        }
        if let pending = pendingInvitation(for: email), pending.status == .pending {
            throw DomainError(.invitationPending, "\(email) has a pending invitation (\(pending.id)); revoke it first or let them accept it", existingRecord: pending.id.description)
        }
    }

    func decideChangeRole(_ userID: UserID, role: Role, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "change roles")
        let member = try activeMember(userID)
        guard role.isAssignable else {
            throw .roleNotAssignable(role)
        }
        guard member.role != role else { return [] }
        if member.role == .orgAdmin, activeOrgAdmins <= 1 {
            throw DomainError(.lastOrgAdmin, "\(member.email) is the organisation's last org admin; make someone else org admin first")
        }
        return [.memberRoleChanged(userID: userID, role: role)]
    }

    func decideChangeGrants(_ userID: UserID, grant: PermissionSet, withdraw: PermissionSet, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "grant or withdraw permissions")
        let member = try activeMember(userID)
        guard grant.isDisjoint(with: withdraw) else {
            throw .validation("a permission cannot be granted and withdrawn at once: \(grant.intersection(withdraw).permissions.map(\.key).joined(separator: ", "))")
        }
        // Nobody hands on a key they do not hold themselves.
        let held = permissions(of: principal) ?? []
        let beyond = grant.subtracting(held)
        guard beyond.isEmpty else {
            throw .forbidden("you cannot grant permissions you do not hold: \(beyond.permissions.map(\.key).joined(separator: ", "))")
        }
        let grants = member.grants.union(grant).subtracting(withdraw)
        guard grants != member.grants else { return [] }
        return [.memberGrantsChanged(userID: userID, grants: grants)]
    }

    func decideRemoveMember(_ userID: UserID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "remove members")
        let member = try activeMember(userID)
        if member.role == .orgAdmin, activeOrgAdmins <= 1 {
            throw DomainError(.lastOrgAdmin, "\(member.email) is the organisation's last org admin and cannot be removed")
        }
        return [.memberRemoved(userID: userID)]
    }

    func decideResetPassword(_ userID: UserID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try checkResetPassword(userID, by: principal)
        return [.memberPasswordReset(userID: userID)]
    }

    /// Refuses unless `principal` may reset `userID`'s password here. The engine asks this
    /// before it stores the new password in the directory.
    public func checkResetPassword(_ userID: UserID, by principal: Principal) throws(DomainError) {
        try require(.usersResetPassword, of: principal, toDo: "reset passwords")
        _ = try activeMember(userID)
    }

    func decideCreateAPIKey(_ keyID: APIKeyID, name: String, role: Role, secretDigest: SecretDigest, by principal: Principal, policy: Policy) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "create API keys")
        let name = try Validate.name(name, field: "name", policy: policy)
        guard role.isAssignable else { throw .roleNotAssignable(role) }
        guard apiKeys[keyID] == nil else { throw DomainError(.conflict, "API key \(keyID) exists already") }
        return [.apiKeyCreated(id: keyID, name: name, role: role, secretDigest: secretDigest)]
    }

    func decideRevokeAPIKey(_ keyID: APIKeyID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try require(.usersManageRoles, of: principal, toDo: "revoke API keys")
        guard let key = apiKeys[keyID] else { throw .notFound("API key \(keyID) does not exist in this organisation") }
        guard key.isActive else { throw DomainError(.apiKeyRevoked, "API key \(keyID) is revoked already") }
        return [.apiKeyRevoked(id: keyID)]
    }

    /// The active member `userID`, or a refusal that says whether they left or never joined.
    func activeMember(_ userID: UserID) throws(DomainError) -> Member {
        guard let member = members[userID] else { throw .notFound("user \(userID) is not a member of this organisation") }
        guard member.isActive else { throw DomainError(.memberRemoved, "\(member.email) was removed from this organisation") }
        return member
    }
}
