import Foundation
import Hummingbird
import MusterDomain
import MusterEngine
import MusterSecurity

extension APIRoutes {
    /// `…/webhooks`: register, list, inspect, resume and delete an org's webhook subscriptions,
    /// and read each one's delivery history. Org admins, API keys and the platform admin only.
    func registerWebhooks(on router: Router<MusterRequestContext>) {
        let base = "/v1/orgs/{org}/webhooks"

        post(router, base, command: "create_webhook") { request, context in
            let principal = try context.requirePrincipal()
            let orgID: OrganisationID = try request.pathID("org", context: context)
            var fields = try await request.fields(context: context)
            let url = try webhookURL(try fields.string("url", maxLength: 2048))
            let eventTypes = try fields.optionalStrings("event_types").map { names throws(Problem) -> [String] in
                guard !names.isEmpty else { throw Problem(.unprocessableContent, code: "validation_failed", "field `event_types` must name at least one type, or be left out for all") }
                return try FeedQuery.kinds(names, parameter: "event_types").map(\.name).sorted()
            }
            let description = try fields.optionalString("description", maxLength: 200)
            let after = try fields.optionalInteger("after")
            try fields.finish()

            let version = try await engine.integrationVersion(org: orgID, toDo: "register webhooks", by: principal)
            if let after, !(0...Int64(version)).contains(after) {
                throw Problem(.unprocessableContent, code: "validation_failed", "field `after` must be an event sequence from 0 to \(version)")
            }
            let subscription = WebhookSubscription(
                id: Identifier<WebhookSubscription>.random().description, orgID: orgID.description, url: url, eventTypes: eventTypes,
                description: description, secret: RandomSecret.token(prefix: "whsec_"), createdAt: now.millisecondsSinceEpoch,
                createdBy: principal.description, status: .active, pausedReason: nil, cursor: after.map(UInt64.init) ?? version,
                attempts: 0, nextAttemptAt: 0, lastError: nil, lastDeliveredAt: nil, deliveredCount: 0, failedAttemptCount: 0
            )
            try await webhooks.register(subscription)
            return APIResponse.json(.created) { $0.webhook(subscription, orgVersion: version, includingSecret: true) }.showingSecret(of: subscription.id)
        }

        get(router, base) { request, context in
            let (orgID, version) = try await webhookAccess(request, context)
            let subscriptions = await webhooks.subscriptions(org: orgID.description)
            return .json { json in
                json.object { object in
                    object.array("items", subscriptions) { $0.webhook($1, orgVersion: version, includingSecret: false) }
                    object.field("next_cursor", String?.none)
                }
            }
        }

        get(router, base + "/{id}") { request, context in
            let (orgID, version) = try await webhookAccess(request, context)
            let subscription = try await webhook(request, context, orgID: orgID)
            return .json { $0.webhook(subscription, orgVersion: version, includingSecret: false) }
        }

        get(router, base + "/{id}/deliveries") { request, context in
            let (orgID, _) = try await webhookAccess(request, context)
            let subscription = try await webhook(request, context, orgID: orgID)
            let deliveries = await webhooks.deliveries(subscription.id)
            return .json { json in
                json.object { object in
                    object.array("items", deliveries) { $0.webhookDelivery($1) }
                    object.field("next_cursor", String?.none)
                }
            }
        }

        post(router, base + "/{id}/resume", command: "resume_webhook") { request, context in
            let (orgID, version) = try await webhookAccess(request, context)
            let subscription = try await webhook(request, context, orgID: orgID)
            guard let resumed = try await webhooks.resume(subscription.id, org: orgID.description) else { throw Self.unknownWebhook(subscription.id) }
            return .json { $0.webhook(resumed, orgVersion: version, includingSecret: false) }
        }

        delete(router, base + "/{id}", command: "delete_webhook") { request, context in
            let (orgID, _) = try await webhookAccess(request, context)
            let id = try context.parameters.require("id")
            guard try await webhooks.delete(id, org: orgID.description) else { throw Self.unknownWebhook(id) }
            return .noContent
        }
    }

    private func webhookAccess(_ request: Request, _ context: MusterRequestContext) async throws -> (OrganisationID, UInt64) {
        let principal = try context.requirePrincipal()
        let orgID: OrganisationID = try request.pathID("org", context: context)
        return (orgID, try await engine.integrationVersion(org: orgID, toDo: "manage webhooks", by: principal))
    }

    private func webhook(_ request: Request, _ context: MusterRequestContext, orgID: OrganisationID) async throws -> WebhookSubscription {
        let id = try context.parameters.require("id")
        guard let subscription = await webhooks.subscription(id, org: orgID.description) else { throw Self.unknownWebhook(id) }
        return subscription
    }

    private static func unknownWebhook(_ id: String) -> Problem {
        Problem(DomainError.notFound("webhook \(id) does not exist in this organisation"))
    }

    /// An absolute `http` or `https` URL with a host, without credentials or a fragment.
    /// An absolute http or https URL whose host Muster may deliver to.
    func webhookURL(_ text: String) throws(Problem) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil, components.fragment == nil
        else {
            throw Problem(.unprocessableContent, code: "validation_failed", "field `url` must be an absolute http or https URL with a host, without credentials or a fragment; got \"\(text)\"")
        }
        do {
            try configuration.webhookDestinations.checkRegistration(host: host)
        } catch {
            throw Problem(
                .unprocessableContent, code: "webhook_url_not_allowed",
                "field `url`: \(error); webhooks go to public internet addresses only (the deployment may allow private networks)"
            )
        }
        return text
    }
}

extension JSONWriter {
    /// A subscription with its delivery state; the secret only in the answer that created it.
    mutating func webhook(_ subscription: WebhookSubscription, orgVersion: UInt64, includingSecret: Bool) {
        object { object in
            object.field("id", subscription.id)
            object.field("org_id", subscription.orgID)
            object.field("url", subscription.url)
            object.nested("event_types") { json in
                if let types = subscription.eventTypes { json.array(types) { $0.string($1) } } else { json.raw("null") }
            }
            object.field("description", subscription.description)
            if includingSecret { object.field("secret", subscription.secret) }
            object.field("status", subscription.status.rawValue)
            object.field("paused_reason", subscription.pausedReason)
            object.field("cursor", String(subscription.cursor))
            object.field("lag_events", orgVersion > subscription.cursor ? orgVersion - subscription.cursor : 0)
            object.field("attempts", subscription.attempts)
            object.field("next_attempt_at", subscription.nextAttemptAt > 0 ? Timestamp(millisecondsSinceEpoch: subscription.nextAttemptAt) : nil)
            object.field("last_error", subscription.lastError)
            object.field("last_delivered_at", subscription.lastDeliveredAt.map { Timestamp(millisecondsSinceEpoch: $0) })
            object.field("delivered_count", subscription.deliveredCount)
            object.field("failed_attempt_count", subscription.failedAttemptCount)
            object.field("created_at", Timestamp(millisecondsSinceEpoch: subscription.createdAt))
            object.field("created_by", subscription.createdBy)
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
