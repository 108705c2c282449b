import MusterDomain

extension MusterEngine {
    /// Writes an item to a tenant's workspace (a note, goal, session, document or the context
    /// summary), checked against the writer's access now; returns the item's id.
    @discardableResult
    public func writeWorkspace(
        org orgID: OrganisationID,
        _ item: WorkspaceWrite,
        by principal: Principal,
        context: CommandContext = .detached
    ) async throws -> WorkspaceItemID {
        let itemID = WorkspaceItemID.timeOrdered()
        let command: OrgCommand
        switch item {
        case .note(let tenantID, let kind, let body):
            command = .addNote(tenantID: tenantID, id: itemID, kind: kind, body: body)
        case .goal(let tenantID, let title, let detail):
            command = .addGoal(tenantID: tenantID, id: itemID, title: title, detail: detail)
        case .session(let tenantID, let occurredAt, let summary):
            command = .recordSession(tenantID: tenantID, id: itemID, occurredAt: occurredAt, summary: summary)
        case .document(let tenantID, let name, let contentType, let sizeBytes, let checksum):
            command = .addDocument(tenantID: tenantID, id: itemID, name: name, contentType: contentType, sizeBytes: sizeBytes, checksum: checksum)
        case .contextSummary(let tenantID, let text):
            command = .setContextSummary(tenantID: tenantID, text: text)
        }
        try await run(command, on: orgID, by: principal, context: context) { _ throws(DomainError) in () }
        return itemID
    }

    /// The workspace as `principal` may see it now.
    public func workspace(org orgID: OrganisationID, tenant tenantID: TenantID, by principal: Principal) async throws -> WorkspaceView {
        try await read(orgID) { state, _ throws(DomainError) in try state.workspaceView(of: tenantID, for: principal) }
    }

    /// What `principal` may do on the tenant now.
    public func access(org orgID: OrganisationID, tenant tenantID: TenantID, by principal: Principal) async throws -> WorkspaceAccess {
        try await read(orgID) { state, _ throws(DomainError) in state.workspaceAccess(of: principal, tenant: tenantID) }
    }

    /// The digest export: no reference-only contacts, no professional notes.
    public func digest(org orgID: OrganisationID, tenant tenantID: TenantID, by principal: Principal) async throws -> TenantDigest {
        try await read(orgID) { state, _ throws(DomainError) in try state.digest(of: tenantID, for: principal) }
    }

    /// A page of the org's audit trail, newest first.
    public func audit(
        org orgID: OrganisationID,
        filter: AuditFilter = AuditFilter(),
        before cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    )
        async throws -> Page<AuditEntry>
    {
        try await read(orgID) { state, _ throws(DomainError) in try state.auditPage(for: principal, filter: filter, before: cursor, limit: limit) }
    }

    /// A page of the audit trail as people read it (names, not ids), with everyone the trail
    /// can be filtered by.
    public func readableAudit(
        org orgID: OrganisationID,
        filter: AuditFilter = AuditFilter(),
        before cursor: UInt64? = nil,
        limit: Int = 100,
        by principal: Principal
    ) async throws -> (page: Page<ReadableAuditLine>, actors: [PrincipalLabel]) {
        try await read(orgID) { state, _ throws(DomainError) in
            (
                try state.readableAuditPage(for: principal, filter: filter, before: cursor, limit: limit),
                try state.actorChoices(for: principal)
            )
        }
    }

    /// How the org's staff see each of `principals` named (emails, key names).
    public func labels(org orgID: OrganisationID, for principals: [Principal], by principal: Principal) async throws -> [Principal: String] {
        try await read(orgID) { state, _ throws(DomainError) in
            try state.require(.usersView, of: principal, toDo: "see who did what")
            return Dictionary(uniqueKeysWithValues: Set(principals).map { ($0, state.label(of: $0)) })
        }
    }
}

/// One write to a tenant's workspace.
public enum WorkspaceWrite: Sendable {
    case note(tenant: TenantID, kind: Note.Kind, body: String)
    case goal(tenant: TenantID, title: String, detail: String?)
    case session(tenant: TenantID, occurredAt: Timestamp, summary: String)
    case document(tenant: TenantID, name: String, contentType: String, sizeBytes: Int64, checksum: String)
    case contextSummary(tenant: TenantID, text: String)
}
