/// A fact about one organisation. Events are the only way its state changes: `decide` emits
/// them, ``OrgState/apply(_:)`` folds them in, identically live and on replay.
public enum OrgEvent: Hashable, Sendable {
    case organisationCreated(name: String)
    /// The org's name and settings after an org admin changed either: the whole of both, so
    /// applying it needs nothing from before.
    case organisationUpdated(name: String, settings: OrgSettings)
    case userInvited(id: InvitationID, email: EmailAddress, role: Role, method: Invitation.Method, expiresAt: Timestamp, seal: LinkSeal)
    case invitationResent(id: InvitationID, expiresAt: Timestamp, seal: LinkSeal)
    case invitationRevoked(id: InvitationID, reason: String?)
    case invitationAccepted(id: InvitationID, userID: UserID)
    case invitationExpired(id: InvitationID)
    /// A user was created for this org's sake (acceptance of an email invitation, direct
    /// creation); the directory holds the user, this line is the org's record of it.
    case userCreated(userID: UserID, email: EmailAddress)
    case memberAdded(userID: UserID, email: EmailAddress, role: Role, via: Member.JoinMethod)
    /// `previous` is the role before the change; `nil` only in records written before events
    /// carried it (the audit line then takes it from the state).
    case memberRoleChanged(userID: UserID, role: Role, previous: Role?)
    case memberGrantsChanged(userID: UserID, grants: PermissionSet)
    case memberRemoved(userID: UserID)
    case memberPasswordReset(userID: UserID)
    case apiKeyCreated(id: APIKeyID, name: String, role: Role, secretDigest: SecretDigest)
    case apiKeyRevoked(id: APIKeyID)
    case tenantCreated(id: TenantID, name: String, reference: String?)
    case collaboratorInvited(CollaboratorInvitation)
    case collaboratorActivated(id: CollaboratorID, userID: UserID)
    case collaboratorEnded(id: CollaboratorID)
    case collaboratorContactUpdated(id: CollaboratorID, contact: ContactCard)
    case noteAdded(tenantID: TenantID, id: WorkspaceItemID, kind: Note.Kind, body: String)
    case goalAdded(tenantID: TenantID, id: WorkspaceItemID, title: String, detail: String?)
    case sessionRecorded(tenantID: TenantID, id: WorkspaceItemID, occurredAt: Timestamp, summary: String)
    case documentAdded(tenantID: TenantID, id: WorkspaceItemID, name: String, contentType: String, sizeBytes: Int64, checksum: String)
    case contextSummaryUpdated(tenantID: TenantID, text: String)
    case webhookCreated(id: WebhookID, url: String, eventTypes: [Kind]?, description: String?, startAfter: UInt64, secretNonce: Identifier<Webhook>)
    case webhookDeleted(id: WebhookID)
    case webhookPaused(id: WebhookID, cause: Webhook.PauseCause, reason: String)
    case webhookResumed(id: WebhookID)
    /// A webhook's endpoint, types or description after a change: all three, as they now are.
    case webhookUpdated(id: WebhookID, url: String, eventTypes: [Kind]?, description: String?)
    /// A test event, delivered to this webhook alone.
    case webhookPinged(id: WebhookID)
    /// A new signing secret; the one it replaces keeps signing until `previousUntil`.
    case webhookSecretRotated(id: WebhookID, secretNonce: Identifier<Webhook>, previousUntil: Timestamp)
    /// The language an invitation's emails are written in, chosen when it was sent; it follows
    /// its `user.invited` in the same record.
    case invitationLocaleSet(id: InvitationID, locale: LocaleTag)
    /// The invitation `id` invites again the person of the expired or revoked `previous`; it
    /// follows its `user.invited` in the same record.
    case invitationReinvited(id: InvitationID, previous: InvitationID)
    /// Where the invitation's link page sends the invitee after they accept; it follows its
    /// `user.invited` in the same record.
    case invitationRedirectSet(id: InvitationID, url: RedirectURL)
    /// Where a collaborator's link page sends them after they first sign in; it follows its
    /// `collaborator.invited` in the same record.
    case collaboratorRedirectSet(id: CollaboratorID, url: RedirectURL)

    /// The data of a `collaborator.invited` event.
    public struct CollaboratorInvitation: Hashable, Sendable {
        public var id: CollaboratorID
        public var tenantID: TenantID
        public var mode: ParticipationMode
        public var userID: UserID?
        public var email: EmailAddress?
        public var fullName: String?
        public var contact: ContactCard?
        public var capOverridden: Bool
        public var seal: LinkSeal?
        public var linkExpiresAt: Timestamp?

        /// Creates the data of an invitation; the optional parts start empty.
        public init(id: CollaboratorID, tenantID: TenantID, mode: ParticipationMode, capOverridden: Bool) {
            self.id = id
            self.tenantID = tenantID
            self.mode = mode
            self.capOverridden = capOverridden
        }
    }

