/// The whole state of one organisation: its members, invitations, API keys, tenants,
/// collaborators, workspaces and audit trail, with the indexes that answer every request
/// without a scan.
///
/// A value type: the actor that owns it copies it for a snapshot in O(1) (copy on write), and
/// replaying the org's events into ``init(id:)`` gives a state equal to the live one.
public struct OrgState: Hashable, Sendable {
    public let id: OrganisationID
    /// Whether `organisation.created` has been applied.
    public internal(set) var exists = false
    public internal(set) var name = ""
    public internal(set) var createdAt = Timestamp(millisecondsSinceEpoch: 0)
    /// What the org changes of the deployment's defaults.
    public internal(set) var settings = OrgSettings()
    /// The sequence number of the last applied event (0 before any).
    public internal(set) var version: UInt64 = 0

    public internal(set) var members: [UserID: Member] = [:]
    /// Member ids in the order they first joined: the listing order.
    public internal(set) var memberOrder: [UserID] = []
    /// The invitations in creation order: the listing order and the cursor space.
    public internal(set) var invitations = RowTable<InvitationID, Invitation>()
    public internal(set) var apiKeys: [APIKeyID: APIKey] = [:]
    /// The tenants in creation order.
    public internal(set) var tenants = RowTable<TenantID, Tenant>()
    /// The collaborator rows in the order they were invited.
    public internal(set) var collaborators = RowTable<CollaboratorID, Collaborator>()
    public internal(set) var webhooks: [WebhookID: Webhook] = [:]
    /// Webhook ids in creation order.
    public internal(set) var webhookOrder: [WebhookID] = []
    /// The audit trail, oldest first (listed newest first).
    public internal(set) var audit = AuditTrail()

    // Indexes, kept by `apply`.
    var activeMemberByEmail: [EmailAddress: UserID] = [:]
    /// Every invitation's row number in `invitations`, found by its email.
    var invitationRowsByEmail = RowChains()
    /// The pending invitations' row numbers, found by email: one at most an email.
    var pendingInvitationRows = RowIndex()
    /// The active account collaborator rows' numbers in `collaborators`, found by tenant and
    /// person: one at most each.
    var activeAssignmentRows = RowIndex()
    /// Every collaborator row's number, found by its tenant: a tenant's team, ended and
    /// reference-only rows included (a list in each tenant was an allocation each).
    var tenantCollaboratorRows = RowChains()
    var activeOrgAdmins = 0
    /// The tenant of every workspace item, for naming it in the event feed.
    var workspaceItemTenants: [WorkspaceItemID: TenantID] = [:]

    /// Names the one active account assignment a person may have on a tenant.
    struct AssignmentKey: Hashable, Sendable {
        var tenantID: TenantID
        var userID: UserID

        /// Both ids' own mixes, one keying the other (see ``RandomKeyHash``).
        func _rawHashValue(seed: Int) -> Int {
            tenantID._rawHashValue(seed: userID._rawHashValue(seed: seed))
        }
    }

    /// Where an email files its rows in a ``RowIndex`` or ``RowChains``.
    static func rowHash(of email: EmailAddress) -> Int {
        email._rawHashValue(seed: rowTableSeed)
    }

    /// Where an account assignment files its row in a ``RowIndex``.
    static func rowHash(tenant tenantID: TenantID, user userID: UserID) -> Int {
        AssignmentKey(tenantID: tenantID, userID: userID)._rawHashValue(seed: rowTableSeed)
    }

    /// Where a tenant files its collaborator rows in ``RowChains``.
    static func rowHash(tenant tenantID: TenantID) -> Int {
        tenantID._rawHashValue(seed: rowTableSeed)
    }

    /// Where a collaborator row files in `activeAssignmentRows` (rows there have a user).
    static func assignmentHash(of row: Collaborator) -> Int {
        guard let userID = row.userID else { preconditionFailure("only account rows are assignments") }
        return rowHash(tenant: row.tenantID, user: userID)
    }

    /// The state of an org that does not exist yet.
    public init(id: OrganisationID) {
        self.id = id
    }

