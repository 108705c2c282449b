import MusterDelivery
import MusterDomain

/// The audit trail in plain words: "ann@example.org revoked the invitation of
/// bo@example.org: sent to the wrong address".
enum AuditWords {
    /// What happened, after the actor's name: "invited bo@example.org as Caseworker".
    static func sentence(_ line: ReadableAuditLine) -> String {
        let data = line.event.data
        let words = MailWords.english
        let email = data.email?.value ?? line.subject ?? "someone"
        let role = data.role.map { words.role($0) } ?? "a role"
        let tenant = line.tenantName.map { "the case of \($0)" } ?? "a tenant's case"
        let webhook = data.url ?? "a webhook"
        // A person acting on their own record (accepting, joining) reads as themselves.
        let own = line.actor == email
        switch line.entry.action {
        case .organisationCreated: return "created the organisation \(data.name ?? "")"
        case .organisationUpdated: return "changed the organisation's settings"
        case .userInvited:
            let how = data.method == .existingUser ? " (an existing user)" : ""
            return "invited \(email)\(how) as \(role)"
        case .invitationResent: return "sent the invitation of \(email) again"
        case .invitationRevoked: return "revoked the invitation of \(email)" + (data.reason.map { ": \($0)" } ?? "")
        case .invitationAccepted: return own ? "accepted their invitation" : "accepted the invitation of \(email)"
        case .invitationExpired: return "recorded that the invitation of \(email) expired"
        case .invitationLocaleSet: return "chose the language of the invitation of \(email)"
        case .invitationReinvited: return "invited \(email) again after an earlier invitation"
        case .invitationRedirectSet: return "set where the invitation of \(email) leads after accepting"
        case .userCreated: return own ? "created their account" : "created the account of \(email)"
        case .memberAdded: return own ? "joined as \(role)" : "added \(email) as \(role)"
        case .memberRoleChanged:
            let before = data.previousRole.map { " from \(words.role($0))" } ?? ""
            return "changed the role of \(email)\(before) to \(role)"
        case .memberGrantsChanged: return "changed the extra permission keys of \(email)"
        case .memberRemoved: return "removed \(email) from the organisation"
        case .memberPasswordReset: return "issued a new temporary password to \(email)"
        case .apiKeyCreated: return "created the API key “\(data.name ?? "")” as \(role)"
        case .apiKeyRevoked: return "revoked an API key"
        case .tenantCreated: return "created the tenant \(data.name ?? "")"
        case .collaboratorInvited:
            let mode = data.mode.map { words.mode($0) } ?? "a collaborator"
            let who = data.mode == .referenceOnly ? "a contact card" : email
            return "added \(who) to \(tenant) as \(mode)" + (data.capOverridden == true ? ", over the caseload cap" : "")
        case .collaboratorActivated: return "joined \(tenant) as \(email)"
        case .collaboratorEnded: return "ended the assignment of \(data.mode == .referenceOnly ? "a contact card" : email) on \(tenant)"
        case .collaboratorContactUpdated: return "edited a contact card on \(tenant)"
        case .collaboratorRedirectSet: return "set where the link of \(email) leads after signing in"
        case .noteAdded: return "added a note to \(tenant)"
        case .goalAdded: return "added a goal to \(tenant)"
        case .sessionRecorded: return "recorded a session on \(tenant)"
        case .documentAdded: return "added a document to \(tenant)"
        case .contextSummaryUpdated: return "updated the summary of \(tenant)"
        case .webhookCreated: return "added the webhook \(webhook)"
        case .webhookDeleted: return "deleted a webhook"
        case .webhookPaused: return "paused a webhook" + (data.reason.map { ": \($0)" } ?? "")
        case .webhookResumed: return "resumed a webhook"
        case .webhookUpdated: return "changed the webhook \(webhook)"
        case .webhookPinged: return "sent a test event to a webhook"
        case .webhookSecretRotated: return "rotated a webhook's signing secret"
        }
    }

    /// The event types people choose from, grouped as the console shows them.
    static let kindGroups: [(label: String, kinds: [OrgEvent.Kind])] = [
        ("Invitations", [.userInvited, .invitationResent, .invitationRevoked, .invitationAccepted, .invitationExpired, .invitationReinvited]),
        ("Members", [.memberAdded, .memberRoleChanged, .memberGrantsChanged, .memberRemoved, .memberPasswordReset, .userCreated]),
        ("Cases", [.tenantCreated, .collaboratorInvited, .collaboratorActivated, .collaboratorEnded, .collaboratorContactUpdated]),
        ("Workspace", [.noteAdded, .goalAdded, .sessionRecorded, .documentAdded, .contextSummaryUpdated]),
        (
            "Integrations",
            [.apiKeyCreated, .apiKeyRevoked, .webhookCreated, .webhookUpdated, .webhookPaused, .webhookResumed, .webhookDeleted, .webhookSecretRotated]
        ),
        ("Organisation", [.organisationCreated, .organisationUpdated]),
    ]

    /// An event type as a choice: "Invitation revoked".
    static func label(_ kind: OrgEvent.Kind) -> String {
        switch kind {
        case .organisationCreated: "Organisation created"
        case .organisationUpdated: "Settings changed"
        case .userInvited: "Invitation sent"
        case .invitationResent: "Invitation resent"
        case .invitationRevoked: "Invitation revoked"
        case .invitationAccepted: "Invitation accepted"
        case .invitationExpired: "Invitation expired"
        case .invitationLocaleSet: "Invitation language chosen"
        case .invitationReinvited: "Invited again"
        case .invitationRedirectSet: "Invitation redirect set"
        case .userCreated: "Account created"
        case .memberAdded: "Member added"
        case .memberRoleChanged: "Role changed"
        case .memberGrantsChanged: "Permission keys changed"
        case .memberRemoved: "Member removed"
        case .memberPasswordReset: "Password reset"
        case .apiKeyCreated: "API key created"
        case .apiKeyRevoked: "API key revoked"
        case .tenantCreated: "Tenant created"
        case .collaboratorInvited: "Collaborator added"
        case .collaboratorActivated: "Collaborator joined"
        case .collaboratorEnded: "Assignment ended"
        case .collaboratorContactUpdated: "Contact card edited"
        case .collaboratorRedirectSet: "Collaborator redirect set"
        case .noteAdded: "Note added"
        case .goalAdded: "Goal added"
        case .sessionRecorded: "Session recorded"
        case .documentAdded: "Document added"
        case .contextSummaryUpdated: "Summary updated"
        case .webhookCreated: "Webhook added"
        case .webhookDeleted: "Webhook deleted"
        case .webhookPaused: "Webhook paused"
        case .webhookResumed: "Webhook resumed"
        case .webhookUpdated: "Webhook changed"
        case .webhookPinged: "Webhook test sent"
        case .webhookSecretRotated: "Webhook secret rotated"
        }
    }
}
