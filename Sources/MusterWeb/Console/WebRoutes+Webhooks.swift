import Hummingbird
import MusterDelivery
import MusterDomain
import MusterEngine
import MusterWords

extension WebRoutes {
    /// Webhooks in full: add one (its signing secret shown once), edit its endpoint, types and
    /// description, pause and resume, send a test event, rotate the secret with a grace period,
    /// delete, and each one's delivery history with times and the receiver's answers.
    func registerWebhooks<Context: RequestContext>(on router: Router<Context>) {
        page(router, "/console/orgs/{org}/webhooks") { request, context, session in
            try await webhooksPage(try Self.orgID(context), session, notice: Self.webhookNotice(request.queryFields["done"], session.words))
        }

        let back: @Sendable (Request, Context, ConsoleSession, FormFields, String, HTTPResponse.Status) async throws -> Response = {
            _,
            context,
            session,
            typed,
            message,
            status in
            return try await webhooksPage(try Self.orgID(context), session, error: message, status: status, typed: typed)
        }

        action(
            router,
            "/console/orgs/{org}/webhooks",
            { _, context, session, form in
                let orgID = try Self.orgID(context)
                let (view, secret) = try await engine.createWebhook(
                    org: orgID,
                    url: try checkedURL(form["url"]),
                    eventTypes: try Self.eventTypes(form),
                    description: Self.nonEmpty(form["description"]),
                    after: nil,
                    by: session.principal
                )
                return try await webhooksPage(orgID, session, notice: session.words("webhooks.notice.added"), secret: (view.webhook.url, secret))
            },
            onError: back
        )

        // The actions on one webhook: each one engine call, then back to the list.
        let actions: [(path: String, run: @Sendable (WebRoutes, OrganisationID, WebhookID, FormFields, Principal) async throws -> String?)] = [
            (
                "pause",
                { routes, org, id, form, by in
                    let reason = Self.nonEmpty(form["reason"]) ?? "paused from the console"
                    _ = try await routes.engine.pauseWebhook(id, org: org, cause: .requested, reason: reason, by: by)
                    return nil
                }
            ),
            (
                "resume",
                { routes, org, id, _, by in
                    _ = try await routes.engine.resumeWebhook(id, org: org, by: by)
                    return nil
                }
            ),
            (
                "ping",
                { routes, org, id, _, by in
                    _ = try await routes.engine.pingWebhook(id, org: org, by: by)
                    return nil
                }
            ),
            (
                "delete",
                { routes, org, id, _, by in
                    try await routes.engine.deleteWebhook(id, org: org, by: by)
                    return nil
                }
            ),
            (
                "edit",
                { routes, org, id, form, by in
                    let update = OrgCommand.WebhookUpdate(
                        url: try routes.checkedURL(form["url"]),
                        eventTypes: try Self.eventTypes(form).map { .set($0) } ?? .reset,
                        description: Self.nonEmpty(form["description"]).map { .set($0) } ?? .reset
                    )
                    _ = try await routes.engine.updateWebhook(id, org: org, update, by: by)
                    return nil
                }
            ),
            (
                "rotate",
                { routes, org, id, form, by in
                    guard let hours = form["grace_hours"].flatMap({ Int64($0) }), (0...168).contains(hours) else {
                        throw DomainError.validation("choose how long the old secret keeps signing: up to a week")
                    }
                    return try await routes.engine.rotateWebhookSecret(id, org: org, gracePeriod: .hours(hours), by: by).secret
                }
            ),
        ]
        for (path, run) in actions {
            action(
                router,
                RouterPath("/console/orgs/{org}/webhooks/{id}/\(path)"),
                { _, context, session, form in
                    let orgID = try Self.orgID(context)
                    let id: WebhookID = try Self.pathID("id", context)
                    let url = try await engine.webhook(id, org: orgID, by: session.principal).webhook.url
                    if let secret = try await run(self, orgID, id, form, session.principal) {
                        return try await webhooksPage(orgID, session, notice: session.words("webhooks.notice.rotated"), secret: (url, secret))
                    }
                    return WebPage.redirect(to: "/console/orgs/\(orgID)/webhooks?done=\(path)")
                },
                onError: back
            )
        }
    }

    /// What a `done` code of the webhooks page says: only the catalogue's fixed words.
    static func webhookNotice(_ code: String?, _ words: ConsoleText) -> String? {
        guard let code, ["pause", "resume", "ping", "delete", "edit"].contains(code) else { return nil }
        return words("webhooks.notice.\(code)")
    }