    /// Rebuilds an org from its rows, as a snapshot keeps them, each list in its listing
    /// order (collaborator rows in the order they were invited); the indexes are derived
    /// exactly as `apply` keeps them.
    ///
    /// The tables come built, so that a reader fills them once, with each id hashed once; the
    /// trail has one line per event (`version` of them).
    public init(
        id: OrganisationID,
        name: String,
        createdAt: Timestamp,
        version: UInt64,
        members: [Member],
        invitations: RowTable<InvitationID, Invitation>,
        apiKeys: [APIKey],
        tenants: RowTable<TenantID, Tenant>,
        collaborators: RowTable<CollaboratorID, Collaborator>,
        webhooks: [Webhook] = [],
        audit: AuditTrail,
        settings: OrgSettings = OrgSettings()
    ) {
        precondition(UInt64(audit.count) == version, "org \(id) has \(audit.count) audit lines at version \(version)")
        self.id = id
        self.exists = true
        self.name = name
        self.settings = settings
        self.createdAt = createdAt
        self.version = version
        self.memberOrder = members.map(\.userID)
        self.members = Dictionary(uniqueKeysWithValues: members.map { ($0.userID, $0) })
        for member in members where member.isActive {
            activeMemberByEmail[member.email] = member.userID
            if member.role == .orgAdmin { activeOrgAdmins += 1 }
        }
        self.invitations = invitations
        (invitationRowsByEmail, pendingInvitationRows) = Self.emailIndexes(of: invitations.storedRows)
        self.apiKeys = Dictionary(uniqueKeysWithValues: apiKeys.map { ($0.id, $0) })
        self.webhookOrder = webhooks.map(\.id)
        self.webhooks = Dictionary(uniqueKeysWithValues: webhooks.map { ($0.id, $0) })
        self.tenants = tenants
        for tenant in tenants.rows {
            let workspace = tenant.workspace
            for item in workspace.notes { workspaceItemTenants[item.id] = tenant.id }
            for item in workspace.goals { workspaceItemTenants[item.id] = tenant.id }
            for item in workspace.sessions { workspaceItemTenants[item.id] = tenant.id }
            for item in workspace.documents { workspaceItemTenants[item.id] = tenant.id }
        }
        self.collaborators = collaborators
        activeAssignmentRows = Self.assignmentIndex(of: collaborators.storedRows)
        tenantCollaboratorRows = Self.tenantIndex(of: collaborators.storedRows, tenants: tenants.count)
        self.audit = audit
    }

    /// Every invitation filed by email, and the pending ones again on their own; each email
    /// hashed once, and each index made the size it needs first. Of two pending rows for one
    /// email (which only a damaged file holds) the later is filed, as apply would.
    static func emailIndexes(of rows: [Invitation]) -> (all: RowChains, pending: RowIndex) {
        var all = RowChains()
        var pending = RowIndex()
        rows.withUnsafeBufferPointer { rows in
            all.reserveCapacity(rows: rows.count, keys: rows.count)
            pending.reserveCapacity(rows.reduce(0) { $1.status == .pending ? $0 + 1 : $0 })
            let hashOf = { (number: Int) in rowHash(of: rows[number].email) }
            for number in rows.indices {
                let email = rows[number].email
                let hash = rowHash(of: email)
                all.insert(number, hash: hash, sameKey: { rows[$0].email == email }, hashOf: hashOf)
                if rows[number].status == .pending { pending.file(number, hash: hash, replacing: { rows[$0].email == email }, hashOf: hashOf) }
            }
        }
        return (all, pending)
    }

    /// The active account collaborator rows, filed by tenant and person. Of two active rows
    /// for one tenant and person (which only a damaged file holds) the later is filed, as
    /// apply would.
    static func assignmentIndex(of rows: [Collaborator]) -> RowIndex {
        var index = RowIndex()
        rows.withUnsafeBufferPointer { rows in
            let isAssignment = { (row: Collaborator) in row.isActive && row.userID != nil }
            index.reserveCapacity(rows.reduce(0) { isAssignment($1) ? $0 + 1 : $0 })
            for number in rows.indices where isAssignment(rows[number]) {
                let (tenantID, userID) = (rows[number].tenantID, rows[number].userID)
                index.file(
                    number,
                    hash: assignmentHash(of: rows[number]),
                    replacing: { rows[$0].tenantID == tenantID && rows[$0].userID == userID },
                    hashOf: { assignmentHash(of: rows[$0]) }
                )
            }
        }
        return index
    }

