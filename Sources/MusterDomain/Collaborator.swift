/// A link between one tenant and one outside person, in one participation mode.
///
/// Rows are never changed in place except to activate, end, or edit a reference-only contact
/// card; a wrong mode is fixed by ending the row and inviting again.
public struct Collaborator: Hashable, Sendable {
    // The stored fields are in the order that packs them tightest (8-byte fields first, the
    // one-byte ones in the padding after `userID`), and the optional times are packed: 176
    // bytes a row instead of 216.
    public var id: CollaboratorID
    public var tenantID: TenantID
    public var email: EmailAddress?
    public var fullName: String?
    public var invitedBy: Principal
    public var invitedAt: Timestamp
    /// When the person first signed in through their link; they see the tenant from then on.
    @PackedTimestamp public var activatedAt: Timestamp?
    @PackedTimestamp public var endedAt: Timestamp?
    /// Until when the activation link may be used.
    @PackedTimestamp public var linkExpiresAt: Timestamp?
    /// The fields most rows never set, behind one pointer (see ``Sparse``).
    private var rare = Sparse<RareFields>()
    /// The person's account, for `full` and `context_only`; `nil` for reference-only contacts.
    public var userID: UserID?
    public var mode: ParticipationMode
    /// Whether the inviter overrode the caseload cap (recorded for the audit trail).
    public var capOverridden: Bool
    /// How the magic link that activates the row is recognised; `nil` once used or ended.
    public var link: LinkCheck?

    /// The fields of ``rare``.
    struct RareFields: SparseFields {
        var contact: ContactCard?
        var endedBy: Principal?
        var redirect: RedirectURL?
    }

    /// The contact card, for `reference_only`.
    public var contact: ContactCard? {
        get { rare.fields.contact }
        set { rare.fields.contact = newValue }
    }
    public var endedBy: Principal? {
        get { rare.fields.endedBy }
        set { rare.fields.endedBy = newValue }
    }
    /// Where their link's page sends them after they first sign in, if the inviter chose.
    public var redirect: RedirectURL? {
        get { rare.fields.redirect }
        set { rare.fields.redirect = newValue }
    }

    /// Whether the assignment is in force (not ended).
    public var isActive: Bool { endedAt == nil }

    /// Whether the person sees the tenant now: an account mode, signed in once, not ended.
    public var grantsAccess: Bool { isActive && activatedAt != nil && mode != .referenceOnly }

    /// Creates a row from all its fields.
    public init(
        id: CollaboratorID,
        tenantID: TenantID,
        mode: ParticipationMode,
        userID: UserID? = nil,
        email: EmailAddress? = nil,
        fullName: String? = nil,
        contact: ContactCard? = nil,
        invitedBy: Principal,
        invitedAt: Timestamp,
        capOverridden: Bool,
        activatedAt: Timestamp? = nil,
        endedAt: Timestamp? = nil,
        endedBy: Principal? = nil,
        link: LinkCheck? = nil,
        linkExpiresAt: Timestamp? = nil,
        redirect: RedirectURL? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.mode = mode
        self.userID = userID
        self.email = email
        self.fullName = fullName
        self.invitedBy = invitedBy
        self.invitedAt = invitedAt
        self.capOverridden = capOverridden
        self.link = link
        self.activatedAt = activatedAt
        self.endedAt = endedAt
        self.linkExpiresAt = linkExpiresAt
        rare.fields = RareFields(contact: contact, endedBy: endedBy, redirect: redirect)
    }
}

/// How a collaborator takes part in a tenant's case.
public enum ParticipationMode: UInt8, SpelledCase, CustomStringConvertible {
    /// Support workers actively case-working the tenant: read and write the workspace.
    case full
    /// Housing officers and supervisors: read goals, shared notes and the context summary;
    /// record their own sessions.
    case contextOnly
    /// Outside contacts with no account: a contact card, visible to the org's staff only.
    case referenceOnly

    /// The mode as the API spells it.
    public var name: String {
        switch self {
        case .full: "full"
        case .contextOnly: "context_only"
        case .referenceOnly: "reference_only"
        }
    }

    public var description: String { name }
}

/// A reference-only contact: somebody recorded on the case who gets no account and no email.
public struct ContactCard: Hashable, Sendable {
    public var name: String
    public var email: EmailAddress?
    public var phone: String?
    public var organisationName: String?
    public var roleLabel: String?

    /// Creates a card; ``OrgState`` validates it when a command carries it.
    public init(name: String, email: EmailAddress? = nil, phone: String? = nil, organisationName: String? = nil, roleLabel: String? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
        self.organisationName = organisationName
        self.roleLabel = roleLabel
    }
}
