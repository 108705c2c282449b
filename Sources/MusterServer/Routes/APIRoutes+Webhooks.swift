import Foundation
import Hummingbird
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterJSON
import MusterSecurity

extension APIRoutes {
    /// `…/webhooks`: register, list, inspect, resume and delete an org's webhook subscriptions,
    /// and read each one's delivery history. Org admins, API keys and the platform admin only.
    func registerWebhooks(on org: RouterGroup<OrgRequestContext>) {
        let subscriptions = org.group("webhooks")

        post(subscriptions, "", command: "create_webhook") { request, context in
            let principal = context.principal
            let orgID = context.org
            var fields = try await request.fields(context: context)
            let url = try webhookURL(try fields.string("url", maxLength: 2048))
            let eventTypes = try fields.optionalStrings("event_types").map(Self.eventTypes)
            let description = try fields.optionalString("description", maxLength: 200)
            let after = try fields.optionalInteger("after")
            try fields.finish()
            if let after, after < 0 {
                throw Problem(.unprocessableContent, code: "validation_failed", "field `after` must be an event sequence from 0")
            }

            let (view, secret) = try await engine.createWebhook(
                org: orgID,
                url: url,
                eventTypes: eventTypes,
                description: description,
                after: after.map(UInt64.init),
                by: principal,
                context: context.command
            )
            let progress = await webhooks.progress(of: view.webhook, orgID: orgID)
            return APIResponse.json(.created) { $0.webhook(view, orgID: orgID, progress: progress, secret: secret) }.showingSecret(
                of: view.webhook.id.description
            )
        }

        get(subscriptions, "") { request, context in
            let principal = context.principal
            let orgID = context.org
            let views = try await engine.webhooks(org: orgID, by: principal)
            var progress = [WebhookProgress]()
            for view in views { progress.append(await webhooks.progress(of: view.webhook, orgID: orgID)) }
            return .json { json in
                json.object { object in
                    object.array("items", Array(zip(views, progress))) { $0.webhook($1.0, orgID: orgID, progress: $1.1, secret: nil) }
                    object.field("next_cursor", String?.none)
                }
            }
        }

        get(subscriptions, "{id}") { request, context in
            let (orgID, view) = try await webhook(context)
            let progress = await webhooks.progress(of: view.webhook, orgID: orgID)
            return .json { $0.webhook(view, orgID: orgID, progress: progress, secret: nil) }
        }

        get(subscriptions, "{id}/deliveries") { request, context in
            let (_, view) = try await webhook(context)
            let deliveries = await webhooks.deliveries(view.webhook.id.description)
            return .json { json in
                json.object { object in
                    object.array("items", deliveries) { $0.webhookDelivery($1) }
                    object.field("next_cursor", String?.none)
                }
            }
        }

        post(subscriptions, "{id}/pause", command: "pause_webhook") { request, context in
            let principal = context.principal
            let orgID = context.org
            let id: WebhookID = try context.pathID("id")
            var reason = "paused on request"
            if var fields = try await request.optionalFields(context: context) {
                reason = try fields.optionalString("reason", maxLength: 500) ?? reason
                try fields.finish()
            }
            let view = try await engine.pauseWebhook(id, org: orgID, cause: .requested, reason: reason, by: principal, context: context.command)
            let progress = await webhooks.progress(of: view.webhook, orgID: orgID)
            return .json { $0.webhook(view, orgID: orgID, progress: progress, secret: nil) }
        }

        post(subscriptions, "{id}/resume", command: "resume_webhook") { request, context in
            let principal = context.principal
            let orgID = context.org
            let id: WebhookID = try context.pathID("id")
            let view = try await engine.resumeWebhook(id, org: orgID, by: principal, context: context.command)
            let progress = await webhooks.progress(of: view.webhook, orgID: orgID)
            return .json { $0.webhook(view, orgID: orgID, progress: progress, secret: nil) }
        }

        patch(subscriptions, "{id}", command: "update_webhook") { request, context in
            let id: WebhookID = try context.pathID("id")
            var fields = try await request.fields(context: context)
            var update = OrgCommand.WebhookUpdate()
            if fields.contains("url") { update.url = try webhookURL(try fields.string("url", maxLength: 2048)) }
            update.eventTypes = try fields.setting("event_types") { fields, key throws(Problem) in
                try fields.optionalStrings(key).map(Self.eventTypes)
            }
            update.description = try fields.setting("description") { fields, key throws(Problem) in try fields.optionalString(key, maxLength: 200) }
            try fields.finish()
            let view = try await engine.updateWebhook(id, org: context.org, update, by: context.principal, context: context.command)
            let progress = await webhooks.progress(of: view.webhook, orgID: context.org)
            return .json { $0.webhook(view, orgID: context.org, progress: progress, secret: nil) }
        }

        post(subscriptions, "{id}/ping", command: "ping_webhook") { request, context in
            let id: WebhookID = try context.pathID("id")
            try await request.optionalFields(context: context)?.finish()
            let (view, sequence) = try await engine.pingWebhook(id, org: context.org, by: context.principal, context: context.command)
            return APIResponse.json(.accepted) { json in
                json.object { object in
                    object.field("webhook_id", view.webhook.id)
                    object.field("event_id", FeedEvent.id(orgID: context.org, sequence: sequence))
                    object.field("sequence", sequence)
                }
            }
        }

        post(subscriptions, "{id}/rotate-secret", command: "rotate_webhook_secret") { request, context in
            let id: WebhookID = try context.pathID("id")
            var hours = Webhook.defaultGracePeriod.milliseconds / 3_600_000
            if var fields = try await request.optionalFields(context: context) {
                hours = try fields.optionalInteger("grace_period_hours") ?? hours
                try fields.finish()
            }
            let maximum = Webhook.maximumGracePeriod.milliseconds / 3_600_000
            guard (0...maximum).contains(hours) else {
                throw Problem(.unprocessableContent, code: "validation_failed", "field `grace_period_hours` must be 0 to \(maximum)")
            }
            let (view, secret) = try await engine.rotateWebhookSecret(
                id,
                org: context.org,
                gracePeriod: .hours(hours),
                by: context.principal,
                context: context.command
            )
            let progress = await webhooks.progress(of: view.webhook, orgID: context.org)
            return APIResponse.json { $0.webhook(view, orgID: context.org, progress: progress, secret: secret) }.showingSecret(
                of: view.webhook.id.description
            )
        }

        delete(subscriptions, "{id}", command: "delete_webhook") { request, context in
            let principal = context.principal
            let orgID = context.org
            let id: WebhookID = try context.pathID("id")
            try await engine.deleteWebhook(id, org: orgID, by: principal, context: context.command)
            return .noContent
        }
    }

