extension OrgState {
    /// The permission keys `principal` holds in this org, or `nil` when they are not part of it.
    ///
    /// The platform admin (and Muster's own scheduled work) holds every key in every org. A user
    /// holds what their active membership gives; an API key what its role gives while it is not
    /// revoked. Collaborators are not members: their access is the workspace decision's.
    public func permissions(of principal: Principal) -> PermissionSet? {
        switch principal {
        case .platformAdmin, .system:
            return .all
        case .user(let userID):
            guard let member = members[userID], member.isActive else { return nil }
            return member.permissions
        case .apiKey(let keyID):
            guard let key = apiKeys[keyID], key.isActive else { return nil }
            return key.role.permissions
        }
    }

    /// Whether `principal` is the platform admin, an active member, or an active key of this org.
    public func isStaff(_ principal: Principal) -> Bool {
        permissions(of: principal) != nil
    }

    /// Whether `principal` is an org admin here: the platform admin, an active member in the
    /// `org_admin` role, or an active key with that role. Granted keys never make an org admin.
    public func isOrgAdmin(_ principal: Principal) -> Bool {
        switch principal {
        case .platformAdmin, .system:
            return true
        case .user(let userID):
            guard let member = members[userID], member.isActive else { return false }
            return member.role == .orgAdmin
        case .apiKey(let keyID):
            guard let key = apiKeys[keyID], key.isActive else { return false }
            return key.role == .orgAdmin
        }
    }

    /// Refuses unless `principal` holds `permission` here.
    ///
    /// Someone who is not part of the org is told it does not exist, in the same words as for
    /// an org that really does not exist, so a refusal never confirms that an org is there.
    public func require(_ permission: Permission, of principal: Principal, toDo action: String) throws(DomainError) {
        guard let held = permissions(of: principal) else { throw notFoundForOutsiders }
        guard held.contains(permission) else {
            throw .forbidden("\(action) needs the permission \(permission.key)")
        }
    }

    /// Refuses unless `principal` is staff of this org (any member, key or the platform admin).
    public func requireStaff(_ principal: Principal, toDo action: String) throws(DomainError) {
        guard isStaff(principal) else { throw notFoundForOutsiders }
    }

    /// The refusal for anyone outside the org: word for word the engine's answer for an org id
    /// that does not exist.
    public var notFoundForOutsiders: DomainError {
        .notFound("organisation \(id) does not exist")
    }

    /// Refuses unless `power` lies within what `principal` holds here: the one rule behind every
    /// act that confers or touches authority. An actor can confer at most its own authority —
    /// a role, a key or an API key — and can touch (change, remove, reset) only someone whose
    /// authority lies within its own. The platform admin holds everything.
    public func requireWithinAuthority(of principal: Principal, _ power: PermissionSet, _ what: @autoclosure () -> String) throws(DomainError) {
        let held = permissions(of: principal) ?? []
        let beyond = power.subtracting(held)
        guard beyond.isEmpty else {
            throw DomainError(
                .beyondOwnAuthority,
                "\(what()) needs authority you do not hold: \(beyond.permissions.map(\.key).joined(separator: ", "))"
            )
        }
    }

    /// Refuses when `principal` would act on its own membership: nobody changes their own role
    /// or grants, whatever keys they hold.
    func requireNotSelf(_ userID: UserID, _ principal: Principal, toDo action: String) throws(DomainError) {
        if principal == .user(userID) {
            throw DomainError(.beyondOwnAuthority, "you cannot \(action) yourself; ask another org admin")
        }
    }
}
