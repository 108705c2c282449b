extension OrgState {
    /// The largest page any list returns.
    public static let maximumPageSize = 1000

    /// One page of the org's invitations in creation order, filtered by effective status
    /// and email. The cursor is the position after the last one returned.
    public func invitationsPage(
        for principal: Principal,
        status: Invitation.Status?,
        email: EmailAddress?,
        after cursor: UInt64?,
        limit: Int,
        at now: Timestamp
    ) throws(DomainError) -> Page<Invitation> {
        try require(.usersView, of: principal, toDo: "list invitations")
        let limit = try Self.checkedLimit(limit)
        // With an email, walk that email's own history instead of the whole list.
        let rows = email.map(invitationRowNumbers(for:))
        let total = rows?.count ?? invitations.count
        var position = Int(clamping: cursor ?? 0)
        guard position <= total else { throw .validation("the cursor is past the end of the list") }
        var items = [Invitation]()
        while position < total, items.count < limit {
            let invitation = invitations.rows[rows.map { Int($0[position]) } ?? position]
            if status.map({ invitation.effectiveStatus(at: now) == $0 }) ?? true {
                items.append(invitation)
            }
            position += 1
        }
        return Page(items: items, nextCursor: position < total ? UInt64(position) : nil)
    }

    /// One invitation with all its audit fields.
    public func invitation(_ invitationID: InvitationID, for principal: Principal) throws(DomainError) -> Invitation {
        try require(.usersView, of: principal, toDo: "see invitations")
        guard let invitation = invitations[invitationID] else {
            throw DomainError(.invitationNotFound, "invitation \(invitationID) does not exist in this organisation")
        }
        return invitation
    }

    /// One page of the org's members in the order they joined, filtered: removed ones only
    /// when asked for, by role, and by email prefix.
    public func membersPage(
        for principal: Principal,
        includeRemoved: Bool,
        after cursor: UInt64?,
        limit: Int,
        matching filter: MemberFilter = MemberFilter()
    )
        throws(DomainError) -> Page<Member>
    {
        try require(.usersView, of: principal, toDo: "list members")
        let limit = try Self.checkedLimit(limit)
        var position = Int(clamping: cursor ?? 0)
        guard position <= memberOrder.count else { throw .validation("the cursor is past the end of the list") }
        let prefix = filter.emailPrefix?.lowercased()
        var items = [Member]()
        while position < memberOrder.count, items.count < limit {
            if let member = members[memberOrder[position]],
                filter.status.map({ $0 == .active ? member.isActive : !member.isActive }) ?? (includeRemoved || member.isActive),
                filter.role.map({ member.role == $0 }) ?? true, prefix.map({ member.email.description.hasPrefix($0) }) ?? true
            {
                items.append(member)
            }
            position += 1
        }
        return Page(items: items, nextCursor: position < memberOrder.count ? UInt64(position) : nil)
    }

    /// The org's API keys, oldest first: names, roles and revocations, never a secret (only
    /// its digest is kept). For those who may create keys.
    public func apiKeysList(for principal: Principal) throws(DomainError) -> [APIKey] {
        try require(.usersManageRoles, of: principal, toDo: "list API keys")
        return apiKeys.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// One tenant, for staff and for those assigned to it, and whether the caller is staff
    /// (a collaborator is shown its name only); anyone else is told it does not exist.
    public func tenant(_ tenantID: TenantID, for principal: Principal) throws(DomainError) -> (tenant: Tenant, asStaff: Bool) {
        (try requireAccess([], of: principal, tenant: tenantID, toDo: "see the tenant"), isStaff(principal))
    }

    /// One page of the org's tenants in creation order, for staff.
    public func tenantsPage(
        for principal: Principal,
        after cursor: UInt64?,
        limit: Int,
        matching query: String? = nil
    ) throws(DomainError) -> Page<Tenant> {
        try requireStaff(principal, toDo: "list tenants")
        let limit = try Self.checkedLimit(limit)
        var position = Int(clamping: cursor ?? 0)
        guard position <= tenants.count else { throw .validation("the cursor is past the end of the list") }
        let needle = query?.lowercased()
        var items = [Tenant]()
        while position < tenants.count, items.count < limit {
            let tenant = tenants.rows[position]
            if needle.map({ tenant.name.lowercased().contains($0) || (tenant.reference?.lowercased().contains($0) ?? false) }) ?? true {
                items.append(tenant)
            }
            position += 1
        }
        return Page(items: items, nextCursor: position < tenants.count ? UInt64(position) : nil)
    }

    /// One page of the audit trail, newest first, filtered by action, actor and target.
    /// The cursor is the sequence number below which the next page starts.
    public func auditPage(for principal: Principal, filter: AuditFilter, before cursor: UInt64?, limit: Int) throws(DomainError) -> Page<AuditEntry> {
        try require(.usersView, of: principal, toDo: "read the audit trail")
        let limit = try Self.checkedLimit(limit)
        // Sequence n sits at index n - 1: the trail has one line per event, without gaps.
        var index = Int(clamping: min(cursor ?? UInt64(audit.count + 1), UInt64(audit.count + 1))) - 2
        var items = [AuditEntry]()
        while index >= 0, items.count < limit {
            let entry = audit[index]
            if filter.matches(entry) { items.append(entry) }
            index -= 1
        }
        return Page(items: items, nextCursor: index >= 0 ? UInt64(index + 2) : nil)
    }

    /// `limit` when it is 1 to ``maximumPageSize``; otherwise the refusal every list gives.
    public static func checkedLimit(_ limit: Int) throws(DomainError) -> Int {
        guard (1...maximumPageSize).contains(limit) else {
            throw .validation("limit must be between 1 and \(maximumPageSize)")
        }
        return limit
    }
}

/// Which audit lines to list.
public struct AuditFilter: Hashable, Sendable {
    public var actions: Set<OrgEvent.Kind>?
    public var actor: Principal?
    public var target: Identifier<AuditEntry>?

    /// Creates a filter; `nil` fields match everything.
    public init<Target>(actions: Set<OrgEvent.Kind>? = nil, actor: Principal? = nil, target: Identifier<Target>?) {
        self.actions = actions
        self.actor = actor
        self.target = target.map { Identifier(high: $0.high, low: $0.low) }
    }

    /// Creates a filter on actions and actor; `nil` fields match everything.
    public init(actions: Set<OrgEvent.Kind>? = nil, actor: Principal? = nil) {
        self.actions = actions
        self.actor = actor
    }

    /// Whether `entry` passes the filter.
    public func matches(_ entry: AuditEntry) -> Bool {
        (actions?.contains(entry.action) ?? true) && (actor.map { $0 == entry.actor } ?? true) && (target.map { $0 == entry.targetID } ?? true)
    }
}

/// Which members a listing keeps.
public struct MemberFilter: Hashable, Sendable {
    /// Only members whose email starts with this (compared in lower case).
    public var emailPrefix: String?
    public var role: Role?
    /// Only active or only removed members; when `nil`, the listing's `includeRemoved` decides.
    public var status: Status?

    /// Whether a membership is current.
    public enum Status: UInt8, SpelledCase {
        case active, removed

        /// The status as the API spells it.
        public var name: String { self == .active ? "active" : "removed" }
    }

    /// A filter; with no arguments it keeps everyone.
    public init(emailPrefix: String? = nil, role: Role? = nil, status: Status? = nil) {
        self.emailPrefix = emailPrefix
        self.role = role
        self.status = status
    }
}
