/// A request to change one organisation, decided by ``OrgState/decide(_:by:at:policy:)``.
///
/// Commands carry everything that is not a pure function of state and time: new ids, the
/// digests of freshly signed links, and facts the engine looked up in the global actors (whether
/// a user exists, a person's caseload across orgs).
public enum OrgCommand: Hashable, Sendable {
    /// Creates the org (platform admin only).
    case createOrganisation(name: String)
    /// Changes the org's name or settings (org admins).
    case updateOrganisation(OrganisationUpdate)
    /// Invites by email or adds an existing user (`method`); `existingUserID` is the user the
    /// email belongs to, if any. `lifetimeDays` overrides the org's invitation lifetime.
    case invite(
        id: InvitationID,
        email: EmailAddress,
        role: Role,
        method: Invitation.Method,
        existingUserID: UserID?,
        seal: LinkSeal,
        lifetimeDays: Int? = nil,
        locale: LocaleTag? = nil,
        redirect: RedirectURL? = nil
    )
    /// Invites again the person of an expired or revoked invitation `previous`: a new pending
    /// invitation `id` with its email, role, method, language and (while its origin is still
    /// allowed) redirect. `existingUserID` is the user the email belongs to now, if any.
    case reinvite(id: InvitationID, previous: InvitationID, existingUserID: UserID?, seal: LinkSeal)
    /// Accepts an invitation through its link, as `userID` (created for the purpose when
    /// `userIsNew`).
    case acceptInvitation(id: InvitationID, link: LinkProof, userID: UserID, userIsNew: Bool)
    /// Revokes a pending invitation, with an optional reason.
    case revokeInvitation(id: InvitationID, reason: String?)
    /// Resends a pending invitation with a new link, within the rate limits.
    case resendInvitation(id: InvitationID, seal: LinkSeal)
    /// Records every pending invitation past its expiry as expired (the sweep).
    case expireInvitations
    /// Adds a user just created with a temporary password as a member.
    case addDirectMember(userID: UserID, email: EmailAddress, role: Role, userIsNew: Bool)
    case changeRole(userID: UserID, role: Role)
    /// Grants and withdraws single permission keys without changing the role.
    case changeGrants(userID: UserID, grant: PermissionSet, withdraw: PermissionSet)
    case removeMember(userID: UserID)
    /// Records that an admin issued a new temporary password (the directory stores it);
    /// `target` is what the engine knows of the person beyond this org.
    case resetPassword(userID: UserID, target: PasswordResetTarget)
    case createAPIKey(id: APIKeyID, name: String, role: Role, secretDigest: SecretDigest)
    case revokeAPIKey(id: APIKeyID)
    case createTenant(id: TenantID, name: String, reference: String?)
    /// Invites a collaborator onto a tenant's case. For the account modes, `person` names the
    /// user and `caseload` is how many distinct tenants they are actively assigned to now.
    case inviteCollaborator(CollaboratorRequest)
    /// Activates a collaborator row through its magic link, signed in as `userID`.
    case activateCollaborator(id: CollaboratorID, link: LinkProof, userID: UserID)
    case endCollaborator(id: CollaboratorID)
    /// Edits a reference-only contact card.
    case updateContact(id: CollaboratorID, contact: ContactCard)
    case addNote(tenantID: TenantID, id: WorkspaceItemID, kind: Note.Kind, body: String)
    case addGoal(tenantID: TenantID, id: WorkspaceItemID, title: String, detail: String?)
    case recordSession(tenantID: TenantID, id: WorkspaceItemID, occurredAt: Timestamp, summary: String)
    case addDocument(tenantID: TenantID, id: WorkspaceItemID, name: String, contentType: String, sizeBytes: Int64, checksum: String)
    case setContextSummary(tenantID: TenantID, text: String)
    /// Subscribes an endpoint to the org's events (integration access), from after
    /// `startAfter`, or from now when `nil`.
    case createWebhook(
        id: WebhookID,
        url: String,
        eventTypes: [OrgEvent.Kind]?,
        description: String?,
        startAfter: UInt64?,
        secretNonce: Identifier<Webhook>
    )
    /// Deletes a subscription (integration access).
    case deleteWebhook(id: WebhookID)
    /// Stops deliveries: asked by someone with integration access, or by Muster itself when an
    /// event keeps failing.
    case pauseWebhook(id: WebhookID, cause: Webhook.PauseCause, reason: String)
    /// Starts deliveries again from where they stopped.
    case resumeWebhook(id: WebhookID)
    /// Changes a webhook's endpoint, types or description (integration access).
    case updateWebhook(id: WebhookID, WebhookUpdate)
    /// Sends a webhook a test event (integration access).
    case pingWebhook(id: WebhookID)
    /// Gives a webhook a new signing secret; the old one signs beside it for `gracePeriod`.
    case rotateWebhookSecret(id: WebhookID, secretNonce: Identifier<Webhook>, gracePeriod: Span)

