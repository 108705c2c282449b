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
        _ webhookID: WebhookID, url: String, eventTypes: [OrgEvent.Kind]?, description: String?, startAfter: UInt64?,
        secretNonce: Identifier<Webhook>, by principal: Principal, policy: Policy
    ) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "register webhooks")
        guard webhooks[webhookID] == nil else { throw DomainError(.conflict, "webhook \(webhookID) exists already") }
        guard webhooks.count < Webhook.maximumPerOrg else {
            throw DomainError(.conflict, "an organisation may have at most \(Webhook.maximumPerOrg) webhooks; delete one first")
        }
        guard !url.isEmpty, url.utf8.count <= 2048, !url.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.breaksLines }) else {
            throw .validation("url must be a URL of at most 2048 characters without spaces or line breaks")
        }
        if let eventTypes, eventTypes.isEmpty { throw .validation("event_types must name at least one type, or be left out for all") }
        let startAfter = startAfter ?? version
        guard startAfter <= version else { throw .validation("after must be an event sequence from 0 to \(version)") }
        let description = try Validate.optionalName(description, field: "description", policy: policy)
        let types = eventTypes.map { Array(Set($0)).sorted { $0.name < $1.name } }
        return [.webhookCreated(id: webhookID, url: url, eventTypes: types, description: description, startAfter: startAfter, secretNonce: secretNonce)]
    }

    func decideDeleteWebhook(_ webhookID: WebhookID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "delete webhooks")
        _ = try existingWebhook(webhookID)
        return [.webhookDeleted(id: webhookID)]
    }

    /// Muster pauses a failing webhook as `.system`; people pause one with integration access.
    /// Pausing a paused webhook changes nothing.
    func decidePauseWebhook(_ webhookID: WebhookID, cause: Webhook.PauseCause, reason: String, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        switch cause {
        case .requested:
            try requireIntegrationAccess(principal, toDo: "pause webhooks")
        case .deliveryFailing, .creatorLostAccess:
            guard principal == .system else { throw .forbidden("only Muster itself pauses a webhook for \(cause.name)") }
        }
        let webhook = try existingWebhook(webhookID)
        guard webhook.isActive else { return [] }
        let reason = reason.trimmingWhitespace()
        guard !reason.isEmpty, reason.count <= 500, !reason.unicodeScalars.contains(where: \.breaksLines) else {
            throw .validation("the pause reason must be one line of 1 to 500 characters")
        }
        return [.webhookPaused(id: webhookID, cause: cause, reason: reason)]
    }

    /// Resumes a paused webhook from where it stopped. One paused because its creator lost
    /// their place here is resumed only by an org admin, who thereby takes it over.
    func decideResumeWebhook(_ webhookID: WebhookID, by principal: Principal) throws(DomainError) -> [OrgEvent] {
        try requireIntegrationAccess(principal, toDo: "resume webhooks")
        let webhook = try existingWebhook(webhookID)
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

    /// Pauses what `creator` set up, as its access ends: events of the org keep flowing only to
    /// subscriptions someone still here answers for.
    func pausingWebhooks(createdBy creator: Principal, because reason: String) -> [OrgEvent] {
        webhooksInOrder.filter { $0.createdBy == creator && $0.isActive }.map {
            .webhookPaused(id: $0.id, cause: .creatorLostAccess, reason: reason)
        }
    }

    private func existingWebhook(_ webhookID: WebhookID) throws(DomainError) -> Webhook {
        guard let webhook = webhooks[webhookID] else { throw .notFound("webhook \(webhookID) does not exist in this organisation") }
        return webhook
    }
}