    /// The event types a subscription names: at least one, each a known type.
    private static func eventTypes(_ names: [String]) throws(Problem) -> [OrgEvent.Kind] {
        guard !names.isEmpty else {
            throw Problem(.unprocessableContent, code: "validation_failed", "field `event_types` must name at least one type, or be left out for all")
        }
        do {
            return Array(try FeedQuery.kinds(names, parameter: "event_types"))
        } catch {
            // The feed's query says 400 for a bad type; in a body it is a field's value.
            var problem = error
            problem.status = .unprocessableContent
            throw problem
        }
    }

    private func webhook(_ context: OrgRequestContext) async throws -> (OrganisationID, MusterEngine.WebhookView) {
        let id: WebhookID = try context.pathID("id")
        return (context.org, try await engine.webhook(id, org: context.org, by: context.principal))
    }

    /// An absolute http or https URL whose host Muster may deliver to.
    func webhookURL(_ text: String) throws(Problem) -> String {
        do {
            return try configuration.webhookDestinations.checkedURL(text)
        } catch {
            switch error {
            case .malformed:
                throw Problem(
                    .unprocessableContent,
                    code: "validation_failed",
                    "field `url` must be an absolute http or https URL with a host, without credentials or a fragment; got \"\(text)\""
                )
            case .notAllowed(let reason):
                throw Problem(
                    .unprocessableContent,
                    code: "webhook_url_not_allowed",
                    "field `url`: \(reason); webhooks go to public internet addresses only (the deployment may allow private networks)"
                )
            }
        }
    }
}

extension JSONWriter {
    /// A subscription with its delivery state; the secret only in the answer that created it.
    mutating func webhook(_ view: MusterEngine.WebhookView, orgID: OrganisationID, progress: WebhookProgress, secret: String?) {
        let webhook = view.webhook
        object { object in
            object.field("id", webhook.id)
            object.field("org_id", orgID)
            object.field("url", webhook.url)
            object.nested("event_types") { json in
                if let types = webhook.eventTypes { json.array(types) { $0.string($1.name) } } else { json.raw("null") }
            }
            object.field("description", webhook.description)
            if let secret { object.field("secret", secret) }
            switch webhook.status {
            case .active:
                object.field("status", "active")
                object.field("paused_cause", String?.none)
                object.field("paused_reason", String?.none)
            case .paused(let cause, let reason):
                object.field("status", "paused")
                object.field("paused_cause", cause.name)
                object.field("paused_reason", reason)
            }
            object.field("cursor", String(progress.cursor))
            object.field("lag_events", view.orgVersion > progress.cursor ? view.orgVersion - progress.cursor : 0)
            object.field("attempts", progress.attempts)
            object.field("next_attempt_at", progress.nextAttemptAt > 0 ? Timestamp(millisecondsSinceEpoch: progress.nextAttemptAt) : nil)
            object.field("last_error", progress.lastError)
            object.field("last_delivered_at", progress.lastDeliveredAt.map { Timestamp(millisecondsSinceEpoch: $0) })
            object.field("delivered_count", progress.deliveredCount)
            object.field("failed_attempt_count", progress.failedAttemptCount)
            object.field("previous_secret_until", webhook.previousSecrets.map(\.until).max())
            object.field("owner", webhook.owner)
            object.field("created_at", webhook.createdAt)
            object.field("created_by", webhook.createdBy)
        }
    }

    /// One attempt of a subscription's history.
    mutating func webhookDelivery(_ delivery: WebhookDelivery) {
        object { object in
            object.field("event_id", delivery.eventID)
            object.field("sequence", delivery.sequence)
            object.field("event_type", delivery.eventType)
            object.field("status", delivery.outcome.rawValue)
            object.field("attempt", delivery.attempt)
            object.field("at", Timestamp(millisecondsSinceEpoch: delivery.at))
            object.field("response_status", delivery.responseStatus)
            object.field("error", delivery.error)
            object.field("duration_ms", delivery.durationMilliseconds)
        }
    }
}