    /// The endpoint of a form, by the API's own rule.
    func checkedURL(_ text: String?) throws(DomainError) -> String {
        let text = (text ?? "").trimmingWhitespace()
        do {
            return try destinations.checkedURL(text)
        } catch {
            switch error {
            case .malformed:
                throw .validation("the address must be a whole http or https address with a host, such as https://hooks.example.org/muster")
            case .notAllowed(let reason):
                throw .validation("\(reason); webhooks go to public internet addresses only")
            }
        }
    }

    /// The event types ticked, or `nil` for every type when none is.
    static func eventTypes(_ form: FormFields) throws(DomainError) -> [OrgEvent.Kind]? {
        let names = form.all("event_types")
        guard !names.isEmpty else { return nil }
        var kinds = [OrgEvent.Kind]()
        for name in names {
            guard let kind = OrgEvent.Kind.allCases.first(where: { $0.name == name }) else { throw .validation("choose event types from the list") }
            kinds.append(kind)
        }
        return kinds
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingWhitespace(), !text.isEmpty else { return nil }
        return text
    }

    func webhooksPage(
        _ orgID: OrganisationID,
        _ session: ConsoleSession,
        notice: String? = nil,
        error: String? = nil,
        status: HTTPResponse.Status = .ok,
        secret: (url: String, secret: String)? = nil,
        typed: FormFields? = nil
    ) async throws -> Response {
        var values: [String: Any] = [:]
        try await orgHeader(orgID, session, tab: "navWebhooks", into: &values)
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        if let secret { values["secret"] = ["url": secret.url, "secret": secret.secret] }
        let words = session.words
        let csrf = session.formToken
        let chosen = Set(typed?.all("event_types") ?? [])
        values["kindGroups"] = AuditWords.kindGroups.map { group -> [String: Any] in
            [
                "label": words("audit.group.\(group.key)"),
                "kinds": group.kinds.map { ["value": $0.name, "label": AuditWords.label($0, words), "checked": chosen.contains($0.name)] },
            ]
        }
        values["typed"] = ["url": typed?["url"] ?? "", "description": typed?["description"] ?? ""]
        var hooks = [[String: Any]]()
        for view in try await engine.webhooks(org: orgID, by: session.principal) {
            let webhook = view.webhook
            let deliveries = await webhooks.deliveries(webhook.id.description).prefix(20).map { delivery -> [String: Any] in
                [
                    "at": words.mail.date(Timestamp(millisecondsSinceEpoch: delivery.at)), "event": delivery.eventType,
                    "outcome": delivery.outcome == .delivered ? words("webhooks.delivered") : words("webhooks.failed"), "attempt": delivery.attempt,
                    "answer": delivery.responseStatus.map { "HTTP \($0)" } ?? delivery.error ?? "", "took": "\(delivery.durationMilliseconds) ms",
                ]
            }
            var hook: [String: Any] = [
                "id": webhook.id.description, "url": webhook.url, "description": webhook.description ?? "", "orgID": orgID.description, "csrf": csrf,
                "types": webhook.eventTypes?.map { AuditWords.label($0, words) }.joined(separator: ", ") ?? words("webhooks.every_event"),
                "deliveries": Array(deliveries), "created": words.mail.date(webhook.createdAt),
            ]
            switch webhook.status {
            case .active: hook["active"] = true
            case .paused(let cause, let reason):
                hook["paused"] = words(cause == .deliveryFailing ? "webhooks.paused_failing" : "webhooks.paused", ["reason": reason])
            }
            // The edit form starts from what the webhook receives now, so saving it as it is
            // changes nothing.
            let current = Set(webhook.eventTypes ?? [])
            hook["editGroups"] = AuditWords.kindGroups.map { group -> [String: Any] in
                [
                    "label": words("audit.group.\(group.key)"),
                    "kinds": group.kinds.map { ["value": $0.name, "label": AuditWords.label($0, words), "checked": current.contains($0)] },
                ]
            }
            let now = try engine.now
            hook["graces"] = webhook.previousSecrets.filter { $0.until > now }.map { ["until": words.mail.date($0.until)] }
            hooks.append(hook)
        }
        values["hooks"] = hooks
        return pages.render("webhooks", title: words("common.webhooks"), values, status: status)
    }
}
