extension OrgState {
    /// The org's webhooks in the order they were created.
    public var webhooksInOrder: [Webhook] { webhookOrder.compactMap { webhooks[$0] } }

    /// The webhooks that `principal` may see, or a refusal.
    public func webhooks(for principal: Principal) throws(DomainError) -> [Webhook] {
        try requireIntegrationAccess(principal, toDo: "see webhooks")
        return webhooksInOrder
    }

    /// One webhook, for someone with integration access.
    public func webhook(_ webhookID: WebhookID, for principal: Principal) throws(DomainError) -> Webhook {
        try requireIntegrationAccess(principal, toDo: "see webhooks")
        return try existingWebhook(webhookID)
    }

    func decideCreateWebhook(
        _ webhookID: WebhookID,
        url: String,
        eventTypes: [OrgEvent.Kind]?,
        description: String?,
        startAfter: UInt64?,
        secretNonce: Identifier<Webhook>,
        by principal: Principal,
        policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "register webhooks")
        guard webhooks[webhookID] == nil else { throw DomainError(.conflict, "webhook \(webhookID) exists already") }
        guard webhooks.count < Webhook.maximumPerOrg else {
            throw DomainError(.conflict, "an organisation may have at most \(Webhook.maximumPerOrg) webhooks; delete one first")
        }
        try Self.requireWebhookURL(url)
        let startAfter = startAfter ?? version
        guard startAfter <= version else { throw .validation("after must be an event sequence from 0 to \(version)") }
        let description = try Validate.optionalName(description, field: "description", policy: policy)
        let types = try Self.subscribedTypes(eventTypes)
        return [
            .webhookCreated(id: webhookID, url: url, eventTypes: types, description: description, startAfter: startAfter, secretNonce: secretNonce)
        ]
    }

    /// Deleting a webhook silences the org's channel to its receiver, so it is the owner's or an
    /// org admin's to do, like changing it.
    func decideDeleteWebhook(_ webhookID: WebhookID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "delete webhooks")
        let webhook = try existingWebhook(webhookID)
        try requireOwnerOrOrgAdmin(webhook, principal, toDo: "delete")
        return [.webhookDeleted(id: webhookID)]
    }

    /// Muster pauses a failing webhook as `.system`; a person pauses one on request only when
    /// they are its owner or an org admin. Pausing a paused webhook changes nothing.
    func decidePauseWebhook(
        _ webhookID: WebhookID,
        cause: Webhook.PauseCause,
        reason: String,
        by principal: Principal
    ) throws(DomainError) -> [OrgEvent] {
        switch cause {
        case .requested:
            try requireIntegrationAccess(principal, toDo: "pause webhooks")
        case .deliveryFailing, .creatorLostAccess:
            guard principal == .system else { throw .forbidden("only Muster itself pauses a webhook for \(cause.name)") }
        }
        let webhook = try existingWebhook(webhookID)
        if cause == .requested { try requireOwnerOrOrgAdmin(webhook, principal, toDo: "pause") }
        guard webhook.isActive else { return [] }
        let reason = reason.trimmingWhitespace()
        guard !reason.isEmpty, reason.count <= 500, !reason.unicodeScalars.contains(where: \.breaksLines) else {
            throw .validation("the pause reason must be one line of 1 to 500 characters")
        }
        return [.webhookPaused(id: webhookID, cause: cause, reason: reason)]
    }

    /// Resumes a paused webhook from where it stopped: its owner's or an org admin's to do. One
    /// paused because its creator lost their place here is resumed only by an org admin, who
    /// thereby takes it over.
    func decideResumeWebhook(_ webhookID: WebhookID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "resume webhooks")
        let webhook = try existingWebhook(webhookID)
        try requireOwnerOrOrgAdmin(webhook, principal, toDo: "resume")
        switch webhook.status {
        case .active:
            return []
        case .paused(.creatorLostAccess, _):
            guard isOrgAdmin(principal) else {
                throw .forbidden("webhook \(webhookID) was paused because its creator lost access; only an org admin resumes it")
            }
        case .paused:
            break
        }
        return [.webhookResumed(id: webhookID)]
    }

    func decideUpdateWebhook(
        _ webhookID: WebhookID,
        _ update: OrgCommand.WebhookUpdate,
        by principal: Principal,
        policy: Policy
    ) throws(DomainError)
        -> [OrgEvent]
    {
        try requireIntegrationAccess(principal, toDo: "change webhooks")
        let webhook = try existingWebhook(webhookID)
        try requireOwnerOrOrgAdmin(webhook, principal, toDo: "change")
        if let url = update.url { try Self.requireWebhookURL(url) }
        var types = webhook.eventTypes
        switch update.eventTypes {
        case .unchanged: break
        case .set(let kinds): types = try Self.subscribedTypes(kinds)
        case .reset: types = nil
        }
        var description = webhook.description
        switch update.description {
        case .unchanged: break
        case .set(let text): description = try Validate.optionalName(text, field: "description", policy: policy)
        case .reset: description = nil
        }
        let url = update.url ?? webhook.url
        guard url != webhook.url || types != webhook.eventTypes || description != webhook.description else { return [] }
        return [.webhookUpdated(id: webhookID, url: url, eventTypes: types, description: description)]
    }

    /// A ping goes through the log like any event, so it reaches the receiver in order, signed,
    /// and lands in the delivery history and the audit trail.
    func decidePingWebhook(_ webhookID: WebhookID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "ping webhooks")
        let webhook = try existingWebhook(webhookID)
        // A ping is a signed request to someone else's receiver: theirs to send, as every other
        // change to the channel is.
        try requireOwnerOrOrgAdmin(webhook, principal, toDo: "ping")
        guard webhook.isActive else { throw DomainError(.conflict, "webhook \(webhookID) is paused; resume it before pinging it") }
        return [.webhookPinged(id: webhookID)]
    }

    func decideRotateWebhookSecret(
        _ webhookID: WebhookID,
        nonce: Identifier<Webhook>,
        gracePeriod: Span,
        by principal: Principal,
        at now: Timestamp
    )
        throws(DomainError) -> [OrgEvent]
    {
        try requireIntegrationAccess(principal, toDo: "rotate webhook secrets")
        let webhook = try existingWebhook(webhookID)
        try requireOwnerOrOrgAdmin(webhook, principal, toDo: "rotate the secret of")
        guard gracePeriod.milliseconds >= 0, gracePeriod <= Webhook.maximumGracePeriod else {
            throw .validation("grace_period_hours must be 0 to \(Webhook.maximumGracePeriod.milliseconds / 3_600_000)")
        }
        guard nonce != webhook.secretNonce, !webhook.previousSecrets.contains(where: { $0.nonce == nonce }) else {
            throw DomainError(.conflict, "the new secret must differ from the current ones")
        }
        return [.webhookSecretRotated(id: webhookID, secretNonce: nonce, previousUntil: now.adding(gracePeriod))]
    }

    /// Refuses a URL that is empty, over-long, or holds spaces or line breaks; whether it is a
    /// destination deliveries may go to is the server's check.
    private static func requireWebhookURL(_ url: String) throws(DomainError) {
        guard !url.isEmpty, url.utf8.count <= 2048, !url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.breaksLines }) else {
            throw .validation("url must be a URL of at most 2048 characters without spaces or line breaks")
        }
    }

    /// The types a webhook subscribes to, deduplicated and sorted by name; `nil` for all.
    private static func subscribedTypes(_ kinds: [OrgEvent.Kind]?) throws(DomainError) -> [OrgEvent.Kind]? {
        guard let kinds else { return nil }
        guard !kinds.isEmpty else { throw .validation("event_types must name at least one type, or be left out for all") }
        return Array(Set(kinds)).sorted { $0.name < $1.name }
    }

    /// Where a webhook sends, how it signs and whether it runs at all are changed only by its
    /// owner or an org admin: whoever changes them could read the org's events, forge its
    /// signatures or silence its receiver, so another integration manager may not take over,
    /// pause, resume or delete someone else's channel.
    private func requireOwnerOrOrgAdmin(_ webhook: Webhook, _ principal: Principal, toDo action: String) throws(DomainError) {
        guard webhook.owner == principal || isOrgAdmin(principal) else {
            throw .forbidden("only the webhook's owner (\(webhook.owner)) or an org admin may \(action) webhook \(webhook.id)")
        }
    }

    /// Pauses what `owner` answers for, as its access ends: events of the org keep flowing only
    /// to subscriptions someone still here answers for.
    func pausingWebhooks(ownedBy owner: Principal, because reason: String) -> [OrgEvent] {
        webhooksInOrder.filter { $0.owner == owner && $0.isActive }.map {
            .webhookPaused(id: $0.id, cause: .creatorLostAccess, reason: reason)
        }
    }

    private func existingWebhook(_ webhookID: WebhookID) throws(DomainError) -> Webhook {
        guard let webhook = webhooks[webhookID] else { throw .notFound("webhook \(webhookID) does not exist in this organisation") }
        return webhook
    }
}