    /// Every collaborator row, filed by its tenant (of which there are `tenants`).
    static func tenantIndex(of rows: [Collaborator], tenants: Int) -> RowChains {
        var index = RowChains()
        rows.withUnsafeBufferPointer { rows in
            index.reserveCapacity(rows: rows.count, keys: tenants)
            for number in rows.indices {
                let tenantID = rows[number].tenantID
                index.insert(
                    number,
                    hash: rowHash(tenant: tenantID),
                    sameKey: { rows[$0].tenantID == tenantID },
                    hashOf: { rowHash(tenant: rows[$0].tenantID) }
                )
            }
        }
        return index
    }

    /// The tenant's collaborator rows (its team), in the order they were invited, ended and
    /// reference-only ones included; none for a tenant the org does not have.
    public func collaborators(of tenantID: TenantID) -> [Collaborator] {
        let rows = collaborators.storedRows
        return tenantCollaboratorRows.numbers(hash: Self.rowHash(tenant: tenantID)) { rows[$0].tenantID == tenantID }.map { rows[Int($0)] }
    }

    /// The org's API keys in a stable order (by id), for snapshots.
    public var apiKeysInOrder: [APIKey] { apiKeys.values.sorted { $0.id < $1.id } }

    /// The pending invitation for `email`, if there is one (expired or not).
    public func pendingInvitation(for email: EmailAddress) -> Invitation? {
        let rows = invitations.storedRows
        return pendingInvitationRows.first(hash: Self.rowHash(of: email)) { rows[$0].email == email }.map { rows[$0] }
    }

    /// The active member with `email`, if there is one.
    public func activeMember(email: EmailAddress) -> Member? {
        activeMemberByEmail[email].flatMap { members[$0] }
    }

    /// Every invitation ever sent to `email`, oldest first.
    public func invitations(for email: EmailAddress) -> [Invitation] {
        let rows = invitations.storedRows
        return invitationRowNumbers(for: email).map { rows[Int($0)] }
    }

    /// The row numbers of every invitation sent to `email`, oldest first.
    func invitationRowNumbers(for email: EmailAddress) -> [UInt32] {
        let rows = invitations.storedRows
        return invitationRowsByEmail.numbers(hash: Self.rowHash(of: email)) { rows[$0].email == email }
    }

    /// The active collaborator row of `userID` on `tenantID`, if there is one.
    public func activeAssignment(tenant tenantID: TenantID, user userID: UserID) -> Collaborator? {
        let rows = collaborators.storedRows
        return activeAssignmentRows.first(hash: Self.rowHash(tenant: tenantID, user: userID)) {
            rows[$0].tenantID == tenantID && rows[$0].userID == userID
        }.map { rows[$0] }
    }

    /// How many active members the org has.
    public var activeMemberCount: Int { activeMemberByEmail.count }

    /// The ids of the pending invitations (for the expiry sweep).
    public var pendingInvitationIDs: [InvitationID] {
        let rows = invitations.storedRows
        return pendingInvitationRows.allNumbers.map { rows[$0].id }
    }

    /// Decides a command and wraps its events in records numbered after the current version,
    /// ready to be logged and then applied with ``apply(_:)``.
    public func decideRecords(
        _ command: OrgCommand,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError) -> [OrgEventRecord] {
        let events = try decide(command, by: principal, at: now, policy: policy)
        return events.enumerated().map { offset, event in
            OrgEventRecord(sequence: version + 1 + UInt64(offset), at: now, actor: principal, event: event)
        }
    }

    /// Decides a command and applies its events, returning the records it produced.
    public mutating func execute(
        _ command: OrgCommand,
        by principal: Principal,
        at now: Timestamp,
        policy: Policy
    ) throws(DomainError) -> [OrgEventRecord] {
        let records = try decideRecords(command, by: principal, at: now, policy: policy)
        for record in records { apply(record) }
        return records
    }
}
