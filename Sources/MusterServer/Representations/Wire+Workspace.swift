import MusterDomain
import MusterJSON

extension Wire {
    /// A tenant: the person whose case the collaborators work on.
    static let tenant = WireShape<Tenant, Void>([
        .field("id") { tenant, _ in tenant.id },
        .field("name") { tenant, _ in tenant.name },
        .field("reference") { tenant, _ in tenant.reference },
        .field("created_at") { tenant, _ in tenant.createdAt },
        .field("created_by") { tenant, _ in tenant.createdBy },
    ])

    /// A note on a tenant's workspace.
    static let note = WireShape<Note, Void>([
        .field("id") { note, _ in note.id },
        .field("kind") { note, _ in note.kind },
        .field("body") { note, _ in note.body },
        .field("author") { note, _ in note.authorship.author },
        .field("created_at") { note, _ in note.authorship.at },
    ])

    /// A goal on a tenant's workspace.
    static let goal = WireShape<Goal, Void>([
        .field("id") { goal, _ in goal.id },
        .field("title") { goal, _ in goal.title },
        .field("detail") { goal, _ in goal.detail },
        .field("author") { goal, _ in goal.authorship.author },
        .field("created_at") { goal, _ in goal.authorship.at },
    ])

    /// A session (a meeting with the tenant) recorded on the workspace.
    static let session = WireShape<SessionRecord, Void>([
        .field("id") { session, _ in session.id },
        .field("occurred_at") { session, _ in session.occurredAt },
        .field("summary") { session, _ in session.summary },
        .field("author") { session, _ in session.authorship.author },
        .field("created_at") { session, _ in session.authorship.at },
    ])

    /// A document's record on the workspace (its bytes live elsewhere).
    static let document = WireShape<Document, Void>([
        .field("id") { document, _ in document.id },
        .field("name") { document, _ in document.name },
        .field("content_type") { document, _ in document.contentType },
        .field("size_bytes") { document, _ in document.sizeBytes },
        .field("checksum") { document, _ in document.checksum },
        .field("author") { document, _ in document.authorship.author },
        .field("created_at") { document, _ in document.authorship.at },
    ])

    /// One line of an org's audit trail.
    static let auditEntry = WireShape<AuditEntry, OrganisationID>([
        .field("sequence", csv: true) { entry, _ in entry.sequence },
        .field("org_id") { _, orgID in orgID },
        .field("at", csv: true) { entry, _ in entry.at },
        .field("actor", csv: true) { entry, _ in entry.actor },
        .field("action", csv: true) { entry, _ in entry.action.name },
        .field("target", schema: .uuid, csv: true) { entry, _ in entry.target },
        .field("details", csv: true) { entry, _ in entry.details },
    ])
}
