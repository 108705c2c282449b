/// A value in an event's data, as the log dump shows it to the operator who holds the data
/// folder. The feed and webhooks carry the thinner ``FeedEvent`` facts instead, which never hold
/// a reference-only contact's card.
public enum FieldValue: Hashable, Sendable {
    case string(String)
    case integer(Int64)
    case boolean(Bool)
    case strings([String])
    case null
}

extension Optional where Wrapped == String {
    var field: FieldValue { map(FieldValue.string) ?? .null }
}

extension OrgEvent {
    /// The event's data as named fields, in the spec's snake_case names. Secrets never appear:
    /// links are named by their record, not by their token or digest.
    public var fields: [(name: String, value: FieldValue)] {
        switch self {
        case .organisationCreated(let name):
            return [("name", .string(name))]
        case .userInvited(let id, let email, let role, let method, let expiresAt, _):
            return [
                ("invitation_id", .string(id.description)), ("email", .string(email.value)), ("role", .string(role.name)),
                ("method", .string(method.name)),
                ("expires_at", .string(expiresAt.iso8601)),
            ]
        case .invitationResent(let id, let expiresAt, _):
            return [("invitation_id", .string(id.description)), ("expires_at", .string(expiresAt.iso8601))]
        case .invitationRevoked(let id, let reason):
            return [("invitation_id", .string(id.description)), ("reason", reason.field)]
        case .invitationAccepted(let id, let userID):
            return [("invitation_id", .string(id.description)), ("user_id", .string(userID.description))]
        case .invitationExpired(let id):
            return [("invitation_id", .string(id.description))]
        case .userCreated(let userID, let email):
            return [("user_id", .string(userID.description)), ("email", .string(email.value))]
        case .memberAdded(let userID, let email, let role, let via):
            return [
                ("user_id", .string(userID.description)), ("email", .string(email.value)), ("role", .string(role.name)), ("via", .string(via.name)),
            ]
        case .memberRoleChanged(let userID, let role, let previous):
            var fields: [(name: String, value: FieldValue)] = [("user_id", .string(userID.description)), ("role", .string(role.name))]
            if let previous { fields.append(("previous_role", .string(previous.name))) }
            return fields
        case .memberGrantsChanged(let userID, let grants):
            return [("user_id", .string(userID.description)), ("permissions", .strings(grants.permissions.map(\.key)))]
        case .memberRemoved(let userID), .memberPasswordReset(let userID):
            return [("user_id", .string(userID.description))]
        case .apiKeyCreated(let id, let name, let role, _):
            return [("api_key_id", .string(id.description)), ("name", .string(name)), ("role", .string(role.name))]
        case .apiKeyRevoked(let id):
            return [("api_key_id", .string(id.description))]
        case .tenantCreated(let id, let name, let reference):
            return [("tenant_id", .string(id.description)), ("name", .string(name)), ("reference", reference.field)]
        case .collaboratorInvited(let invited):
            var fields: [(name: String, value: FieldValue)] = [
                ("collaborator_id", .string(invited.id.description)), ("tenant_id", .string(invited.tenantID.description)),
                ("participation", .string(invited.mode.name)), ("user_id", (invited.userID?.description).field),
                ("email", (invited.email?.value).field), ("full_name", invited.fullName.field), ("cap_overridden", .boolean(invited.capOverridden)),
            ]
            if let contact = invited.contact { fields += contact.fields }
            return fields
        case .collaboratorActivated(let id, let userID):
            return [("collaborator_id", .string(id.description)), ("user_id", .string(userID.description))]
        case .collaboratorEnded(let id):
            return [("collaborator_id", .string(id.description))]
        case .collaboratorContactUpdated(let id, let contact):
            return [("collaborator_id", .string(id.description))] + contact.fields
        case .noteAdded(let tenantID, let id, let kind, _):
            return [("tenant_id", .string(tenantID.description)), ("note_id", .string(id.description)), ("kind", .string(kind.name))]
        case .goalAdded(let tenantID, let id, let title, _):
            return [("tenant_id", .string(tenantID.description)), ("goal_id", .string(id.description)), ("title", .string(title))]
        case .sessionRecorded(let tenantID, let id, let occurredAt, _):
            return [
                ("tenant_id", .string(tenantID.description)), ("session_id", .string(id.description)), ("occurred_at", .string(occurredAt.iso8601)),
            ]
        case .documentAdded(let tenantID, let id, let name, let contentType, let sizeBytes, let checksum):
            return [
                ("tenant_id", .string(tenantID.description)), ("document_id", .string(id.description)), ("name", .string(name)),
                ("content_type", .string(contentType)), ("size_bytes", .integer(sizeBytes)), ("checksum", .string(checksum)),
            ]
        case .contextSummaryUpdated(let tenantID, _):
            return [("tenant_id", .string(tenantID.description))]
        case .webhookCreated(let id, let url, let eventTypes, let description, let startAfter, _):
            return [
                ("webhook_id", .string(id.description)), ("url", .string(url)), ("event_types", eventTypes.map { .strings($0.map(\.name)) } ?? .null),
                ("description", description.field), ("after", .integer(Int64(startAfter))),
            ]
        case .webhookDeleted(let id), .webhookResumed(let id), .webhookPinged(let id):
            return [("webhook_id", .string(id.description))]
        case .webhookPaused(let id, let cause, let reason):
            return [("webhook_id", .string(id.description)), ("cause", .string(cause.name)), ("reason", .string(reason))]
        case .organisationUpdated(let name, let settings):
            return [
                ("name", .string(name)), ("invitation_lifetime_days", settings.invitationLifetimeDays.map { .integer(Int64($0)) } ?? .null),
                ("allowed_email_domains", .strings(settings.allowedEmailDomains)), ("default_locale", (settings.defaultLocale?.value).field),
                ("reply_to_email", (settings.replyTo?.value).field),
            ]
        case .webhookUpdated(let id, let url, let eventTypes, let description):
            return [
                ("webhook_id", .string(id.description)), ("url", .string(url)), ("event_types", eventTypes.map { .strings($0.map(\.name)) } ?? .null),
                ("description", description.field),
            ]
        case .invitationLocaleSet(let id, let locale):
            return [("invitation_id", .string(id.description)), ("locale", .string(locale.value))]
        case .invitationReinvited(let id, let previous):
            return [("invitation_id", .string(id.description)), ("reinvite_of", .string(previous.description))]
        case .invitationRedirectSet(let id, let url):
            return [("invitation_id", .string(id.description)), ("redirect_url", .string(url.value))]
        case .collaboratorRedirectSet(let id, let url):
            return [("collaborator_id", .string(id.description)), ("redirect_url", .string(url.value))]
        case .webhookSecretRotated(let id, _, let previousUntil):
            return [("webhook_id", .string(id.description)), ("previous_secret_until", .string(previousUntil.iso8601))]
        }
    }
}

