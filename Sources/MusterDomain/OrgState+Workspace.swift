extension OrgState {
    /// The one access decision: what `principal` may read and write in `tenantID`'s workspace,
    /// from the current state.
    ///
    /// Staff (members, keys, the platform admin) see and work everything of the org's tenants,
    /// professional notes only with `workspace.professional`; viewers only read. A collaborator
    /// has their mode's access once they have signed in through their link, and none once
    /// their assignment ends. Everyone else, and every reference-only contact, has none.
    public func workspaceAccess(of principal: Principal, tenant tenantID: TenantID) -> WorkspaceAccess {
        guard tenants[tenantID] != nil else { return [] }
        return staffAccess(of: principal).union(assignmentAccess(of: principal, tenant: tenantID))
    }

    /// What `principal`'s standing in the org gives them on every one of its cases: none for
    /// anyone who is not staff.
    func staffAccess(of principal: Principal) -> WorkspaceAccess {
        guard let held = permissions(of: principal) else { return [] }
        var access: WorkspaceAccess = staffWrites(principal) ? .staffWriter : .staffReader
        if held.contains(.workspaceProfessional) {
            access.insert(.readProfessionalNotes)
            if staffWrites(principal) { access.insert(.writeProfessionalNotes) }
        }
        if held.contains(.collaboratorsInvite) { access.insert(.inviteCollaborators) }
        if held.contains(.collaboratorsEnd) { access.insert(.endCollaborators) }
        return access
    }

    /// What `principal`'s own assignment on `tenantID` gives them: their mode's access once
    /// they have signed in through their link, none once it has ended (or for a contact card).
    func assignmentAccess(of principal: Principal, tenant tenantID: TenantID) -> WorkspaceAccess {
        guard case .user(let userID) = principal, let assignment = activeAssignment(tenant: tenantID, user: userID), assignment.grantsAccess else {
            return []
        }
        switch assignment.mode {
        case .full: return .fullCollaborator
        case .contextOnly: return .contextOnlyCollaborator
        case .referenceOnly: return []
        }
    }

    /// Refuses unless `principal` holds `needed` on the tenant; a tenant they may not see at
    /// all is reported as not found, so its existence is not revealed.
    public func requireAccess(
        _ needed: WorkspaceAccess,
        of principal: Principal,
        tenant tenantID: TenantID,
        toDo action: String
    ) throws(DomainError) -> Tenant {
        let access = workspaceAccess(of: principal, tenant: tenantID)
        guard access.seesTenant, let tenant = tenants[tenantID] else {
            throw DomainError(.tenantNotFound, "tenant \(tenantID) does not exist or is not visible to you")
        }
        guard access.isSuperset(of: needed) else { throw .forbidden("you may not \(action) on this tenant") }
        return tenant
    }

    func decideWorkspaceWrite(_ command: OrgCommand, by principal: Principal, at now: Timestamp, policy: Policy) throws(DomainError) -> [OrgEvent] {
        switch command {
        case .addNote(let tenantID, let itemID, let kind, let body):
            let needed: WorkspaceAccess = kind == .professional ? .writeProfessionalNotes : .writeSharedNotes
            _ = try requireAccess(needed, of: principal, tenant: tenantID, toDo: "write \(kind.name) notes")
            return [.noteAdded(tenantID: tenantID, id: itemID, kind: kind, body: try Validate.text(body, field: "body", policy: policy))]
        case .addGoal(let tenantID, let itemID, let title, let detail):
            _ = try requireAccess(.writeGoals, of: principal, tenant: tenantID, toDo: "add goals")
            let title = try Validate.name(title, field: "title", policy: policy)
            let detail = try detail.flatMap { text throws(DomainError) in
                text.trimmingWhitespace().isEmpty ? nil : try Validate.text(text, field: "detail", policy: policy)
            }
            return [.goalAdded(tenantID: tenantID, id: itemID, title: title, detail: detail)]
        case .recordSession(let tenantID, let itemID, let occurredAt, let summary):
            _ = try requireAccess(.recordSessions, of: principal, tenant: tenantID, toDo: "record sessions")
            guard occurredAt <= now.adding(.days(1)) else { throw .validation("occurred_at is in the future") }
            return [
                .sessionRecorded(
                    tenantID: tenantID,
                    id: itemID,
                    occurredAt: occurredAt,
                    summary: try Validate.text(summary, field: "summary", policy: policy)
                )
            ]
        case .addDocument(let tenantID, let itemID, let name, let contentType, let sizeBytes, let checksum):
            _ = try requireAccess(.writeDocuments, of: principal, tenant: tenantID, toDo: "add documents")
            let name = try Validate.name(name, field: "name", policy: policy)
            let contentType = try Validate.name(contentType, field: "content_type", policy: policy)
            guard contentType.contains("/"), !contentType.contains(" ") else {
                throw .validation("content_type '\(contentType)' is not a media type")
            }
            guard sizeBytes >= 0 else { throw .validation("size_bytes cannot be negative") }
            let checksum = try Validate.name(checksum, field: "checksum", policy: policy)
            return [.documentAdded(tenantID: tenantID, id: itemID, name: name, contentType: contentType, sizeBytes: sizeBytes, checksum: checksum)]
        case .setContextSummary(let tenantID, let text):
            _ = try requireAccess(.writeContextSummary, of: principal, tenant: tenantID, toDo: "edit the context summary")
            return [.contextSummaryUpdated(tenantID: tenantID, text: try Validate.text(text, field: "text", policy: policy))]
        default:
            preconditionFailure("not a workspace command: \(command)")
        }
    }

    /// The workspace of `tenantID` as `principal` may see it: professional notes only for
    /// those who may read them, a context-only collaborator's own sessions only, and so on.
    public func workspaceView(of tenantID: TenantID, for principal: Principal) throws(DomainError) -> WorkspaceView {
        let tenant = try requireAccess([], of: principal, tenant: tenantID, toDo: "read the workspace")
        let access = workspaceAccess(of: principal, tenant: tenantID)
        let workspace = tenant.workspace
        let notes = workspace.notes.filter { note in
            note.kind == .shared ? access.contains(.readSharedNotes) : access.contains(.readProfessionalNotes)
        }
        let sessions: [SessionRecord]
        if access.contains(.readAllSessions) {
            sessions = workspace.sessions
        } else if access.contains(.readOwnSessions) {
            sessions = workspace.sessions.filter { $0.authorship.author == principal }
        } else {
            sessions = []
        }
        var view = WorkspaceView(
            tenant: tenant.id,
            tenantName: tenant.name,
            access: access,
            notes: notes,
            goals: access.contains(.readGoals) ? workspace.goals : [],
            sessions: sessions,
            documents: access.contains(.readDocuments) ? workspace.documents : [],
            contextSummary: access.contains(.readContextSummary) ? workspace.contextSummary : nil
        )
        // Who wrote what the person sees. Staff, who see the team, read names; a collaborator
        // reads only whether it was staff, another collaborator or themselves — the team's
        // emails are not theirs to learn.
        let authors =
            view.notes.map(\.authorship.author) + view.goals.map(\.authorship.author) + view.sessions.map(\.authorship.author)
            + view.documents.map(\.authorship.author) + (view.contextSummary.map { [$0.authorship.author] } ?? [])
        let seesTeam = access.contains(.viewTeam)
        view.authorNames = Dictionary(
            uniqueKeysWithValues: Set(authors).map { author in
                (author, seesTeam ? label(of: author) : author == principal ? "you" : isStaff(author) ? "staff" : "a collaborator")
            }
        )
        return view
    }

    /// The tenant's team as staff see it: every collaborator row, ended and reference-only
    /// ones included, in the order they were invited.
    public func team(of tenantID: TenantID, for principal: Principal) throws(DomainError) -> [Collaborator] {
        _ = try requireAccess(.viewTeam, of: principal, tenant: tenantID, toDo: "see the team")
        return collaborators(of: tenantID)
    }

    /// The digest export of a tenant: its active case team and a summary of its workspace.
    /// Never contains reference-only contacts or professional notes.
    public func digest(of tenantID: TenantID, for principal: Principal) throws(DomainError) -> TenantDigest {
        let tenant = try requireAccess(.exportDigest, of: principal, tenant: tenantID, toDo: "export the digest")
        let team = collaborators(of: tenantID)
            .filter { $0.isActive && $0.mode != .referenceOnly }
            .map {
                TenantDigest.TeamMember(
                    collaboratorID: $0.id,
                    userID: $0.userID,
                    fullName: $0.fullName,
                    email: $0.email,
                    mode: $0.mode,
                    since: $0.invitedAt,
                    activatedAt: $0.activatedAt
                )
            }
        let workspace = tenant.workspace
        return TenantDigest(
            tenant: tenant.id,
            tenantName: tenant.name,
            reference: tenant.reference,
            team: team,
            sharedNotes: workspace.notes.filter { $0.kind == .shared },
            goals: workspace.goals,
            sessionCount: workspace.sessions.count,
            lastSessionAt: workspace.sessions.map(\.occurredAt).max(),
            documentCount: workspace.documents.count,
            contextSummary: workspace.contextSummary
        )
    }
}

