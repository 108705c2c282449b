import MusterDomain
import MusterJSON

/// The OpenAPI 3.1 document of the API, served at `/openapi.json`. A test checks that its
/// operations are exactly the routes the server has.
enum OpenAPIDocument {
    /// The document as JSON bytes, built once.
    static let bytes: [UInt8] = {
        var json = JSONWriter(capacity: 64 << 10)
        json.object { document in
            document.field("openapi", "3.1.0")
            document.object("info") { info in
                info.field("title", "Muster")
                info.field("version", "1.0.0")
                info.field(
                    "description",
                    "Who may see which case: organisations' staff and roles, invitations, and the collaborators on each tenant's case."
                )
            }
            document.array("servers", [""]) { json, _ in json.object { $0.field("url", "/") } }
            document.array("security", [""]) { json, _ in json.object { $0.array("bearer", [String]()) { $0.string($1) } } }
            document.object("paths") { paths in
                for path in orderedPaths {
                    paths.nested(named: path) { json in
                        json.object { item in
                            for operation in operations where operation.path == path {
                                item.nested(operation.methodKey) { operation.write(to: &$0) }
                            }
                        }
                    }
                }
            }
            document.object("components") { components in
                components.object("securitySchemes") { schemes in
                    schemes.object("bearer") { scheme in
                        scheme.field("type", "http")
                        scheme.field("scheme", "bearer")
                        scheme.field("description", "The platform admin token, an org API key (mka_…) or a session token (mks_…).")
                    }
                }
                components.object("responses") { responses in
                    responses.object("Problem") { response in
                        response.field("description", "a refusal, as application/problem+json with a stable code")
                        response.object("content") {
                            $0.object("application/problem+json") { $0.nested("schema") { Schema.ref("Problem").write(to: &$0) } }
                        }
                    }
                }
                components.object("schemas") { schemas in
                    for (name, schema) in Schemas.all {
                        schemas.nested(named: name) { schema.write(to: &$0) }
                    }
                }
            }
        }
        return json.bytes
    }()

    /// Every path once, in the order of first mention.
    static var orderedPaths: [String] {
        var seen = Set<String>()
        return operations.map(\.path).filter { seen.insert($0).inserted }
    }

