import MusterDomain
import MusterJSON

extension Wire {
    /// Who wrote a workspace item, and when: the last two fields of each.
    private static func authored<Item>(_ authorship: @escaping @Sendable (Item) -> Authorship) -> [WireField<Item, Void>] {
        [
            .field("author") { item, _ in authorship(item).author },
            .field("created_at") { item, _ in authorship(item).at },
        ]
    }

    /// A tenant: the person whose case the collaborators work on.
    static let tenant = WireShape<Tenant, Void>([
        .field("id") { tenant, _ in tenant.id },
        .field("name") { tenant, _ in tenant.name },
        .field("reference") { tenant, _ in tenant.reference },
        .field("created_at") { tenant, _ in tenant.createdAt },
        .field("created_by") { tenant, _ in tenant.createdBy },
    ])

    /// A note on a tenant's workspace.
    static let note = WireShape<Note, Void>(
        [
            .field("id") { note, _ in note.id },
            .field("kind") { note, _ in note.kind },
            .field("body") { note, _ in note.body },
        ] + authored { $0.authorship }
    )

    /// A goal on a tenant's workspace.
    static let goal = WireShape<Goal, Void>(
        [
            .field("id") { goal, _ in goal.id },
            .field("title") { goal, _ in goal.title },
            .field("detail") { goal, _ in goal.detail },
        ] + authored { $0.authorship }
    )

    /// A session (a meeting with the tenant) recorded on the workspace.
    static let session = WireShape<SessionRecord, Void>(
        [
            .field("id") { session, _ in session.id },
            .field("occurred_at") { session, _ in session.occurredAt },
            .field("summary") { session, _ in session.summary },
        ] + authored { $0.authorship }
    )

    /// A document's record on the workspace (its bytes live elsewhere).
    static let document = WireShape<Document, Void>(
        [
            .field("id") { document, _ in document.id },
            .field("name") { document, _ in document.name },
            .field("content_type") { document, _ in document.contentType },
            .field("size_bytes") { document, _ in document.sizeBytes },
            .field("checksum") { document, _ in document.checksum },
        ] + authored { $0.authorship }
    )

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
