import HTTPTypes
import Hummingbird
import MusterCluster
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterJSON

extension APIRoutes {
    /// `/healthz`, `/readyz`, `/metrics` and `/openapi.json`: public, never authenticated.
    func registerOperations(on router: Router<MusterRequestContext>) {
        get(router, "/healthz") { _, _ in
            .json { $0.object { $0.field("status", "ok") } }
        }
        get(router, "/readyz") { _, _ in
            guard slot.isReady else {
                throw Problem(.serviceUnavailable, code: "not_ready", "recovery has not finished")
            }
            return .json { $0.object { $0.field("status", "ready") } }
        }
        get(router, "/metrics") { _, _ in
            APIResponse(contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.exposition())
        }
        get(router, "/openapi.json") { _, _ in
            APIResponse(body: OpenAPIDocument.bytes)
        }
        // Who leads and how far each node has got; on one machine, this node alone.
        get(router, "/v1/cluster") { _, context in
            guard try context.requirePrincipal() == .platformAdmin else {
                throw Problem(DomainError.forbidden("only the platform admin may read the cluster's state"))
            }
            let view: ClusterView
            if let cluster {
                view = try await cluster.node.clusterView()
            } else {
                let applied = (try? engine)?.durableRecords?.durablePosition ?? 0
                view = ClusterView(
                    leader: ClusterSettings.hostName,
                    epoch: 0,
                    nodes: [
                        .init(
                            name: ClusterSettings.hostName,
                            url: configuration.linkBase,
                            role: "leader",
                            appliedPosition: applied,
                            lagRecords: 0,
                            lastSeen: clock.now().iso8601
                        )
                    ]
                )
            }
            return .json { json in
                json.object { object in
                    object.field("leader", view.leader)
                    object.field("epoch", Int(view.epoch))
                    object.array("nodes", view.nodes) { json, node in
                        json.object { row in
                            row.field("name", node.name)
                            row.field("url", node.url)
                            row.field("role", node.role)
                            row.field("applied_position", String(node.appliedPosition))
                            row.field("lag_records", node.lagRecords)
                            row.field("last_seen", node.lastSeen)
                        }
                    }
                }
            }
        }
        // The email outbox's state, for operators: what waits, how often it failed and why.
        get(router, "/v1/outbox") { _, context in
            guard try context.requirePrincipal() == .platformAdmin else {
                throw Problem(DomainError.forbidden("only the platform admin may read the email outbox"))
            }
            let counts = await outbox.currentCounts()
            let pending = await outbox.pendingItems()
            let abandoned = await outbox.recentlyAbandoned()
            let cursor = await outbox.cursor
            let lanes = await outbox.pendingByLane()
            let oldest = await outbox.oldestPendingQueuedAt()
            let durable = (try? engine)?.durableRecords?.durablePosition ?? cursor
            return .json { json in
                json.object { object in
                    object.field("cursor", String(cursor))
                    object.field("lag_records", durable > cursor ? durable - cursor : 0)
                    object.field("pending", counts.pending)
                    object.field("pending_urgent", lanes.urgent)
                    object.field("pending_bulk", lanes.bulk)
                    object.field("oldest_pending_at", oldest.map(Timestamp.init(millisecondsSinceEpoch:)))
                    object.field("delivered", counts.delivered)
                    object.field("failed_attempts", counts.failedAttempts)
                    object.field("abandoned", counts.abandoned)
                    object.array("items", pending.prefix(1000)) { json, item in
                        json.object { row in
                            row.field("id", item.message.id)
                            row.field("kind", item.message.kind)
                            row.field("to", item.message.to)
                            row.field("queued_at", Timestamp(millisecondsSinceEpoch: item.message.queuedAt))
                            row.field("attempts", item.attempts)
                            row.field("next_attempt_at", item.attempts > 0 ? item.nextAttemptAt : nil)
                            row.field("last_error", item.lastError)
                        }
                    }
                    object.array("recently_abandoned", abandoned.reversed()) { json, item in
                        json.object { row in
                            row.field("id", item.message.id)
                            row.field("kind", item.message.kind)
                            row.field("to", item.message.to)
                            row.field("attempts", item.attempts)
                            row.field("error", item.error)
                            row.field("at", item.at)
                        }
                    }
                }
            }
        }
    }