    /// Every operation: method, path, and what it takes and answers.
    static let operations: [Operation] = {
        let org = "/v1/orgs/{org}"
        let tenant = org + "/tenants/{tenant}"
        let page: [Parameter] = [.query("limit", .integer, "1 to 1000, default 100"), .query("cursor", .string, "next_cursor of the previous page")]
        let csv: [Parameter] = [
            .query("format", .enumeration(["json", "csv"]), "csv (or `Accept: text/csv`) for the whole filtered list as streamed CSV")
        ]
        return [
            Operation("GET", "/healthz", "Liveness", tag: "operations", isPublic: true, answers: [200: "Status"]),
            Operation(
                "GET",
                "/readyz",
                "Readiness: 200 once recovery has finished, 503 before",
                tag: "operations",
                isPublic: true,
                answers: [200: "Status", 503: "Problem"]
            ),
            Operation("GET", "/metrics", "Prometheus metrics", tag: "operations", isPublic: true, answers: [200: "text"]),
            Operation("GET", "/openapi.json", "This document", tag: "operations", isPublic: true, answers: [200: "any"]),

            Operation(
                "POST",
                "/v1/orgs",
                "Create an organisation (platform admin)",
                tag: "organisations",
                body: "NameRequest",
                answers: [201: "Organisation"]
            ),
            Operation(
                "GET",
                "/v1/orgs",
                "Every organisation, oldest first (platform admin)",
                tag: "organisations",
                parameters: page + [.query("q", .string, "only names containing this, in any case")],
                answers: [200: "OrganisationPage"]
            ),
            Operation("GET", "/v1/roles", "The assignable roles with their permission keys", tag: "organisations", answers: [200: "RoleCatalog"]),
            Operation("GET", org, "One organisation with its settings", tag: "organisations", answers: [200: "Organisation"]),
            Operation(
                "PATCH",
                org,
                "Change the name or settings (org admins): absent leaves a field, null resets it to the deployment's default",
                tag: "organisations",
                body: "OrganisationPatch",
                answers: [200: "Organisation"]
            ),
            Operation(
                "GET",
                org + "/api-keys",
                "The org's API keys, oldest first; never their secrets (org admin)",
                tag: "organisations",
                answers: [200: "APIKeyList"]
            ),
            Operation(
                "POST",
                org + "/api-keys",
                "Create an org API key (org admin); the secret is shown once",
                tag: "organisations",
                body: "APIKeyRequest",
                answers: [201: "APIKey"]
            ),
            Operation("POST", org + "/api-keys/{key}/revoke", "Revoke an org API key", tag: "organisations", answers: [200: "APIKey"]),

            Operation(
                "POST",
                org + "/invitations",
                "Invite by email, or add an existing user (`method`)",
                tag: "invitations",
                body: "InvitationRequest",
                answers: [201: "Invitation"]
            ),
            Operation(
                "POST",
                org + "/invitations/batch",
                "Up to 1,000 invitations, a result per item",
                tag: "invitations",
                body: "InvitationBatchRequest",
                answers: [200: "BatchResult"]
            ),
            Operation(
                "GET",
                org + "/invitations",
                "List invitations",
                tag: "invitations",
                parameters: page + [
                    .query("status", .enumeration(["pending", "accepted", "expired", "revoked"]), "only this status"),
                    .query("email", .string, "only this email"),
                ] + csv,
                answers: [200: "InvitationPage"]
            ),
            Operation("GET", org + "/invitations/{id}", "One invitation with all its audit fields", tag: "invitations", answers: [200: "Invitation"]),
            Operation(
                "POST",
                org + "/invitations/{id}/revoke",
                "Revoke a pending invitation, with an optional reason (≤ 500 characters)",
                tag: "invitations",
                body: "RevokeRequest",
                optionalBody: true,
                answers: [200: "Invitation"]
            ),
            Operation(
                "POST",
                org + "/invitations/{id}/reinvite",
                "Invite again from an expired or revoked invitation: a new pending one with the same email, role and method (`reinvite_of`)",
                tag: "invitations",
                answers: [201: "Invitation", 409: "Problem", 410: "Problem"]
            ),
            Operation(
                "POST",
                org + "/invitations/{id}/resend",
                "Resend with a new link: one per 60 s, five per 24 h (429 beyond)",
                tag: "invitations",
                answers: [200: "Invitation", 429: "Problem"]
            ),
            Operation(
                "GET",
                "/v1/invitations/preview",
                "What an invitation link is for and whether it is still valid; changes nothing",
                tag: "invitations",
                isPublic: true,
                parameters: [.query("token", .string, "the link's token", required: true)],
                answers: [200: "InvitationPreview"]
            ),
            Operation(
                "POST",
                "/v1/invitations/accept",
                "Accept an invitation; returns a session",
                tag: "invitations",
                isPublic: true,
                body: "TokenRequest",
                answers: [200: "Acceptance", 410: "Problem"]
            ),

            Operation(
                "POST",
                org + "/users",
                "Create a user with a temporary password (legacy)",
                tag: "members",
                body: "DirectUserRequest",
                answers: [201: "DirectUser"]
            ),
            Operation(
                "GET",
                org + "/members",
                "List members",
                tag: "members",
                parameters: page + [
                    .query("include_removed", .boolean, "include removed members"), .query("q", .string, "only emails starting with this"),
                    .query("role", .enumeration(Role.assignable.map(\.name)), "only this role"),
                    .query("status", .enumeration(["active", "removed"]), "only active or only removed members"),
                ] + csv,
                answers: [200: "MemberPage"]
            ),
            Operation(
                "PATCH",
                org + "/members/{user}",
                "Change a member's role, grant or withdraw permission keys",
                tag: "members",
                body: "MemberPatch",
                answers: [200: "Member"]
            ),
            Operation("POST", org + "/members/{user}/remove", "End a membership (kept, marked removed)", tag: "members", answers: [200: "Member"]),
            Operation(
                "POST",
                org + "/members/{user}/reset-password",
                "Issue a new temporary password; ends the member's sessions",
                tag: "members",
                answers: [200: "PasswordReset"]
            ),

            Operation("POST", org + "/tenants", "Create a tenant", tag: "tenants", body: "TenantRequest", answers: [201: "Tenant"]),
            Operation(
                "GET",
                org + "/tenants",
                "List tenants",
                tag: "tenants",
                parameters: page + [.query("q", .string, "only tenants whose name or reference contains this, in any case")],
                answers: [200: "TenantPage"]
            ),
            Operation(
                "GET",
                tenant,
                "One tenant: all of it for staff, its id and name for those assigned to it",
                tag: "tenants",
                answers: [200: "Tenant"]
            ),
            Operation(
                "POST",
                org + "/access/check",
                "May this person do this action on this case? Decided from the current state, never cached (staff with users.view, API keys)",
                tag: "access",
                body: "AccessCheckRequest",
                answers: [200: "AccessDecision"]
            ),
            Operation(
                "POST",
                org + "/access/check/batch",
                "Up to 1,000 access checks in one read, a decision each, in order",
                tag: "access",
                body: "AccessCheckBatchRequest",
                answers: [200: "AccessCheckBatchResult"]
            ),
            Operation(
                "GET",
                org + "/users/{user}/tenants",
                "The cases this person may see in the org, with their role or mode",
                tag: "access",
                parameters: page + [.query("at_least", .integer, "a log position the answer must reflect (a write's Muster-Position)")],
                answers: [200: "VisibleTenantPage"]
            ),
            Operation(
                "POST",
                tenant + "/collaborators",
                "Invite a collaborator in a participation mode",
                tag: "collaborators",
                body: "CollaboratorRequest",
                answers: [201: "Collaborator"]
            ),
            Operation(
                "POST",
                tenant + "/collaborators/batch",
                "Up to 1,000 collaborators, a result per item",
                tag: "collaborators",
                body: "CollaboratorBatchRequest",
                answers: [200: "BatchResult"]
            ),
            Operation("GET", tenant + "/collaborators", "The tenant's team (staff only)", tag: "collaborators", answers: [200: "CollaboratorList"]),
            Operation(
                "PATCH",
                tenant + "/collaborators/{id}",
                "Edit a reference-only contact card (fields left out keep their value)",
                tag: "collaborators",
                body: "ContactPatch",
                answers: [200: "Collaborator"]
            ),
            Operation(
                "POST",
                tenant + "/collaborators/{id}/end",
                "End an assignment: access ends on the next request",
                tag: "collaborators",
                answers: [200: "Collaborator"]
            ),

            Operation("GET", tenant + "/workspace", "The workspace as the caller may see it", tag: "workspace", answers: [200: "Workspace"]),
            Operation(
                "POST",
                tenant + "/notes",
                "Add a note (shared, or professional for staff with workspace.professional)",
                tag: "workspace",
                body: "NoteRequest",
                answers: [201: "Note"]
            ),
            Operation(
                "GET",
                tenant + "/notes",
                "The notes the caller may read",
                tag: "workspace",
                parameters: [.query("kind", .enumeration(["shared", "professional"]), "only this kind")],
                answers: [200: "NoteList"]
            ),
            Operation("POST", tenant + "/goals", "Add a goal", tag: "workspace", body: "GoalRequest", answers: [201: "Goal"]),
            Operation("GET", tenant + "/goals", "The goals", tag: "workspace", answers: [200: "GoalList"]),
            Operation(
                "POST",
                tenant + "/sessions",
                "Record a session (a dated contact, by its author)",
                tag: "workspace",
                body: "SessionRequest",
                answers: [201: "SessionRecord"]
            ),
            Operation("GET", tenant + "/sessions", "The sessions the caller may read", tag: "workspace", answers: [200: "SessionList"]),
            Operation(
                "POST",
                tenant + "/documents",
                "Add a document's metadata",
                tag: "workspace",
                body: "DocumentRequest",
                answers: [201: "Document"]
            ),
            Operation("GET", tenant + "/documents", "The documents", tag: "workspace", answers: [200: "DocumentList"]),
            Operation(
                "PUT",
                tenant + "/context-summary",
                "Set the context summary",
                tag: "workspace",
                body: "ContextSummaryRequest",
                answers: [200: "ContextSummary"]
            ),
            Operation(
                "GET",
                tenant + "/context-summary",
                "The context summary (null when none is set)",
                tag: "workspace",
                answers: [200: "ContextSummary"]
            ),
            Operation(
                "GET",
                tenant + "/digest",
                "The digest export: no reference-only contacts, no professional notes",
                tag: "workspace",
                answers: [200: "Digest"]
            ),
            Operation(
                "GET",
                org + "/audit",
                "The audit trail, newest first",
                tag: "audit",
                parameters: page + [
                    .query("action", .string, "comma-separated event names, e.g. user.invited,collaborator.ended"),
                    .query("actor", .string, "platform_admin, system, user:<id> or api_key:<id>"),
                    .query("target", .string, "the id of the record acted on"),
                ] + csv,
                answers: [200: "AuditPage"]
            ),

            Operation(
                "GET",
                org + "/events",
                "The org's events after a cursor, oldest first, with an optional long poll (org admins and API keys)",
                tag: "integrations",
                parameters: [
                    .query("after", .string, "an event sequence (`next_cursor`); 0 or absent for the beginning"),
                    .query("limit", .integer, "1 to 1000, 100 by default"),
                    .query("type", .string, "comma-separated event types"), .query("wait", .string, "seconds (up to 60) to wait for a new event"),
                ],
                answers: [200: "EventPage", 429: "Problem"]
            ),
            Operation(
                "POST",
                org + "/webhooks",
                "Register a webhook; the signing secret is shown once",
                tag: "integrations",
                body: "WebhookRequest",
                answers: [201: "Webhook"]
            ),
            Operation("GET", org + "/webhooks", "The org's webhooks with their delivery state", tag: "integrations", answers: [200: "WebhookList"]),
            Operation("GET", org + "/webhooks/{id}", "One webhook with its delivery state", tag: "integrations", answers: [200: "Webhook"]),
            Operation(
                "PATCH",
                org + "/webhooks/{id}",
                "Change a webhook's url, event types or description; null event_types subscribes to all",
                tag: "integrations",
                body: "WebhookPatch",
                answers: [200: "Webhook"]
            ),
            Operation("DELETE", org + "/webhooks/{id}", "Delete a webhook and its history", tag: "integrations", answers: [204: "none"]),
            Operation(
                "POST",
                org + "/webhooks/{id}/ping",
                "Send a signed `webhook.ping` event to this webhook alone; it appears in the delivery history",
                tag: "integrations",
                answers: [202: "WebhookPing"]
            ),
            Operation(
                "POST",
                org + "/webhooks/{id}/rotate-secret",
                "A new signing secret, shown once; the old one keeps signing beside it for `grace_period_hours` (24 by default, at most 168)",
                tag: "integrations",
                body: "SecretRotationRequest",
                optionalBody: true,
                answers: [200: "Webhook"]
            ),
            Operation(
                "POST",
                org + "/webhooks/{id}/pause",
                "Pause a webhook, with an optional reason (≤ 500 characters); events wait for the resume",
                tag: "integrations",
                body: "RevokeRequest",
                optionalBody: true,
                answers: [200: "Webhook"]
            ),
            Operation(
                "POST",
                org + "/webhooks/{id}/resume",
                "Resume a paused webhook from the event it stopped at (org admins only when its creator lost access)",
                tag: "integrations",
                answers: [200: "Webhook"]
            ),
            Operation(
                "GET",
                org + "/webhooks/{id}/deliveries",
                "The webhook's last 100 delivery attempts, newest first",
                tag: "integrations",
                answers: [200: "WebhookDeliveryList"]
            ),
            Operation(
                "GET",
                "/v1/outbox",
                "The email outbox: what waits, attempts and errors (platform admin)",
                tag: "operations",
                answers: [200: "Outbox"]
            ),
            Operation(
                "GET",
                "/v1/cluster",
                "Who leads the cluster, under which epoch, and how far each node has got (platform admin)",
                tag: "operations",
                answers: [200: "Cluster"]
            ),

            Operation("GET", "/v1/me", "The signed-in person and their memberships", tag: "sign-in", answers: [200: "Me"]),
            Operation(
                "GET",
                "/v1/me/caseload",
                "Every tenant the person is actively assigned to, across orgs",
                tag: "sign-in",
                answers: [200: "Caseload"]
            ),
            Operation(
                "GET",
                "/v1/me/sessions",
                "The person's sessions that have not expired, which one is this",
                tag: "sign-in",
                answers: [200: "SignInSessionList"]
            ),
            Operation(
                "POST",
                "/v1/me/sessions/{id}/revoke",
                "End one of the person's own sessions (another device's, say)",
                tag: "sign-in",
                answers: [204: "none", 404: "Problem"]
            ),
            Operation(
                "GET",
                "/v1/users",
                "A person by email, with their memberships and active assignments in every org (platform admin)",
                tag: "organisations",
                parameters: [.query("email", .email, "the person's email", required: true)],
                answers: [200: "Person", 404: "Problem"]
            ),
            Operation(
                "POST",
                "/v1/auth/magic-link",
                "Email a sign-in link; answers the same whether or not the email has an account",
                tag: "sign-in",
                isPublic: true,
                body: "EmailRequest",
                answers: [202: "Status"]
            ),
            Operation(
                "POST",
                "/v1/auth/verify",
                "Use a sign-in or collaborator link; returns a session",
                tag: "sign-in",
                isPublic: true,
                body: "TokenRequest",
                answers: [200: "SignedIn", 410: "Problem"]
            ),
            Operation(
                "POST",
                "/v1/auth/password",
                "Legacy password sign-in",
                tag: "sign-in",
                isPublic: true,
                body: "PasswordRequest",
                answers: [200: "SignedIn", 401: "Problem", 429: "Problem"]
            ),
            Operation(
                "POST",
                "/v1/auth/password/change",
                "Change the password; ends every session of the user",
                tag: "sign-in",
                body: "PasswordChange",
                answers: [200: "Status", 429: "Problem"]
            ),
            Operation("POST", "/v1/auth/logout", "End this session", tag: "sign-in", answers: [204: "none"]),
        ]
    }()

