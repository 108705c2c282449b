import HTTPTypes
import Hummingbird
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// A tenant's workspace (as the caller may see it), its items, the context summary, the
    /// digest export and the org's audit trail.
    func registerWorkspace(on org: RouterGroup<OrgRequestContext>) {
        let tenant = org.group("tenants/{tenant}")

        get(tenant, "workspace") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return .json { $0.workspace(view, orgID: orgID) }
        }

        post(tenant, "notes", command: "add_note") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var fields = try await request.fields(context: context)
            let body = try fields.string("body", maxLength: 20_000)
            let kind = try fields.optionalSpelled("kind", as: Note.Kind.self) ?? .shared
            try fields.finish()
            let itemID = try await engine.writeWorkspace(
                org: orgID,
                .note(tenant: tenantID, kind: kind, body: body),
                by: principal,
                context: context.command
            )
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return try created(view.notes.first { $0.id == itemID }) { $0.note($1) }
        }
        get(tenant, "notes") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var kind: Note.Kind?
            if let text = request.query("kind") {
                guard let value = Note.Kind(name: text) else { throw Problem.badRequest("`kind` must be shared or professional; got \"\(text)\"") }
                kind = value
            }
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return itemList(view.notes.filter { kind == nil || $0.kind == kind }) { $0.note($1) }
        }

        post(tenant, "goals", command: "add_goal") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var fields = try await request.fields(context: context)
            let title = try fields.string("title", maxLength: 200)
            let detail = try fields.optionalString("detail", maxLength: 20_000)
            try fields.finish()
            let itemID = try await engine.writeWorkspace(
                org: orgID,
                .goal(tenant: tenantID, title: title, detail: detail),
                by: principal,
                context: context.command
            )
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return try created(view.goals.first { $0.id == itemID }) { $0.goal($1) }
        }
        get(tenant, "goals") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return itemList(view.goals) { $0.goal($1) }
        }

        post(tenant, "sessions", command: "record_session") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var fields = try await request.fields(context: context)
            let summary = try fields.string("summary", maxLength: 20_000)
            let occurredAt = try fields.optionalTimestamp("occurred_at") ?? now
            try fields.finish()
            let itemID = try await engine.writeWorkspace(
                org: orgID,
                .session(tenant: tenantID, occurredAt: occurredAt, summary: summary),
                by: principal,
                context: context.command
            )
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return try created(view.sessions.first { $0.id == itemID }) { $0.session($1) }
        }
        get(tenant, "sessions") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return itemList(view.sessions) { $0.session($1) }
        }

        post(tenant, "documents", command: "add_document") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var fields = try await request.fields(context: context)
            let name = try fields.string("name", maxLength: 200)
            let contentType = try fields.string("content_type", maxLength: 200)
            guard let size = try fields.optionalInteger("size_bytes"), size >= 0 else {
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `size_bytes` is required: the document's size, a whole number of bytes"
                )
            }
            let checksum = try fields.string("checksum", maxLength: 200)
            try fields.finish()
            let itemID = try await engine.writeWorkspace(
                org: orgID,
                .document(tenant: tenantID, name: name, contentType: contentType, sizeBytes: size, checksum: checksum),
                by: principal,
                context: context.command
            )
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return try created(view.documents.first { $0.id == itemID }) { $0.document($1) }
        }
        get(tenant, "documents") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return itemList(view.documents) { $0.document($1) }
        }

        put(tenant, "context-summary", command: "set_context_summary") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            var fields = try await request.fields(context: context)
            let text = try fields.string("text", maxLength: 20_000)
            try fields.finish()
            try await engine.writeWorkspace(org: orgID, .contextSummary(tenant: tenantID, text: text), by: principal, context: context.command)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            return .json { $0.contextSummary(view.contextSummary) }
        }
        get(tenant, "context-summary") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let view = try await engine.workspace(org: orgID, tenant: tenantID, by: principal)
            guard view.access.contains(.readContextSummary) else {
                throw Problem(DomainError.forbidden("you may not read this tenant's context summary"))
            }
            return .json { $0.contextSummary(view.contextSummary) }
        }

        get(tenant, "digest") { request, context in
            let (principal, orgID, tenantID) = try workspaceTarget(context)
            let digest = try await engine.digest(org: orgID, tenant: tenantID, by: principal)
            return .json { $0.digest(digest, orgID: orgID) }
        }

        get(org, "audit") { request, context in
            let principal = context.principal
            let orgID = context.org
            let (cursor, limit) = try request.pageQuery()
            let filter = try auditFilter(request)
            if try request.wantsCSV() {
                let engine = try engine
                return try await CSVExport<AuditEntry>(
                    Wire.auditEntry,
                    at: orgID,
                    page: { before in
                        try await engine.audit(
                            org: orgID,
                            filter: filter,
                            before: before ?? cursor,
                            limit: CSVExport<AuditEntry>.pageSize,
                            by: principal
                        )
                    }
                ).response(filename: "audit.csv")
            }
            let page = try await engine.audit(org: orgID, filter: filter, before: cursor, limit: limit, by: principal)
            return APIResponse.page(page) { $0.auditEntry($1, orgID: orgID) }
        }
    }

    private func workspaceTarget(_ context: OrgRequestContext) throws(Problem) -> (Principal, OrganisationID, TenantID) {
        (context.principal, context.org, try context.pathID("tenant"))
    }

    private func created<Item>(_ item: Item?, _ write: (inout JSONWriter, Item) -> Void) throws -> APIResponse {
        // The writer can always read back what it just wrote (access is checked by the same rules).
        guard let item else { throw Problem(.internalServerError, code: "internal_error", "the new item could not be read back") }
        return .json(.created) { write(&$0, item) }
    }

    private func itemList<Item>(_ items: [Item], _ write: @escaping (inout JSONWriter, Item) -> Void) -> APIResponse {
        .json { json in
            json.object { object in
                object.array("items", items, write)
                object.field("next_cursor", String?.none)
            }
        }
    }

    /// `action` (comma-separated event names), `actor` (`platform_admin`, `system`,
    /// `user:<id>`, `api_key:<id>`) and `target` (an id).
    private func auditFilter(_ request: Request) throws(Problem) -> AuditFilter {
        let actions = try request.query("action").map { text throws(Problem) in try FeedQuery.kinds(commaSeparated: text, parameter: "action") }
        var actor: Principal?
        if let text = request.query("actor") {
            guard let principal = Principal(spelled: text) else {
                throw Problem.badRequest("`actor` must be platform_admin, system, user:<id> or api_key:<id>; got \"\(text)\"")
            }
            actor = principal
        }
        guard let text = request.query("target") else { return AuditFilter(actions: actions, actor: actor) }
        guard let target = Identifier<AuditEntry>(text) else { throw Problem.badRequest("`target` must be a UUID; got \"\(text)\"") }
        return AuditFilter(actions: actions, actor: actor, target: target)
    }
}
