extension OrgState {
    /// The most audit lines one feed page examines, so that a narrow type filter over a long
    /// trail answers quickly; the page's cursor then moves past what was examined.
    public static let maximumFeedScan = 10_000

    /// Refuses unless `principal` may follow the org's events and manage its webhooks: the same
    /// authority as the audit trail (`users.view`, which org and site admins hold).
    public func requireIntegrationAccess(_ principal: Principal, toDo action: String) throws(DomainError) {
        // The feed and webhooks carry the audit trail's facts, so they need its authority.
        try require(.usersView, of: principal, toDo: action)
    }

    /// The events after sequence `cursor`, oldest first, of the given types (all when `nil`),
    /// at most `limit` of them, for a reader `principal` may be.
    public func feedPage(for principal: Principal, after cursor: UInt64, kinds: Set<OrgEvent.Kind>?, limit: Int) throws(DomainError) -> FeedPage {
        try requireIntegrationAccess(principal, toDo: "read the event feed")
        return try feedPage(after: cursor, limit: Self.checkedLimit(limit)) { kinds?.contains($0.action) ?? true }
    }

    /// The events after sequence `cursor` that `webhook` receives, without an access check:
    /// for Muster's own delivery, whose subscriptions were authorised when they were registered.
    public func feedPage(after cursor: UInt64, for webhook: Webhook, limit: Int) throws(DomainError) -> FeedPage {
        try feedPage(after: cursor, limit: limit) { webhook.delivers($0.action, about: $0.targetID) }
    }

    /// The events after sequence `cursor` whose lines pass `included`.
    private func feedPage(after cursor: UInt64, limit: Int, where included: (AuditEntry) -> Bool) throws(DomainError) -> FeedPage {
        guard cursor <= version else {
            throw .validation("the cursor \(cursor) is past the org's last event (\(version))")
        }
        // Sequence n sits at index n - 1: the trail has one line per event, without gaps.
        var index = Int(cursor)
        let scanEnd = min(audit.count, index + Self.maximumFeedScan)
        var events = [FeedEvent]()
        while index < scanEnd, events.count < limit {
            let entry = audit[index]
            index += 1
            if included(entry) { events.append(feedEvent(entry)) }
        }
        return FeedPage(events: events, cursor: UInt64(index), hasMore: index < audit.count)
    }

    /// The feed event of `record`, built from the record itself and the records it names, not
    /// from the audit trail: how webhooks, which follow the log, see an event. It equals the
    /// event the trail's line gives (``feedPage(after:for:limit:)``).
    public func feedEvent(for record: OrgEventRecord) -> FeedEvent {
        feedEvent(AuditEntry(record, orgID: id))
    }

    /// The event at `entry`, with its facts read from the records it names.
    func feedEvent(_ entry: AuditEntry) -> FeedEvent {
        var data = EventData()
        let target = entry.targetID
        switch entry.action {
        case .organisationCreated, .organisationUpdated:
            data.name = name
        case .userInvited, .invitationResent, .invitationRevoked, .invitationAccepted, .invitationExpired, .invitationLocaleSet, .invitationReinvited,
            .invitationRedirectSet:
            let invitationID = InvitationID(high: target.high, low: target.low)
            data.invitationID = invitationID
            if let invitation = invitations[invitationID] {
                data.email = invitation.email
                switch entry.action {
                case .userInvited:
                    data.role = invitation.role
                    data.method = invitation.method
                case .invitationRevoked: data.reason = invitation.revokedReason
                case .invitationAccepted: data.userID = invitation.acceptedBy
                default: break
                }
            }
        case .userCreated, .memberAdded, .memberRoleChanged, .memberGrantsChanged, .memberRemoved, .memberPasswordReset:
            let userID = UserID(high: target.high, low: target.low)
            data.userID = userID
            data.email = members[userID]?.email
            if entry.action == .memberAdded {
                data.role = entry.details.flatMap { Role(name: $0) }
            } else if entry.action == .memberRoleChanged, let details = entry.details {
                // Kept by `apply` as "<before> → <after>".
                let roles = details.split(separator: " → ").map { Role(name: String($0)) }
                if roles.count == 2 {
                    data.previousRole = roles[0]
                    data.role = roles[1]
                }
            }
        case .apiKeyCreated, .apiKeyRevoked:
            let keyID = APIKeyID(high: target.high, low: target.low)
            data.apiKeyID = keyID
            if entry.action == .apiKeyCreated, let key = apiKeys[keyID] {
                data.name = key.name
                data.role = key.role
            }
        case .tenantCreated, .contextSummaryUpdated:
            let tenantID = TenantID(high: target.high, low: target.low)
            data.tenantID = tenantID
            if entry.action == .tenantCreated { data.name = tenants[tenantID]?.name }
        case .collaboratorInvited, .collaboratorActivated, .collaboratorEnded, .collaboratorContactUpdated, .collaboratorRedirectSet:
            let collaboratorID = CollaboratorID(high: target.high, low: target.low)
            data.collaboratorID = collaboratorID
            if let collaborator = collaborators[collaboratorID] {
                data.tenantID = collaborator.tenantID
                data.mode = collaborator.mode
                // A reference-only contact's card (name, email, phone, organisation, role) is
                // never in any digest or export: its events carry the card's id and mode, and
                // the tenant whose team list staff read the details from.
                guard collaborator.mode != .referenceOnly else { break }
                data.userID = collaborator.userID
                data.email = collaborator.email
                if entry.action == .collaboratorInvited { data.capOverridden = collaborator.capOverridden }
            }
        case .noteAdded, .goalAdded, .sessionRecorded, .documentAdded:
            let itemID = WorkspaceItemID(high: target.high, low: target.low)
            data.itemID = itemID
            data.tenantID = workspaceItemTenants[itemID]
        case .webhookCreated, .webhookDeleted, .webhookPaused, .webhookResumed, .webhookUpdated, .webhookPinged, .webhookSecretRotated:
            data.webhookID = WebhookID(high: target.high, low: target.low)
            switch entry.action {
            case .webhookCreated, .webhookUpdated: data.url = entry.details
            case .webhookPaused: data.reason = entry.details
            default: break
            }
        }
        return FeedEvent(sequence: entry.sequence, at: entry.at, actor: entry.actor, kind: entry.action, data: data)
    }
}
