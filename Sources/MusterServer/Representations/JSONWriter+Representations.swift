import MusterDomain
import MusterEngine
import MusterJSON

// How each record appears in the API: snake_case names, ISO 8601 UTC times, every documented
// field present (`null` when unset). The records with a shape in ``Wire`` are written from it,
// as the OpenAPI document and the CSV exports are; the views composed of them here.

extension JSONWriter {
    mutating func invitation(_ invitation: Invitation, at now: Timestamp) {
        write(Wire.invitation, invitation, now)
    }

    mutating func member(_ member: Member) {
        write(Wire.member, member)
    }

    /// A key, never its secret but in the answer that created it; `last_used_at` only where
    /// the ledger of uses was read (the list), to the minute.
    mutating func apiKey(_ key: APIKey, orgID: OrganisationID, secret: String?, lastUsedAt: Timestamp?? = .none) {
        write(Wire.apiKey, key, Wire.KeyShown(orgID: orgID, secret: secret, lastUsedAt: lastUsedAt))
    }

    mutating func tenant(_ tenant: Tenant) {
        write(Wire.tenant, tenant)
    }

    mutating func collaborator(_ row: Collaborator, orgID: OrganisationID) {
        write(Wire.collaborator, row, orgID)
    }

    mutating func note(_ note: Note) {
        write(Wire.note, note)
    }

    mutating func goal(_ goal: Goal) {
        write(Wire.goal, goal)
    }

    mutating func session(_ session: SessionRecord) {
        write(Wire.session, session)
    }

    mutating func document(_ document: Document) {
        write(Wire.document, document)
    }

    mutating func contextSummary(_ summary: ContextSummary?) {
        guard let summary else {
            raw("null")
            return
        }
        object { object in
            object.field("text", summary.text)
            object.field("author", summary.authorship.author)
            object.field("updated_at", summary.authorship.at)
        }
    }

    mutating func workspace(_ view: WorkspaceView, orgID: OrganisationID) {
        object { object in
            object.field("org_id", orgID)
            object.field("tenant_id", view.tenant)
            object.field("tenant_name", view.tenantName)
            object.array("access", view.access.names) { $0.string($1) }
            object.array("notes", view.notes) { $0.note($1) }
            object.array("goals", view.goals) { $0.goal($1) }
            object.array("sessions", view.sessions) { $0.session($1) }
            object.array("documents", view.documents) { $0.document($1) }
            object.nested("context_summary") { $0.contextSummary(view.contextSummary) }
        }
    }

    mutating func digest(_ digest: TenantDigest, orgID: OrganisationID) {
        object { object in
            object.field("org_id", orgID)
            object.field("tenant_id", digest.tenant)
            object.field("tenant_name", digest.tenantName)
            object.field("reference", digest.reference)
            object.array("team", digest.team) { json, member in
                json.object { row in
                    row.field("collaborator_id", member.collaboratorID)
                    row.field("user_id", member.userID)
                    row.field("full_name", member.fullName)
                    row.field("email", member.email)
                    row.field("mode", member.mode.name)
                    row.field("since", member.since)
                    row.field("activated_at", member.activatedAt)
                }
            }
            object.array("shared_notes", digest.sharedNotes) { $0.note($1) }
            object.array("goals", digest.goals) { $0.goal($1) }
            object.field("session_count", digest.sessionCount)
            object.field("last_session_at", digest.lastSessionAt)
            object.field("document_count", digest.documentCount)
            object.nested("context_summary") { $0.contextSummary(digest.contextSummary) }
        }
    }

    mutating func auditEntry(_ entry: AuditEntry, orgID: OrganisationID) {
        write(Wire.auditEntry, entry, orgID)
    }

    mutating func user(_ user: User) {
        write(Wire.user, user)
    }

    mutating func caseloadEntry(_ entry: CaseloadEntry) {
        object { object in
            object.field("collaborator_id", entry.collaboratorID)
            object.field("org_id", entry.orgID)
            object.field("org_name", entry.orgName)
            object.field("tenant_id", entry.tenantID)
            object.field("tenant_name", entry.tenantName)
            object.field("mode", entry.mode.name)
            object.field("since", entry.activatedAt ?? entry.since)
            object.field("invited_at", entry.since)
        }
    }

    mutating func membership(_ entry: MembershipEntry) {
        object { object in
            object.field("org_id", entry.orgID)
            object.field("org_name", entry.orgName)
            object.field("role", entry.role.name)
            object.array("permissions", entry.permissions.permissions) { $0.string($1.name) }
        }
    }

    /// A new session as sign-in answers it.
    mutating func signedIn(_ signedIn: SignedIn) {
        object { object in
            object.field("session_token", signedIn.sessionToken)
            object.field("token_type", "Bearer")
            object.field("expires_at", signedIn.session.expiresAt)
            object.field("method", signedIn.session.method.name)
            object.nested("user") { $0.user(signedIn.user) }
            if let assignment = signedIn.activatedAssignment {
                object.nested("activated_assignment") { $0.caseloadEntry(assignment) }
            }
            if let redirect = signedIn.redirect { object.field("redirect_url", redirect.value) }
        }
    }
}

extension WorkspaceAccess {
    /// The names of the rights held, for the workspace answer.
    var names: [String] {
        let named: [(WorkspaceAccess, String)] = [
            (.readSharedNotes, "read_shared_notes"), (.writeSharedNotes, "write_shared_notes"),
            (.readProfessionalNotes, "read_professional_notes"), (.writeProfessionalNotes, "write_professional_notes"),
            (.readGoals, "read_goals"), (.writeGoals, "write_goals"), (.readAllSessions, "read_all_sessions"),
            (.readOwnSessions, "read_own_sessions"), (.recordSessions, "record_sessions"), (.readDocuments, "read_documents"),
            (.writeDocuments, "write_documents"), (.readContextSummary, "read_context_summary"),
            (.writeContextSummary, "write_context_summary"), (.viewTeam, "view_team"),
            (.inviteCollaborators, "invite_collaborators"), (.endCollaborators, "end_collaborators"), (.exportDigest, "export_digest"),
        ]
        return named.compactMap { contains($0.0) ? $0.1 : nil }
    }
}
