import MusterDomain
import MusterJSON

/// A JSON Schema, as much of it as the document needs.
indirect enum Schema: Sendable {
    case string
    case uuid
    case dateTime
    case email
    case integer
    case boolean
    case enumeration([String])
    case array(Schema)
    case nullable(Schema)
    case ref(String)
    /// An object: its properties in order, and which are required.
    case object([(String, Schema)], required: [String])
    /// JSON `null`.
    case null

    /// The spellings of every case of `Value`.
    static func spelled<Value: SpelledCase>(_: Value.Type) -> Schema {
        .enumeration(Value.allCases.map(\.name))
    }

    func write(to json: inout JSONWriter) {
        json.object { write(to: &$0, nullable: false) }
    }

    /// Writes the schema's keywords; `nullable` admits `null` as well, the JSON Schema way:
    /// `"type": [T, "null"]`, which generated clients read as an optional.
    private func write(to object: inout JSONWriter.ObjectWriter, nullable: Bool) {
        func type(_ name: String) {
            if nullable {
                object.array("type", [name, "null"]) { $0.string($1) }
            } else {
                object.field("type", name)
            }
        }
        switch self {
        case .string: type("string")
        case .uuid:
            type("string")
            object.field("format", "uuid")
        case .dateTime:
            type("string")
            object.field("format", "date-time")
        case .email:
            type("string")
            object.field("format", "email")
        case .integer: type("integer")
        case .boolean: type("boolean")
        case .enumeration(let values):
            type("string")
            object.nested("enum") { json in
                json.array(values.map(Optional.some) + (nullable ? [nil] : [])) { json, value in
                    if let value { json.string(value) } else { json.raw("null") }
                }
            }
        case .array(let items):
            type("array")
            object.nested("items") { items.write(to: &$0) }
        case .nullable(let inner):
            inner.write(to: &object, nullable: true)
        case .ref(let name):
            // A nullable reference is written out in place, `null` in its type, which clients
            // read as an optional (a `oneOf` with `null` reads as a one-case choice, and fails).
            if nullable, let target = Schemas.all.first(where: { $0.0 == name })?.1 {
                target.write(to: &object, nullable: true)
            } else {
                object.field("$ref", "#/components/schemas/\(name)")
            }
        case .object(let properties, let required):
            type("object")
            object.object("properties") { fields in
                for (name, schema) in properties {
                    fields.nested(named: name) { schema.write(to: &$0) }
                }
            }
            if !required.isEmpty { object.array("required", required) { $0.string($1) } }
            object.field("additionalProperties", false)
        case .null:
            object.field("type", "null")
        }
    }
}

/// The component schemas: every body the API takes and every record it answers with.
enum Schemas {
    private static func nullable(_ schema: Schema) -> Schema { .nullable(schema) }
    private static let role = Schema.enumeration(["org_admin", "site_admin", "caseworker", "viewer", "hr_admin", "fm_technician"])
    private static let assignableRole = Schema.enumeration(["org_admin", "site_admin", "caseworker", "viewer"])
    private static let permission = Schema.enumeration([
        "users.view", "users.invite", "users.create_direct", "users.revoke", "users.resend", "users.manage_roles", "users.reset_password",
        "collaborators.invite", "collaborators.end", "workspace.professional",
    ])
    private static let mode = Schema.enumeration(["full", "context_only", "reference_only"])
    private static let principal = Schema.string
    private static func page(_ item: String) -> Schema {
        .object([("items", .array(.ref(item))), ("next_cursor", nullable(.string))], required: ["items", "next_cursor"])
    }