extension ContactCard {
    /// The card's fields with the spec's names.
    var fields: [(name: String, value: FieldValue)] {
        [
            ("contact_name", .string(name)), ("contact_email", (email?.value).field), ("contact_phone", phone.field),
            ("contact_organisation_name", organisationName.field), ("contact_role_label", roleLabel.field),
        ]
    }
}

extension DirectoryEvent {
    /// The event's data as named fields. Secrets (password hashes, session and link digests)
    /// never appear.
    public var fields: [(name: String, value: FieldValue)] {
        switch self {
        case .userCreated(let id, let email, let fullName, let origin, let createdFor, _, let identity):
            return [
                ("user_id", .string(id.description)), ("email", .string(email.value)), ("full_name", fullName.field),
                ("origin", .string(origin.name)),
                ("created_for", (createdFor?.description).field), ("identity_organisation", (identity?.name).field),
            ]
        case .passwordSet(let userID, _, let mustChange):
            return [("user_id", .string(userID.description)), ("must_change", .boolean(mustChange))]
        case .sessionStarted(_, let userID, let expiresAt, let method):
            return [("user_id", .string(userID.description)), ("expires_at", .string(expiresAt.iso8601)), ("method", .string(method.name))]
        case .sessionEnded:
            return []
        case .userSessionsEnded(let userID):
            return [("user_id", .string(userID.description))]
        case .signInLinkIssued(let id, let userID, _, let expiresAt):
            return [
                ("sign_in_link_id", .string(id.description)), ("user_id", .string(userID.description)), ("expires_at", .string(expiresAt.iso8601)),
            ]
        case .signInLinkUsed(let id):
            return [("sign_in_link_id", .string(id.description))]
        case .expiredRemoved(let cutoff):
            return [("cutoff", .string(cutoff.iso8601))]
        }
    }
}
