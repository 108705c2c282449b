import MusterDomain
import MusterEngine
import MusterJSON

// How each record appears in the API: snake_case names, ISO 8601 UTC times, every documented
// field present (`null` when unset). The OpenAPI document describes the same shapes.

extension JSONWriter {
    mutating func invitation(_ invitation: Invitation, at now: Timestamp) {
        object { object in
            object.field("id", invitation.id)
            object.field("org_id", invitation.orgID)
            object.field("email", invitation.email)
            object.field("role", invitation.role.name)
            object.field("method", invitation.method.name)
            object.field("status", invitation.effectiveStatus(at: now).name)
            object.field("invited_by", invitation.invitedBy)
            object.field("created_at", invitation.createdAt)
            object.field("expires_at", invitation.expiresAt)
            object.field("accepted_at", invitation.acceptedAt)
            object.field("accepted_by", invitation.acceptedBy)
            object.field("revoked_at", invitation.revokedAt)
            object.field("revoked_by", invitation.revokedBy)
            object.field("revoked_reason", invitation.revokedReason)
            object.field("expired_at", invitation.expiredAt)
            object.field("resent_at", invitation.resentAt)
            object.field("resend_count", invitation.resendCount)
            object.field("reinvite_of", invitation.reinviteOf)
            object.field("redirect_url", invitation.redirect?.value)
        }
    }

    mutating func member(_ member: Member) {
        object { object in
            object.field("user_id", member.userID)
            object.field("email", member.email)
            object.field("role", member.role.name)
            object.array("grants", member.grants.permissions) { $0.string($1.name) }
            object.array("permissions", member.permissions.permissions) { $0.string($1.name) }
            object.field("joined_at", member.joinedAt)
            object.field("joined_via", member.joinedVia.name)
            object.field("status", member.isActive ? "active" : "removed")
            object.field("removed_at", member.removedAt)
            object.field("removed_by", member.removedBy)
        }
    }

    /// A key, never its secret but in the answer that created it; `last_used_at` only where
    /// the ledger of uses was read (the list), to the minute.
    mutating func apiKey(_ key: APIKey, orgID: OrganisationID, secret: String?, lastUsedAt: Timestamp?? = .none) {
        object { object in
            object.field("id", key.id)
            object.field("org_id", orgID)
            object.field("name", key.name)
            object.field("role", key.role.name)
            object.field("created_at", key.createdAt)
            object.field("created_by", key.createdBy)
            object.field("revoked_at", key.revokedAt)
            if case .some(let lastUsedAt) = lastUsedAt { object.field("last_used_at", lastUsedAt) }
            if let secret { object.field("secret", secret) }
        }
    }

    mutating func tenant(_ tenant: Tenant) {
        object { object in
            object.field("id", tenant.id)
            object.field("name", tenant.name)
            object.field("reference", tenant.reference)
            object.field("created_at", tenant.createdAt)
            object.field("created_by", tenant.createdBy)
        }
    }

    mutating func collaborator(_ row: Collaborator, orgID: OrganisationID) {
        object { object in
            object.field("id", row.id)
            object.field("org_id", orgID)
            object.field("tenant_id", row.tenantID)
            object.field("mode", row.mode.name)
            object.field("user_id", row.userID)
            object.field("email", row.email)
            object.field("full_name", row.fullName)
            if let contact = row.contact {
                object.object("contact") { card in
                    card.field("contact_name", contact.name)
                    card.field("contact_email", contact.email)
                    card.field("contact_phone", contact.phone)
                    card.field("contact_organisation_name", contact.organisationName)
                    card.field("contact_role_label", contact.roleLabel)
                }
            } else {
                object.field("contact", String?.none)
            }
            object.field(
                "status",
                row.endedAt != nil ? "ended" : row.mode == .referenceOnly ? "contact" : row.activatedAt != nil ? "active" : "invited"
            )
            object.field("invited_by", row.invitedBy)
            object.field("invited_at", row.invitedAt)
            object.field("cap_overridden", row.capOverridden)
            object.field("activated_at", row.activatedAt)
            object.field("link_expires_at", row.linkExpiresAt)
            object.field("redirect_url", row.redirect?.value)
            object.field("ended_at", row.endedAt)
            object.field("ended_by", row.endedBy)
        }
    }

    mutating func note(_ note: Note) {
        object { object in
            object.field("id", note.id)
            object.field("kind", note.kind.name)
            object.field("body", note.body)
            object.field("author", note.authorship.author)
            object.field("created_at", note.authorship.at)
        }
    }

    mutating func goal(_ goal: Goal) {
        object { object in
            object.field("id", goal.id)
            object.field("title", goal.title)
            object.field("detail", goal.detail)
            object.field("author", goal.authorship.author)
            object.field("created_at", goal.authorship.at)
        }
    }

    mutating func session(_ session: SessionRecord) {
        object { object in
            object.field("id", session.id)
            object.field("occurred_at", session.occurredAt)
            object.field("summary", session.summary)
            object.field("author", session.authorship.author)
            object.field("created_at", session.authorship.at)
        }
    }

    mutating func document(_ document: Document) {
        object { object in
            object.field("id", document.id)
            object.field("name", document.name)
            object.field("content_type", document.contentType)
            object.field("size_bytes", document.sizeBytes)
            object.field("checksum", document.checksum)
            object.field("author", document.authorship.author)
            object.field("created_at", document.authorship.at)
        }
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
        object { object in
            object.field("sequence", entry.sequence)
            object.field("org_id", orgID)
            object.field("at", entry.at)
            object.field("actor", entry.actor)
            object.field("action", entry.action.name)
            object.field("target", entry.target)
            object.field("details", entry.details)
        }
    }

    mutating func user(_ user: User) {
        object { object in
            object.field("id", user.id)
            object.field("email", user.email)
            object.field("full_name", user.fullName)
            object.field("created_at", user.createdAt)
            object.field("origin", user.origin.name)
            object.field("must_change_password", user.mustChangePassword)
            object.field("last_sign_in_at", user.lastSignInAt)
            if let identity = user.identityOrganisation {
                object.object("identity_organisation") { org in
                    org.field("id", identity.id)
                    org.field("name", identity.name)
                }
            } else {
                object.field("identity_organisation", String?.none)
            }
        }
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