    static let all: [(String, Schema)] = [
        (
            "Problem",
            .object(
                [
                    ("type", .string), ("title", .string), ("status", .integer), ("detail", .string), ("code", .string),
                    ("retry_after_seconds", .integer), ("existing_record", .string),
                ],
                required: ["type", "title", "status", "detail", "code"]
            )
        ),
        ("Status", .object([("status", .string), ("detail", .string)], required: ["status"])),
        ("NameRequest", .object([("name", .string)], required: ["name"])),
        (
            "Organisation",
            .object(
                [
                    ("id", .uuid), ("name", .string), ("created_at", .dateTime), ("member_count", .integer), ("tenant_count", .integer),
                    (
                        "settings",
                        .object(
                            [
                                ("invitation_lifetime_days", nullable(.integer)), ("allowed_email_domains", .array(.string)),
                                ("default_locale", nullable(.string)), ("reply_to_email", nullable(.email)),
                                ("allowed_redirect_origins", .array(.string)),
                                ("logo_url", nullable(.string)), ("accent_colour", nullable(.string)),
                            ],
                            required: [
                                "invitation_lifetime_days", "allowed_email_domains", "default_locale", "reply_to_email", "allowed_redirect_origins",
                                "logo_url",
                                "accent_colour",
                            ]
                        )
                    ),
                    (
                        "effective_settings",
                        .object(
                            [
                                ("invitation_lifetime_days", .integer), ("any_email_domain", .boolean), ("default_locale", .string),
                                ("resend_cooldown_seconds", .integer), ("resends_per_day", .integer), ("caseload_cap", .integer),
                            ],
                            required: ["invitation_lifetime_days", "any_email_domain", "default_locale"]
                        )
                    ),
                ],
                required: ["id", "name", "created_at", "settings", "effective_settings"]
            )
        ),
        (
            "OrganisationPatch",
            .object(
                [
                    ("name", .string), ("invitation_lifetime_days", nullable(.integer)), ("allowed_email_domains", nullable(.array(.string))),
                    ("default_locale", nullable(.string)), ("reply_to_email", nullable(.email)),
                    ("allowed_redirect_origins", nullable(.array(.string))),
                    ("logo_url", nullable(.string)), ("accent_colour", nullable(.string)),
                ],
                required: []
            )
        ),
        ("OrganisationPage", page("Organisation")),
        (
            "RoleCatalog",
            .object(
                [
                    (
                        "items",
                        .array(
                            .object(
                                [
                                    ("role", assignableRole), ("description", .string), ("permissions", .array(permission)),
                                    ("writes_workspace", .boolean),
                                ],
                                required: ["role", "description", "permissions", "writes_workspace"]
                            )
                        )
                    )
                ],
                required: ["items"]
            )
        ),
        ("APIKeyList", .object([("items", .array(.ref("APIKey")))], required: ["items"])),
        ("APIKeyRequest", .object([("name", .string), ("role", assignableRole)], required: ["name"])),
        ("APIKey", Wire.apiKey.schema),
        (
            "InvitationRequest",
            .object(
                [
                    ("email", .email), ("role", assignableRole), ("method", .enumeration(["email", "existing_user"])), ("expires_in_days", .integer),
                    ("locale", .string), ("redirect_url", .string),
                ],
                required: ["email", "role"]
            )
        ),
        ("InvitationBatchRequest", .object([("items", .array(.ref("InvitationRequest")))], required: ["items"])),
        ("CollaboratorBatchRequest", .object([("items", .array(.ref("CollaboratorRequest")))], required: ["items"])),
        (
            "BatchResult",
            .object(
                [
                    (
                        "results",
                        .array(
                            .object(
                                [
                                    ("index", .integer), ("status", .integer), ("result", nullable(.object([], required: []))),
                                    (
                                        "error",
                                        nullable(
                                            .object(
                                                [("code", .string), ("detail", .string), ("existing_record", nullable(.string))],
                                                required: ["code", "detail"]
                                            )
                                        )
                                    ),
                                ],
                                required: ["index", "status"]
                            )
                        )
                    ), ("succeeded", .integer), ("failed", .integer),
                ],
                required: ["results", "succeeded", "failed"]
            )
        ),
        ("Invitation", Wire.invitation.schema),
        ("InvitationPage", page("Invitation")),
        ("RevokeRequest", .object([("reason", .string)], required: [])),
        ("TokenRequest", .object([("token", .string)], required: ["token"])),
        (
            "InvitationPreview",
            .object(
                [
                    ("invitation_id", .uuid), ("org_id", .uuid), ("org_name", .string), ("email", .email), ("role", role), ("status", .string),
                    ("expires_at", .dateTime), ("redirect_url", nullable(.string)), ("valid", .boolean), ("reason_code", nullable(.string)),
                    ("reason", nullable(.string)),
                ],
                required: ["invitation_id", "org_id", "org_name", "email", "role", "status", "expires_at", "valid"]
            )
        ),
        ("User", Wire.user.schema),
        (
            "Acceptance",
            .object(
                [
                    ("session_token", .string), ("token_type", .string), ("expires_at", .dateTime), ("user", .ref("User")),
                    ("invitation", .ref("Invitation")),
                    ("redirect_url", nullable(.string)),
                ],
                required: ["session_token", "token_type", "expires_at", "user", "invitation"]
            )
        ),
        (
            "SignedIn",
            .object(
                [
                    ("session_token", .string), ("token_type", .string), ("expires_at", .dateTime), ("method", .string), ("user", .ref("User")),
                    ("activated_assignment", .ref("CaseloadEntry")), ("redirect_url", .string),
                ],
                required: ["session_token", "token_type", "expires_at", "method", "user"]
            )
        ),
        ("DirectUserRequest", .object([("email", .email), ("role", assignableRole), ("full_name", .string)], required: ["email", "role"])),
        (
            "DirectUser",
            .object(
                [("member", .ref("Member")), ("temporary_password", .string), ("must_change_password", .boolean)],
                required: ["member", "temporary_password"]
            )
        ),
        ("Member", Wire.member.schema),
        ("MemberPage", page("Member")),
        ("MemberPatch", .object([("role", assignableRole), ("grant", .array(permission)), ("withdraw", .array(permission))], required: [])),
        (
            "PasswordReset",
            .object(
                [("user_id", .uuid), ("temporary_password", .string), ("must_change_password", .boolean)],
                required: ["user_id", "temporary_password"]
            )
        ),
        ("TenantRequest", .object([("name", .string), ("reference", .string)], required: ["name"])),
        ("Tenant", Wire.tenant.schema),
        ("TenantPage", page("Tenant")),
        (
            "AccessCheckRequest",
            .object(
                [("user_id", .uuid), ("tenant_id", .uuid), ("action", .enumeration(AccessAction.allCases.map(\.name))), ("at_least", .integer)],
                required: ["user_id", "tenant_id", "action"]
            )
        ),
        (
            "AccessCheckBatchRequest",
            .object(
                [
                    (
                        "checks",
                        .array(
                            .object(
                                [("user_id", .uuid), ("tenant_id", .uuid), ("action", .enumeration(AccessAction.allCases.map(\.name)))],
                                required: ["user_id", "tenant_id", "action"]
                            )
                        )
                    ), ("at_least", .integer),
                ],
                required: ["checks"]
            )
        ),
        (
            "AccessDecision",
            .object(
                [
                    ("allowed", .boolean), ("reason", .enumeration(AccessDecision.Reason.allCases.map(\.name))), ("role", nullable(role)),
                    ("mode", nullable(mode)), ("as_of", .integer),
                ],
                required: ["allowed", "reason", "role", "mode"]
            )
        ),
        (
            "AccessCheckBatchResult",
            .object([("as_of", .integer), ("results", .array(.ref("AccessDecision")))], required: ["as_of", "results"])
        ),
        (
            "VisibleTenant",
            .object(
                [("tenant_id", .uuid), ("name", .string), ("reference", nullable(.string)), ("role", nullable(role)), ("mode", nullable(mode))],
                required: ["tenant_id", "name", "reference", "role", "mode"]
            )
        ),
        ("VisibleTenantPage", page("VisibleTenant")),
        (
            "CollaboratorRequest",
            .object(
                [
                    ("mode", mode), ("email", .email), ("full_name", .string), ("contact_name", .string), ("contact_email", .email),
                    ("contact_phone", .string),
                    ("contact_organisation_name", .string), ("contact_role_label", .string), ("override_cap", .boolean), ("redirect_url", .string),
                ],
                required: ["mode"]
            )
        ),
        (
            "ContactPatch",
            .object(
                [
                    ("contact_name", .string), ("contact_email", nullable(.email)), ("contact_phone", nullable(.string)),
                    ("contact_organisation_name", nullable(.string)), ("contact_role_label", nullable(.string)),
                ],
                required: []
            )
        ),
        ("Collaborator", Wire.collaborator.schema),
        ("CollaboratorList", page("Collaborator")),
        ("NoteRequest", .object([("body", .string), ("kind", .enumeration(["shared", "professional"]))], required: ["body"])),
        ("Note", Wire.note.schema),
        ("NoteList", page("Note")),
        ("GoalRequest", .object([("title", .string), ("detail", .string)], required: ["title"])),
        ("Goal", Wire.goal.schema),
        ("GoalList", page("Goal")),
        ("SessionRequest", .object([("summary", .string), ("occurred_at", .dateTime)], required: ["summary"])),
        ("SessionRecord", Wire.session.schema),
        ("SessionList", page("SessionRecord")),
        (
            "DocumentRequest",
            .object(
                [("name", .string), ("content_type", .string), ("size_bytes", .integer), ("checksum", .string)],
                required: ["name", "content_type", "size_bytes", "checksum"]
            )
        ),
        ("Document", Wire.document.schema),
        ("DocumentList", page("Document")),
        ("ContextSummaryRequest", .object([("text", .string)], required: ["text"])),
        (
            "ContextSummary",
            nullable(.object([("text", .string), ("author", principal), ("updated_at", .dateTime)], required: ["text", "author", "updated_at"]))
        ),
        (
            "Workspace",
            .object(
                [
                    ("org_id", .uuid), ("tenant_id", .uuid), ("tenant_name", .string), ("access", .array(.string)), ("notes", .array(.ref("Note"))),
                    ("goals", .array(.ref("Goal"))), ("sessions", .array(.ref("SessionRecord"))), ("documents", .array(.ref("Document"))),
                    ("context_summary", .ref("ContextSummary")),
                ],
                required: ["org_id", "tenant_id", "tenant_name", "access", "notes", "goals", "sessions", "documents", "context_summary"]
            )
        ),
        (
            "Digest",
            .object(
                [
                    ("org_id", .uuid), ("tenant_id", .uuid), ("tenant_name", .string), ("reference", nullable(.string)),
                    (
                        "team",
                        .array(
                            .object(
                                [
                                    ("collaborator_id", .uuid), ("user_id", nullable(.uuid)), ("full_name", nullable(.string)),
                                    ("email", nullable(.email)),
                                    ("mode", mode),
                                    ("since", .dateTime), ("activated_at", nullable(.dateTime)),
                                ],
                                required: ["collaborator_id", "mode", "since"]
                            )
                        )
                    ),
                    ("shared_notes", .array(.ref("Note"))), ("goals", .array(.ref("Goal"))), ("session_count", .integer),
                    ("last_session_at", nullable(.dateTime)),
                    ("document_count", .integer), ("context_summary", .ref("ContextSummary")),
                ],
                required: ["org_id", "tenant_id", "tenant_name", "team", "shared_notes", "goals", "session_count", "document_count"]
            )
        ),
        ("AuditEntry", Wire.auditEntry.schema),
        ("AuditPage", page("AuditEntry")),
        ("Me", .object([("user", .ref("User")), ("memberships", .array(.ref("Membership")))], required: ["user", "memberships"])),
        (
            "Membership",
            .object(
                [("org_id", .uuid), ("org_name", .string), ("role", role), ("permissions", .array(permission))],
                required: ["org_id", "org_name", "role", "permissions"]
            )
        ),
        (
            "CaseloadEntry",
            .object(
                [
                    ("collaborator_id", .uuid), ("org_id", .uuid), ("org_name", .string), ("tenant_id", .uuid), ("tenant_name", .string),
                    ("mode", mode),
                    ("since", .dateTime), ("invited_at", .dateTime),
                ],
                required: ["collaborator_id", "org_id", "org_name", "tenant_id", "tenant_name", "mode", "since"]
            )
        ),
        (
            "SignInSessionList",
            .object(
                [
                    (
                        "items",
                        .array(
                            .object(
                                [("id", .string), ("created_at", .dateTime), ("expires_at", .dateTime), ("method", .string), ("current", .boolean)],
                                required: ["id", "created_at", "expires_at", "method", "current"]
                            )
                        )
                    )
                ],
                required: ["items"]
            )
        ),
        (
            "Person",
            .object(
                [("user", .ref("User")), ("memberships", .array(.ref("Membership"))), ("assignments", .array(.ref("CaseloadEntry")))],
                required: ["user", "memberships", "assignments"]
            )
        ),
        ("Caseload", .object([("items", .array(.ref("CaseloadEntry"))), ("count", .integer)], required: ["items", "count"])),
        (
            "Event",
            .object(
                [
                    ("id", .string), ("sequence", .integer), ("type", .string), ("org_id", .uuid), ("at", .dateTime), ("actor", principal),
                    (
                        "data",
                        .object(
                            [
                                ("invitation_id", .uuid), ("user_id", .uuid), ("email", .email), ("role", role), ("previous_role", role),
                                ("method", .enumeration(["email", "existing_user", "invitation", "temporary_password"])), ("reason", .string),
                                ("api_key_id", .uuid), ("name", .string), ("tenant_id", .uuid), ("collaborator_id", .uuid), ("mode", mode),
                                ("cap_overridden", .boolean), ("item_id", .uuid), ("webhook_id", .uuid), ("url", .string),
                            ],
                            required: []
                        )
                    ),
                ],
                required: ["id", "sequence", "type", "org_id", "at", "actor", "data"]
            )
        ),
        (
            "EventPage",
            .object(
                [("items", .array(.ref("Event"))), ("next_cursor", .string), ("has_more", .boolean)],
                required: ["items", "next_cursor", "has_more"]
            )
        ),
        (
            "WebhookRequest",
            .object([("url", .string), ("event_types", .array(.string)), ("description", .string), ("after", .integer)], required: ["url"])
        ),
        (
            "WebhookPatch",
            .object([("url", .string), ("event_types", nullable(.array(.string))), ("description", nullable(.string))], required: [])
        ),
        ("SecretRotationRequest", .object([("grace_period_hours", .integer)], required: [])),
        (
            "WebhookPing",
            .object([("webhook_id", .uuid), ("event_id", .string), ("sequence", .integer)], required: ["webhook_id", "event_id", "sequence"])
        ),
        (
            "Webhook",
            .object(
                [
                    ("id", .uuid), ("org_id", .uuid), ("url", .string), ("event_types", nullable(.array(.string))),
                    ("description", nullable(.string)),
                    ("secret", .string), ("status", .enumeration(["active", "paused"])),
                    ("paused_cause", nullable(.enumeration(["delivery_failing", "requested", "creator_lost_access"]))),
                    ("paused_reason", nullable(.string)),
                    ("cursor", .string),
                    ("lag_events", .integer), ("attempts", .integer), ("next_attempt_at", nullable(.dateTime)), ("last_error", nullable(.string)),
                    ("last_delivered_at", nullable(.dateTime)), ("delivered_count", .integer), ("failed_attempt_count", .integer),
                    ("previous_secret_until", nullable(.dateTime)), ("owner", principal), ("created_at", .dateTime), ("created_by", principal),
                ],
                required: ["id", "org_id", "url", "status", "cursor", "lag_events", "attempts", "created_at"]
            )
        ),
        ("WebhookList", page("Webhook")),
        (
            "WebhookDelivery",
            .object(
                [
                    ("event_id", .string), ("sequence", .integer), ("event_type", .string), ("status", .enumeration(["delivered", "failed"])),
                    ("attempt", .integer),
                    ("at", .dateTime), ("response_status", nullable(.integer)), ("error", nullable(.string)), ("duration_ms", .integer),
                ],
                required: ["event_id", "sequence", "event_type", "status", "attempt", "at"]
            )
        ),
        ("WebhookDeliveryList", page("WebhookDelivery")),
        (
            "Outbox",
            .object(
                [
                    ("cursor", .string), ("lag_records", .integer),
                    ("pending", .integer), ("pending_urgent", .integer), ("pending_bulk", .integer), ("oldest_pending_at", nullable(.dateTime)),
                    ("delivered", .integer), ("failed_attempts", .integer), ("abandoned", .integer),
                    (
                        "items",
                        .array(
                            .object(
                                [
                                    ("id", .string), ("kind", .string), ("to", .email), ("queued_at", .dateTime), ("attempts", .integer),
                                    ("next_attempt_at", nullable(.dateTime)), ("last_error", nullable(.string)),
                                ],
                                required: ["id", "kind", "to", "attempts"]
                            )
                        )
                    ),
                    (
                        "recently_abandoned",
                        .array(
                            .object(
                                [("id", .string), ("kind", .string), ("to", .email), ("attempts", .integer), ("error", .string), ("at", .dateTime)],
                                required: ["id", "error"]
                            )
                        )
                    ),
                ],
                required: ["pending", "delivered", "failed_attempts", "abandoned", "items", "recently_abandoned"]
            )
        ),
        (
            "Cluster",
            .object(
                [
                    ("leader", nullable(.string)), ("epoch", .integer),
                    (
                        "nodes",
                        .array(
                            .object(
                                [
                                    ("name", .string), ("url", .string), ("role", .string), ("applied_position", .string), ("lag_records", .integer),
                                    ("last_seen", .dateTime),
                                ],
                                required: ["name", "url", "role", "applied_position", "lag_records", "last_seen"]
                            )
                        )
                    ),
                ],
                required: ["leader", "epoch", "nodes"]
            )
        ),
        ("EmailRequest", .object([("email", .email)], required: ["email"])),
        ("PasswordRequest", .object([("email", .email), ("password", .string)], required: ["email", "password"])),
        ("PasswordChange", .object([("current_password", .string), ("new_password", .string)], required: ["current_password", "new_password"])),
    ]
}