    /// One operation of the document.
    struct Operation: Sendable {
        var method: String
        var path: String
        var summary: String
        var tag: String
        var isPublic: Bool
        var parameters: [Parameter]
        var body: String?
        var optionalBody: Bool
        /// Status → schema name (`none`, `text` and `any` are special).
        var answers: [Int: String]

        init(
            _ method: String,
            _ path: String,
            _ summary: String,
            tag: String,
            isPublic: Bool = false,
            parameters: [Parameter] = [],
            body: String? = nil,
            optionalBody: Bool = false,
            answers: [Int: String]
        ) {
            self.method = method
            self.path = path
            self.summary = summary
            self.tag = tag
            self.isPublic = isPublic
            self.parameters = parameters
            self.body = body
            self.optionalBody = optionalBody
            self.answers = answers
        }

        var methodKey: StaticString {
            switch method {
            case "GET": "get"
            case "POST": "post"
            case "PUT": "put"
            case "PATCH": "patch"
            default: "delete"
            }
        }

        /// A unique id from the method and path: `postV1OrgsByOrgInvitations`.
        var operationID: String {
            func capitalised(_ word: Substring) -> String { word.prefix(1).uppercased() + word.dropFirst() }
            let words = path.split(whereSeparator: { "/-._".contains($0) }).map {
                $0.hasPrefix("{") ? "By" + capitalised($0.dropFirst().dropLast()) : capitalised($0)
            }
            return method.lowercased() + words.joined()
        }