    /// The type of an event, with the names consumers see (`user.invited`, …).
    public enum Kind: UInt8, SpelledCase, CustomStringConvertible {
        case organisationCreated
        case userInvited
        case invitationResent
        case invitationRevoked
        case invitationAccepted
        case invitationExpired
        case userCreated
        case memberAdded
        case memberRoleChanged
        case memberGrantsChanged
        case memberRemoved
        case memberPasswordReset
        case apiKeyCreated
        case apiKeyRevoked
        case tenantCreated
        case collaboratorInvited
        case collaboratorActivated
        case collaboratorEnded
        case collaboratorContactUpdated
        case noteAdded
        case goalAdded
        case sessionRecorded
        case documentAdded
        case contextSummaryUpdated
        case webhookCreated
        case webhookDeleted
        case webhookPaused
        case webhookResumed
        case organisationUpdated
        case webhookUpdated
        case webhookPinged
        case webhookSecretRotated
        case invitationLocaleSet
        case invitationReinvited
        case invitationRedirectSet
        case collaboratorRedirectSet

        /// The event type as consumers see it, for example `user.invitation_revoked`.
        public var name: String {
            switch self {
            case .organisationCreated: "organisation.created"
            case .userInvited: "user.invited"
            case .invitationResent: "user.invitation_resent"
            case .invitationRevoked: "user.invitation_revoked"
            case .invitationAccepted: "user.invitation_accepted"
            case .invitationExpired: "user.invitation_expired"
            case .userCreated: "user.created"
            case .memberAdded: "member.added"
            case .memberRoleChanged: "member.role_changed"
            case .memberGrantsChanged: "member.permissions_changed"
            case .memberRemoved: "member.removed"
            case .memberPasswordReset: "member.password_reset"
            case .apiKeyCreated: "api_key.created"
            case .apiKeyRevoked: "api_key.revoked"
            case .tenantCreated: "tenant.created"
            case .collaboratorInvited: "collaborator.invited"
            case .collaboratorActivated: "collaborator.activated"
            case .collaboratorEnded: "collaborator.ended"
            case .collaboratorContactUpdated: "collaborator.contact_updated"
            case .noteAdded: "workspace.note_added"
            case .goalAdded: "workspace.goal_added"
            case .sessionRecorded: "workspace.session_recorded"
            case .documentAdded: "workspace.document_added"
            case .contextSummaryUpdated: "workspace.context_summary_updated"
            case .webhookCreated: "webhook.created"
            case .webhookDeleted: "webhook.deleted"
            case .webhookPaused: "webhook.paused"
            case .webhookResumed: "webhook.resumed"
            case .organisationUpdated: "organisation.updated"
            case .webhookUpdated: "webhook.updated"
            case .webhookPinged: "webhook.ping"
            case .webhookSecretRotated: "webhook.secret_rotated"
            case .invitationLocaleSet: "user.invitation_locale_set"
            case .invitationReinvited: "user.reinvited"
            case .invitationRedirectSet: "user.invitation_redirect_set"
            case .collaboratorRedirectSet: "collaborator.redirect_set"
            }
        }

        public var description: String { name }
    }

    /// The type of this event.
    public var kind: Kind {
        switch self {
        case .organisationCreated: .organisationCreated
        case .userInvited: .userInvited
        case .invitationResent: .invitationResent
        case .invitationRevoked: .invitationRevoked
        case .invitationAccepted: .invitationAccepted
        case .invitationExpired: .invitationExpired
        case .userCreated: .userCreated
        case .memberAdded: .memberAdded
        case .memberRoleChanged: .memberRoleChanged
        case .memberGrantsChanged: .memberGrantsChanged
        case .memberRemoved: .memberRemoved
        case .memberPasswordReset: .memberPasswordReset
        case .apiKeyCreated: .apiKeyCreated
        case .apiKeyRevoked: .apiKeyRevoked
        case .tenantCreated: .tenantCreated
        case .collaboratorInvited: .collaboratorInvited
        case .collaboratorActivated: .collaboratorActivated
        case .collaboratorEnded: .collaboratorEnded
        case .collaboratorContactUpdated: .collaboratorContactUpdated
        case .noteAdded: .noteAdded
        case .goalAdded: .goalAdded
        case .sessionRecorded: .sessionRecorded
        case .documentAdded: .documentAdded
        case .contextSummaryUpdated: .contextSummaryUpdated
        case .webhookCreated: .webhookCreated
        case .webhookDeleted: .webhookDeleted
        case .webhookPaused: .webhookPaused
        case .webhookResumed: .webhookResumed
        case .organisationUpdated: .organisationUpdated
        case .webhookUpdated: .webhookUpdated
        case .webhookPinged: .webhookPinged
        case .webhookSecretRotated: .webhookSecretRotated
        case .invitationLocaleSet: .invitationLocaleSet
        case .invitationReinvited: .invitationReinvited
        case .invitationRedirectSet: .invitationRedirectSet
        case .collaboratorRedirectSet: .collaboratorRedirectSet
        }
    }
}

/// One event as it is logged: its place in the org's stream, its time and its actor.
public struct OrgEventRecord: Hashable, Sendable {
    /// The event's position in the org's stream, from 1, without gaps.
    public var sequence: UInt64
    public var at: Timestamp
    public var actor: Principal
    public var event: OrgEvent

    /// Creates a record.
    public init(sequence: UInt64, at: Timestamp, actor: Principal, event: OrgEvent) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.event = event
    }
}
