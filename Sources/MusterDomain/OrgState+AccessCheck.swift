extension OrgState {
    /// Refuses unless `principal` may ask about other people's access here: the platform
    /// admin, or org staff (a member or an API key) whose role holds `users.view` — who may
    /// already see every member and case of the org. The answers never reach past the org.
    public func requireAccessChecker(_ principal: Principal) throws(DomainError) {
        try require(.usersView, of: principal, toDo: "checking another person's access")
    }

    /// Decides `question` from the current state with the workspace's own rule
    /// (``workspaceAccess(of:tenant:)``), and says why.
    public func accessDecision(_ question: AccessQuestion) -> AccessDecision {
        guard tenants[question.tenantID] != nil else { return AccessDecision(allowed: false, reason: .tenantNotFound) }
        let principal = Principal.user(question.userID)
        let needs = question.action.needs
        let member = members[question.userID].flatMap { $0.isActive ? $0 : nil }
        let assignment = activeAssignment(tenant: question.tenantID, user: question.userID)
        let byRole = staffAccess(of: principal)
        let byMode = assignmentAccess(of: principal, tenant: question.tenantID)
        let decision = { (allowed: Bool, reason: AccessDecision.Reason) in
            AccessDecision(allowed: allowed, reason: reason, role: member?.role, mode: assignment?.mode)
        }
        // Every action needs at most one capability, so "one of the two grants it" is the
        // workspace's own rule (their union holds it).
        if byRole.seesTenant && byRole.isSuperset(of: needs) { return decision(true, .role) }
        if byMode.seesTenant && byMode.isSuperset(of: needs) { return decision(true, .mode) }
        if let assignment {
            if !assignment.grantsAccess { return decision(false, member == nil ? .notYetActivated : .roleDoesNotAllow) }
            return decision(false, member == nil ? .modeDoesNotAllow : .roleDoesNotAllow)
        }
        if member != nil { return decision(false, .roleDoesNotAllow) }
        return decision(false, hasEndedAssignment(tenant: question.tenantID, user: question.userID) ? .assignmentEnded : .noAccess)
    }

    /// The cases `userID` may see in this org: every tenant, in creation order, for an active
    /// member; else the tenants of those of `assignments` (the person's collaborator rows here,
    /// oldest first, as the caseload index lists them) that are active and signed in to. The
    /// cursor is a position in the tenant list (members) or in `assignments`, so a page costs
    /// what it returns, not the size of the org.
    public func visibleTenants(
        of userID: UserID,
        among assignments: [CollaboratorID],
        after cursor: UInt64?,
        limit: Int
    ) throws(DomainError)
        -> Page<VisibleTenant>
    {
        if let member = members[userID], member.isActive {
            return try Page(slicing: tenants.rows, after: cursor, limit: limit) {
                VisibleTenant(tenant: $0, role: member.role, mode: activeAssignment(tenant: $0.id, user: userID)?.mode)
            }
        }
        let limit = try Self.checkedLimit(limit)
        let start = Int(clamping: cursor ?? 0)
        guard start <= assignments.count else { throw .validation("the cursor is past the end of the list") }
        let visible = { (id: CollaboratorID) -> VisibleTenant? in
            guard let row = self.collaborators[id], row.userID == userID, row.grantsAccess, let tenant = self.tenants[row.tenantID] else {
                return nil
            }
            return VisibleTenant(tenant: tenant, role: nil, mode: row.mode)
        }
        var items = [VisibleTenant]()
        var index = start
        while index < assignments.count, items.count < limit {
            if let item = visible(assignments[index]) { items.append(item) }
            index += 1
        }
        let more = assignments[index...].contains { visible($0) != nil }
        return Page(items: items, nextCursor: more ? UInt64(index) : nil)
    }

    private func hasEndedAssignment(tenant tenantID: TenantID, user userID: UserID) -> Bool {
        collaborators(of: tenantID).contains { $0.userID == userID && !$0.isActive }
    }
}
