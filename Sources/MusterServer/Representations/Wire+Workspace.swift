import MusterDomain
import MusterJSON

extension Wire {
    /// A tenant: the person whose case the collaborators work on.
    static let tenant = WireShape<Tenant, Void>([
        .field("id", \.id),
        .field("name", \.name),
        .field("reference", \.reference),
        .field("created_at", \.createdAt),
        .field("created_by", \.createdBy),
    ])

    /// A note on a tenant's workspace.
    static let note = WireShape<Note, Void>([
        .field("id", \.id),
        .field("kind", \.kind),
        .field("body", \.body),
        .field("author", \.authorship.author),
        .field("created_at", \.authorship.at),
    ])

    /// A goal on a tenant's workspace.
    static let goal = WireShape<Goal, Void>([
        .field("id", \.id),
        .field("title", \.title),
        .field("detail", \.detail),
        .field("author", \.authorship.author),
        .field("created_at", \.authorship.at),
    ])

    /// A session (a meeting with the tenant) recorded on the workspace.
    static let session = WireShape<SessionRecord, Void>([
        .field("id", \.id),
        .field("occurred_at", \.occurredAt),
        .field("summary", \.summary),
        .field("author", \.authorship.author),
        .field("created_at", \.authorship.at),
    ])

    /// A document's record on the workspace (its bytes live elsewhere).
    static let document = WireShape<Document, Void>([
        .field("id", \.id),
        .field("name", \.name),
        .field("content_type", \.contentType),
        .field("size_bytes", \.sizeBytes),
        .field("checksum", \.checksum),
        .field("author", \.authorship.author),
        .field("created_at", \.authorship.at),
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