/// A tenant's workspace filtered to what one person may see.
public struct WorkspaceView: Hashable, Sendable {
    public var tenant: TenantID
    public var tenantName: String
    /// What the person may do, so a client can show or hide its controls.
    public var access: WorkspaceAccess
    public var notes: [Note]
    public var goals: [Goal]
    public var sessions: [SessionRecord]
    public var documents: [Document]
    public var contextSummary: ContextSummary?
    /// How each author of what is shown is named (an email, an API key's name).
    public var authorNames: [Principal: String] = [:]
}

/// The reporting export of a tenant's case: no reference-only contacts, no professional notes.
public struct TenantDigest: Hashable, Sendable {
    public var tenant: TenantID
    public var tenantName: String
    public var reference: String?
    public var team: [TeamMember]
    public var sharedNotes: [Note]
    public var goals: [Goal]
    public var sessionCount: Int
    public var lastSessionAt: Timestamp?
    public var documentCount: Int
    public var contextSummary: ContextSummary?

    /// One active `full` or `context_only` collaborator.
    public struct TeamMember: Hashable, Sendable {
        public var collaboratorID: CollaboratorID
        public var userID: UserID?
        public var fullName: String?
        public var email: EmailAddress?
        public var mode: ParticipationMode
        public var since: Timestamp
        public var activatedAt: Timestamp?
    }
}
