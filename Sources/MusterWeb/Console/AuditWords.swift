import MusterDomain
import MusterWords

/// The audit trail in plain words: "ann@example.org revoked the invitation of
/// bo@example.org: sent to the wrong address", in the catalogue's language.
enum AuditWords {
    /// What happened, after the actor's name: "invited bo@example.org as a caseworker". The
    /// catalogue has a sentence per event type (`audit.<type>`), and some a variant: `.own`
    /// for a person acting on their own record, `.existing`, `.from`, `.contact`, `.over`.
    static func sentence(_ line: ReadableAuditLine, _ words: ConsoleText) -> String {
        let data = line.event.data
        let email = data.email?.value ?? line.subject ?? words("audit.someone")
        let values: KeyValuePairs<String, String> = [
            "email": email, "role": data.role.map { words.mail.role($0) } ?? words("audit.a_role"),
            "tenant": line.tenantName.map { words("audit.case_of", ["tenant": $0]) } ?? words("audit.a_case"),
            "webhook": data.url ?? words("audit.a_webhook"), "name": data.name ?? "",
            "reason": data.reason.map { words("audit.reason", ["reason": $0]) } ?? "",
            "previous": data.previousRole.map { words.mail.role($0) } ?? "",
            "mode": data.mode.map { words.mail.mode($0) } ?? words("audit.a_collaborator"),
        ]
        // A person acting on their own record (accepting, joining) reads as themselves.
        let own = line.actor == email
        let kind = line.entry.action
        let variant: String? =
            switch kind {
            case .invitationAccepted, .userCreated, .memberAdded: own ? "own" : nil
            case .userInvited: data.method == .existingUser ? "existing" : nil
            case .memberRoleChanged: data.previousRole != nil ? "from" : nil
            case .collaboratorInvited: data.mode == .referenceOnly ? "contact" : data.capOverridden == true ? "over" : nil
            case .collaboratorEnded: data.mode == .referenceOnly ? "contact" : nil
            default: nil
            }
        return words("audit.\(kind.name)" + (variant.map { ".\($0)" } ?? ""), values)
    }

    /// The event types people choose from, grouped as the console shows them; each group's
    /// label is `audit.group.<key>` in the catalogue.
    static let kindGroups: [(key: String, kinds: [OrgEvent.Kind])] = [
        ("invitations", [.userInvited, .invitationResent, .invitationRevoked, .invitationAccepted, .invitationExpired, .invitationReinvited]),
        ("members", [.memberAdded, .memberRoleChanged, .memberGrantsChanged, .memberRemoved, .memberPasswordReset, .userCreated]),
        ("cases", [.tenantCreated, .collaboratorInvited, .collaboratorActivated, .collaboratorEnded, .collaboratorContactUpdated]),
        ("workspace", [.noteAdded, .goalAdded, .sessionRecorded, .documentAdded, .contextSummaryUpdated]),
        (
            "integrations",
            [
                .apiKeyCreated, .apiKeyRevoked, .webhookCreated, .webhookUpdated, .webhookPaused, .webhookResumed, .webhookDeleted,
                .webhookSecretRotated,
            ]
        ),
        ("organisation", [.organisationCreated, .organisationUpdated]),
    ]

    /// An event type as a choice: "Invitation revoked".
    static func label(_ kind: OrgEvent.Kind, _ words: ConsoleText) -> String {
        words("kind.\(kind.name)")
    }
}
