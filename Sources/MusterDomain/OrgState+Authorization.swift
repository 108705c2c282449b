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

    /// Refuses unless `principal` holds `permission` here.
    public func require(_ permission: Permission, of principal: Principal, toDo action: String) throws(DomainError) {
        guard let held = permissions(of: principal) else {
            throw .forbidden("only members of organisation \(name) may \(action)")
        }
        guard held.contains(permission) else {
            throw .forbidden("\(action) needs the permission \(permission.key)")
        }
    }

    /// Refuses unless `principal` is staff of this org (any member, key or the platform admin).
    public func requireStaff(_ principal: Principal, toDo action: String) throws(DomainError) {
        guard isStaff(principal) else { throw .forbidden("only members of organisation \(name) may \(action)") }
    }
}