    /// `POST /v1/orgs`, `GET /v1/orgs` (platform admin), `GET /v1/orgs/{org}` and the role
    /// catalog, `GET /v1/roles`.
    func registerOrganisations(on router: Router<MusterRequestContext>, org: RouterGroup<OrgRequestContext>) {
        post(router, "/v1/orgs", command: "create_organisation") { request, context in
            let principal = try context.requirePrincipal()
            var fields = try await request.fields(context: context)
            let name = try fields.string("name", maxLength: 200)
            try fields.finish()
            let engine = try engine
            let orgID = try await engine.createOrganisation(name: name, by: principal, context: context.command)
            let summary = try await engine.organisation(orgID, by: principal)
            return APIResponse.json(.created) { $0.organisation(summary, policy: policy) }.located("/v1/orgs/\(orgID)")
        }
        get(router, "/v1/orgs") { request, context in
            let principal = try context.requirePrincipal()
            let (cursor, limit) = try request.pageQuery()
            let page = try await engine.organisations(matching: request.query("q"), after: cursor, limit: limit, by: principal)
            return APIResponse.page(page) { $0.organisation($1, policy: policy) }
        }
        get(router, "/v1/roles") { _, context in
            _ = try context.requirePrincipal()
            return .json { json in
                json.object { object in
                    object.array("items", Role.assignable) { json, role in
                        json.object { entry in
                            entry.field("role", role.name)
                            entry.field("description", role.summary)
                            entry.array("permissions", role.permissions.permissions) { $0.string($1.name) }
                            entry.field("writes_workspace", role.writesWorkspace)
                        }
                    }
                }
            }
        }
        get(org, "") { request, context in
            let principal = context.principal
            let orgID = context.org
            let summary = try await engine.organisation(orgID, by: principal)
            return .json { $0.organisation(summary, policy: policy) }
        }
        patch(org, "", command: "update_organisation") { request, context in
            var fields = try await request.fields(context: context)
            var update = OrgCommand.OrganisationUpdate()
            if fields.contains("name") {
                // A name is changed, never reset: there is no default to go back to.
                update.name = try fields.string("name", maxLength: 200)
            }
            update.invitationLifetimeDays = try fields.setting("invitation_lifetime_days") { fields, key throws(Problem) in
                try fields.optionalInteger(key).map { Int(clamping: $0) }
            }
            update.allowedEmailDomains = try fields.setting("allowed_email_domains") { fields, key throws(Problem) in try fields.optionalStrings(key)
            }
            update.defaultLocale = try fields.setting("default_locale") { fields, key throws(Problem) in try fields.optionalLocale(key) }
            update.replyTo = try fields.setting("reply_to_email") { fields, key throws(Problem) in try fields.optionalEmail(key) }
            update.allowedRedirectOrigins = try fields.setting("allowed_redirect_origins") { fields, key throws(Problem) in
                try fields.optionalStrings(key)
            }
            update.logoURL = try fields.setting("logo_url") { fields, key throws(Problem) in
                try fields.optionalString(key, maxLength: RedirectURL.maximumLength)
            }
            update.accentColour = try fields.setting("accent_colour") { fields, key throws(Problem) in try fields.optionalString(key, maxLength: 16) }
            try fields.finish()
            let summary = try await engine.updateOrganisation(context.org, update, by: context.principal, context: context.command)
            return .json { $0.organisation(summary, policy: policy) }
        }
    }

    /// The deployment's rules, which an org's settings override.
    var policy: Policy { configuration.policy }
}

extension APIResponse {
    /// The same answer with a `Location` header naming the created resource.
    func located(_ path: String) -> APIResponse {
        var copy = self
        copy.extraHeaders.append(("Location", path))
        return copy
    }
}

extension JSONWriter {
    /// An org with its own settings (`null` where the deployment decides) and the values in
    /// force, the deployment's limits included.
    mutating func organisation(_ summary: OrganisationSummary, policy: Policy) {
        let settings = summary.settings
        object { object in
            object.field("id", summary.id)
            object.field("name", summary.name)
            object.field("created_at", summary.createdAt)
            object.field("member_count", summary.memberCount)
            object.field("tenant_count", summary.tenantCount)
            object.object("settings") { object in
                object.field("invitation_lifetime_days", settings.invitationLifetimeDays)
                object.array("allowed_email_domains", settings.allowedEmailDomains) { $0.string($1) }
                object.field("default_locale", settings.defaultLocale?.value)
                object.field("reply_to_email", settings.replyTo?.value)
                object.array("allowed_redirect_origins", settings.allowedRedirectOrigins) { $0.string($1) }
                object.field("logo_url", settings.logoURL)
                object.field("accent_colour", settings.accentColour)
            }
            object.object("effective_settings") { object in
                object.field("invitation_lifetime_days", settings.invitationLifetimeDays ?? Int(policy.invitationLifetime.milliseconds / 86_400_000))
                object.field("any_email_domain", settings.allowedEmailDomains.isEmpty)
                object.field("default_locale", (settings.defaultLocale ?? policy.defaultLocale).value)
                object.field("resend_cooldown_seconds", policy.resendCooldown.wholeSecondsRoundedUp)
                object.field("resends_per_day", policy.resendsPerWindow)
                object.field("caseload_cap", policy.caseloadCap)
            }
        }
    }
}