        /// Every status the operation may answer, each with its schema: what `answers` names,
        /// and the refusals every operation of its kind can meet. A test holds every answer the
        /// server gives in the test suites to this list.
        var statuses: [Int: String] {
            var statuses = answers
            let operational = ["/healthz", "/readyz", "/metrics", "/openapi.json"].contains(path)
            // Every route refuses a query parameter it does not take.
            statuses[400] = "Problem"
            if !isPublic {
                statuses[401] = statuses[401] ?? "Problem"
                statuses[403] = statuses[403] ?? "Problem"
            }
            // A body is read by every change (refusing fields it does not take), and query values
            // are checked as well as their names.
            if body != nil || method != "GET" {
                statuses[413] = "Problem"
                statuses[415] = "Problem"
                statuses[422] = "Problem"
            }
            if !parameters.isEmpty { statuses[422] = "Problem" }
            if !pathParameters.isEmpty { statuses[404] = "Problem" }
            // A change can meet a record in the way, or an Idempotency-Key used for another request.
            if method != "GET" { statuses[409] = statuses[409] ?? "Problem" }
            // Before recovery has finished, and when storage fails, every engine call is refused.
            if !operational { statuses[503] = "Problem" }
            return statuses
        }

        /// The `{name}` segments of the path.
        var pathParameters: [String] {
            path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
        }