    /// The data of an ``inviteCollaborator(_:)`` command.
    public struct CollaboratorRequest: Hashable, Sendable {
        public var id: CollaboratorID
        public var tenantID: TenantID
        public var mode: ParticipationMode
        /// The person's account, for `full` and `context_only`.
        public var person: Person?
        /// The contact card, for `reference_only`.
        public var contact: ContactCard?
        public var seal: LinkSeal?
        /// Distinct tenants the person is actively assigned to across every org, right now.
        public var caseload: Int
        /// Whether the inviting admin explicitly overrides the caseload cap.
        public var overrideCap: Bool
        /// Where their link's page leads after they sign in (account modes only).
        public var redirect: RedirectURL?

        /// Creates a request.
        public init(
            id: CollaboratorID,
            tenantID: TenantID,
            mode: ParticipationMode,
            person: Person? = nil,
            contact: ContactCard? = nil,
            seal: LinkSeal? = nil,
            caseload: Int = 0,
            overrideCap: Bool = false,
            redirect: RedirectURL? = nil
        ) {
            self.redirect = redirect
            self.id = id
            self.tenantID = tenantID
            self.mode = mode
            self.person = person
            self.contact = contact
            self.seal = seal
            self.caseload = caseload
            self.overrideCap = overrideCap
        }

        /// The account of a `full` or `context_only` collaborator.
        public struct Person: Hashable, Sendable {
            public var userID: UserID
            public var email: EmailAddress
            public var fullName: String

            /// Creates a person.
            public init(userID: UserID, email: EmailAddress, fullName: String) {
                self.userID = userID
                self.email = email
                self.fullName = fullName
            }
        }
    }

    /// The data of an ``updateWebhook(id:_:)`` command: each part left, set or reset.
    public struct WebhookUpdate: Hashable, Sendable {
        /// The new endpoint, already checked as a destination by the caller, or `nil` to keep it.
        public var url: String?
        /// `reset` subscribes to every type.
        public var eventTypes: SettingChange<[OrgEvent.Kind]>
        public var description: SettingChange<String>

        /// Creates an update; every part is left as it is unless given.
        public init(url: String? = nil, eventTypes: SettingChange<[OrgEvent.Kind]> = .unchanged, description: SettingChange<String> = .unchanged) {
            self.url = url
            self.eventTypes = eventTypes
            self.description = description
        }
    }

    /// The data of an ``updateOrganisation(_:)`` command: each part left, set or reset.
    public struct OrganisationUpdate: Hashable, Sendable {
        /// The new display name, or `nil` to keep it.
        public var name: String?
        public var invitationLifetimeDays: SettingChange<Int>
        /// The raw domains, normalised when the command is decided.
        public var allowedEmailDomains: SettingChange<[String]>
        public var defaultLocale: SettingChange<LocaleTag>
        public var replyTo: SettingChange<EmailAddress>
        /// The raw origins, normalised when the command is decided.
        public var allowedRedirectOrigins: SettingChange<[String]>
        /// The raw logo URL, checked when the command is decided.
        public var logoURL: SettingChange<String>
        /// The raw accent colour, checked when the command is decided.
        public var accentColour: SettingChange<String>

        /// Creates an update; every part is left as it is unless given.
        public init(
            name: String? = nil,
            invitationLifetimeDays: SettingChange<Int> = .unchanged,
            allowedEmailDomains: SettingChange<[String]> = .unchanged,
            defaultLocale: SettingChange<LocaleTag> = .unchanged,
            replyTo: SettingChange<EmailAddress> = .unchanged,
            allowedRedirectOrigins: SettingChange<[String]> = .unchanged,
            logoURL: SettingChange<String> = .unchanged,
            accentColour: SettingChange<String> = .unchanged
        ) {
            self.replyTo = replyTo
            self.allowedRedirectOrigins = allowedRedirectOrigins
            self.logoURL = logoURL
            self.accentColour = accentColour
            self.name = name
            self.invitationLifetimeDays = invitationLifetimeDays
            self.allowedEmailDomains = allowedEmailDomains
            self.defaultLocale = defaultLocale
        }
    }
}
