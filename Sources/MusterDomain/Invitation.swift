/// An offer, sent by email as a magic link, to become a member of an org with a role.
///
/// Invitations are never deleted: the row keeps every audit field of its lifecycle.
public struct Invitation: Hashable, Sendable {
    // The stored fields are in the order that packs them tightest: the one-byte ones in the
    // padding after `link`. 136 bytes a row.
    public var id: InvitationID
    public var orgID: OrganisationID
    public var email: EmailAddress
    public var invitedBy: Principal
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var resendCount: Int
    /// How the invitation ended, behind one pointer while it is pending (see ``Sparse``).
    private var outcome = Sparse<Outcome>()
    /// The fields most rows never set (resends, language, redirect), behind another.
    private var rare = Sparse<RareFields>()
    /// How the one link that may accept this invitation now is recognised; `nil` once it is
    /// no longer pending.
    public var link: LinkCheck?
    public var role: Role
    public var method: Method
    /// The stored status. A `pending` row past `expiresAt` is *effectively* expired before the
    /// sweep records it: see ``effectiveStatus(at:)``.
    public var status: Status

    /// The fields of ``outcome``. Apart from the others, and its times packed: most invitations
    /// end (a large folder's were 400,000 of a million), and a box of the outcome alone is
    /// 112 bytes where one of every rare field was 240.
    struct Outcome: SparseFields {
        @PackedTimestamp var acceptedAt: Timestamp? = nil
        var acceptedBy: UserID?
        @PackedTimestamp var revokedAt: Timestamp? = nil
        var revokedBy: Principal?
        var revokedReason: String?
        @PackedTimestamp var expiredAt: Timestamp? = nil
    }

    /// The fields of ``rare``.
    struct RareFields: SparseFields {
        @PackedTimestamp var resentAt: Timestamp? = nil
        var recentResends: [Timestamp] = []
        var locale: LocaleTag?
        var reinviteOf: InvitationID?
        var redirect: RedirectURL?
    }

    public var acceptedAt: Timestamp? {
        get { outcome.fields.acceptedAt }
        set { outcome.fields.acceptedAt = newValue }
    }
    public var acceptedBy: UserID? {
        get { outcome.fields.acceptedBy }
        set { outcome.fields.acceptedBy = newValue }
    }
    public var revokedAt: Timestamp? {
        get { outcome.fields.revokedAt }
        set { outcome.fields.revokedAt = newValue }
    }
    public var revokedBy: Principal? {
        get { outcome.fields.revokedBy }
        set { outcome.fields.revokedBy = newValue }
    }
    public var revokedReason: String? {
        get { outcome.fields.revokedReason }
        set { outcome.fields.revokedReason = newValue }
    }
    public var expiredAt: Timestamp? {
        get { outcome.fields.expiredAt }
        set { outcome.fields.expiredAt = newValue }
    }
    public var resentAt: Timestamp? {
        get { rare.fields.resentAt }
        set { rare.fields.resentAt = newValue }
    }
    /// The send times of the resends inside the rolling rate-limit window, oldest first.
    public var recentResends: [Timestamp] {
        get { rare.fields.recentResends }
        set { rare.fields.recentResends = newValue }
    }
    /// The language of its emails, when the inviter chose one; otherwise the org's.
    public var locale: LocaleTag? {
        get { rare.fields.locale }
        set { rare.fields.locale = newValue }
    }
    /// The expired or revoked invitation this one invites again, if it was made that way.
    public var reinviteOf: InvitationID? {
        get { rare.fields.reinviteOf }
        set { rare.fields.reinviteOf = newValue }
    }
    /// Where the link page sends the invitee after they accept, if anywhere.
    public var redirect: RedirectURL? {
        get { rare.fields.redirect }
        set { rare.fields.redirect = newValue }
    }

    /// How the invitee was invited.
    public enum Method: UInt8, SpelledCase {
        /// Invited by email; the user is created on acceptance when the email is new.
        case email
        /// An existing user, given access at first sign-in through the link.
        case existingUser

        /// The method as the API spells it.
        public var name: String {
            switch self {
            case .email: "email"
            case .existingUser: "existing_user"
            }
        }
    }

    /// The lifecycle status: `pending` moves once, to one of the other three.
    public enum Status: UInt8, SpelledCase {
        case pending
        case accepted
        case expired
        case revoked

        /// The status as the API spells it.
        public var name: String {
            switch self {
            case .pending: "pending"
            case .accepted: "accepted"
            case .expired: "expired"
            case .revoked: "revoked"
            }
        }
    }

    /// The status as of `now`: a pending invitation whose `expiresAt` has passed is expired,
    /// whether or not the sweep has recorded it yet.
    public func effectiveStatus(at now: Timestamp) -> Status {
        status == .pending && now >= expiresAt ? .expired : status
    }

    /// Creates a row from all its fields.
    public init(
        id: InvitationID,
        orgID: OrganisationID,
        email: EmailAddress,
        role: Role,
        method: Method,
        status: Status,
        invitedBy: Principal,
        createdAt: Timestamp,
        expiresAt: Timestamp,
        acceptedAt: Timestamp? = nil,
        acceptedBy: UserID? = nil,
        revokedAt: Timestamp? = nil,
        revokedBy: Principal? = nil,
        revokedReason: String? = nil,
        expiredAt: Timestamp? = nil,
        resentAt: Timestamp? = nil,
        resendCount: Int,
        recentResends: [Timestamp],
        link: LinkCheck? = nil,
        locale: LocaleTag? = nil,
        reinviteOf: InvitationID? = nil,
        redirect: RedirectURL? = nil
    ) {
        self.id = id
        self.orgID = orgID
        self.email = email
        self.role = role
        self.method = method
        self.status = status
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.resendCount = resendCount
        self.link = link
        outcome.fields = Outcome(
            acceptedAt: acceptedAt,
            acceptedBy: acceptedBy,
            revokedAt: revokedAt,
            revokedBy: revokedBy,
            revokedReason: revokedReason,
            expiredAt: expiredAt
        )
        rare.fields = RareFields(
            resentAt: resentAt,
            recentResends: recentResends,
            locale: locale,
            reinviteOf: reinviteOf,
            redirect: redirect
        )
    }
}