        func write(to json: inout JSONWriter) {
            json.object { object in
                object.field("summary", summary)
                object.field("operationId", operationID)
                object.array("tags", [tag]) { $0.string($1) }
                if isPublic { object.array("security", [String]()) { $0.string($1) } }
                let all =
                    pathParameters.map { path.hasPrefix("/v1/me/sessions/") ? .sessionID($0) : .path($0) } + parameters
                    + (method == "POST" ? [Parameter.header("Idempotency-Key", "a retry with the same key returns the first answer")] : [])
                if !all.isEmpty { object.array("parameters", all) { $1.write(to: &$0) } }
                if let body {
                    object.object("requestBody") { request in
                        request.field("required", !optionalBody)
                        request.object("content") { content in
                            content.object("application/json") { $0.nested("schema") { Schema.ref(body).write(to: &$0) } }
                        }
                    }
                }
                object.object("responses") { responses in
                    let statuses = self.statuses
                    for status in statuses.keys.sorted() {
                        responses.nested(Self.statusKey(status)) { json in
                            // Every refusal is the one shared response: a Problem.
                            if statuses[status] == "Problem" {
                                json.object { $0.field("$ref", "#/components/responses/Problem") }
                                return
                            }
                            json.object { response in
                                let schema = statuses[status]!
                                response.field(
                                    "description",
                                    schema == "Problem" ? "a refusal, as application/problem+json with a stable code" : "success"
                                )
                                switch schema {
                                case "none": break
                                case "text":
                                    response.object("content") { $0.object("text/plain") { $0.nested("schema") { Schema.string.write(to: &$0) } } }
                                case "any":
                                    response.object("content") {
                                        $0.object("application/json") { $0.object("schema") { $0.field("type", "object") } }
                                    }
                                case "Problem":
                                    response.object("content") {
                                        $0.object("application/problem+json") { $0.nested("schema") { Schema.ref("Problem").write(to: &$0) } }
                                    }
                                default:
                                    response.object("content") {
                                        $0.object("application/json") { $0.nested("schema") { Schema.ref(schema).write(to: &$0) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        private static func statusKey(_ status: Int) -> StaticString {
            switch status {
            case 200: "200"
            case 201: "201"
            case 202: "202"
            case 204: "204"
            case 400: "400"
            case 401: "401"
            case 403: "403"
            case 404: "404"
            case 409: "409"
            case 410: "410"
            case 413: "413"
            case 415: "415"
            case 422: "422"
            case 429: "429"
            case 503: "503"
            default: preconditionFailure("status \(status) has no key")
            }
        }
    }

    /// A parameter of an operation.
    struct Parameter: Sendable {
        var name: String
        var location: String
        var schema: Schema
        var description: String
        var required: Bool

        static func path(_ name: String) -> Parameter {
            Parameter(name: name, location: "path", schema: .uuid, description: "an id", required: true)
        }

        /// A session's id in the path: 16 hex digits, not a UUID.
        static func sessionID(_ name: String) -> Parameter {
            Parameter(name: name, location: "path", schema: .string, description: "a session id from GET /v1/me/sessions", required: true)
        }

        static func query(_ name: String, _ schema: Schema, _ description: String, required: Bool = false) -> Parameter {
            Parameter(name: name, location: "query", schema: schema, description: description, required: required)
        }

        static func header(_ name: String, _ description: String) -> Parameter {
            Parameter(name: name, location: "header", schema: .string, description: description, required: false)
        }

        func write(to json: inout JSONWriter) {
            json.object { object in
                object.field("name", name)
                object.field("in", location)
                object.field("required", required)
                object.field("description", description)
                object.nested("schema") { schema.write(to: &$0) }
            }
        }
    }
}
