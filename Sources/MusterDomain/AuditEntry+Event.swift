extension AuditEntry {
    /// The audit line of `record`, read from the event alone: the record it acts on and what
    /// that record cannot tell later.
    ///
    /// ``OrgState/apply(_:)`` appends exactly this line, and the org's webhooks build their
    /// feed events from it while they follow the log, so both say the same about an event.
    /// The one fact an old record may lack is a role change's previous role (records written
    /// before events carried it); `apply` then takes it from the state.
    public init(_ record: OrgEventRecord, orgID: OrganisationID) {
        let target: TargetID
        var details: String?
        switch record.event {
        case .organisationCreated:
            target = TargetID(orgID)
        case .organisationUpdated(let name, let settings):
            target = TargetID(orgID)
            details = Self.settingsSummary(name: name, settings)
        case .userInvited(let id, _, _, _, _, _), .invitationResent(let id, _, _), .invitationRevoked(let id, _), .invitationAccepted(let id, _),
            .invitationExpired(let id):
            target = TargetID(id)
        case .invitationLocaleSet(let id, let locale):
            target = TargetID(id)
            details = locale.value
        case .invitationReinvited(let id, let previous):
            target = TargetID(id)
            details = previous.description
        case .invitationRedirectSet(let id, let url):
            target = TargetID(id)
            details = url.value
        case .collaboratorRedirectSet(let id, let url):
            target = TargetID(id)
            details = url.value
        case .userCreated(let userID, _), .memberGrantsChanged(let userID, _), .memberRemoved(let userID), .memberPasswordReset(let userID):
            target = TargetID(userID)
            if case .memberGrantsChanged(_, let grants) = record.event { details = grants.permissions.map(\.key).joined(separator: ",") }
        case .memberAdded(let userID, _, let role, _):
            target = TargetID(userID)
            details = role.name
        case .memberRoleChanged(let userID, let role, let previous):
            target = TargetID(userID)
            details = previous.map { Self.roleChange(from: $0, to: role) }
        case .apiKeyCreated(let id, let name, let role, _):
            target = TargetID(id)
            details = "\(name) as \(role.name)"
        case .apiKeyRevoked(let id):
            target = TargetID(id)
        case .tenantCreated(let id, _, _):
            target = TargetID(id)
        case .contextSummaryUpdated(let tenantID, _):
            target = TargetID(tenantID)
        case .collaboratorInvited(let invited):
            target = TargetID(invited.id)
            if invited.capOverridden { details = "caseload cap overridden" }
        case .collaboratorActivated(let id, _), .collaboratorEnded(let id), .collaboratorContactUpdated(let id, _):
            target = TargetID(id)
        case .noteAdded(_, let id, _, _), .goalAdded(_, let id, _, _), .sessionRecorded(_, let id, _, _), .documentAdded(_, let id, _, _, _, _):
            target = TargetID(id)
        case .webhookCreated(let id, let url, _, _, _, _):
            target = TargetID(id)
            details = url
        case .webhookPaused(let id, _, let reason):
            target = TargetID(id)
            details = reason
        case .webhookDeleted(let id), .webhookResumed(let id), .webhookPinged(let id):
            target = TargetID(id)
        case .webhookUpdated(let id, let url, _, _):
            target = TargetID(id)
            details = url
        case .webhookSecretRotated(let id, _, let previousUntil):
            target = TargetID(id)
            details = "previous secret signs until \(previousUntil.iso8601)"
        }
        self.init(sequence: record.sequence, at: record.at, actor: record.actor, action: record.event.kind, target: target, details: details)
    }

    /// An org update's details: the name and every setting as they now are, for people.
    static func settingsSummary(name: String, _ settings: OrgSettings) -> String {
        let lifetime = settings.invitationLifetimeDays.map { "\($0) days" } ?? "deployment default"
        let domains = settings.allowedEmailDomains.isEmpty ? "any" : settings.allowedEmailDomains.joined(separator: " ")
        let locale = settings.defaultLocale?.value ?? "deployment default"
        let replyTo = settings.replyTo?.value ?? "none"
        var summary = "name \(name); invitation lifetime \(lifetime); allowed email domains \(domains); default locale \(locale); reply-to \(replyTo)"
        // Settings added later are named only when set, so earlier records read as they did.
        if !settings.allowedRedirectOrigins.isEmpty { summary += "; redirect origins \(settings.allowedRedirectOrigins.joined(separator: " "))" }
        if let logo = settings.logoURL { summary += "; logo \(logo)" }
        if let colour = settings.accentColour { summary += "; accent colour \(colour)" }
        return summary
    }

    /// A role change's details, `"<before> → <after>"`, as the feed reads them back.
    static func roleChange(from previous: Role, to role: Role) -> String {
        "\(previous.name) → \(role.name)"
    }
}

extension Identifier where Entity == AuditEntry {
    /// The audit target naming the record `id` names.
    init<Other>(_ id: Identifier<Other>) {
        self.init(high: id.high, low: id.low)
    }
}
