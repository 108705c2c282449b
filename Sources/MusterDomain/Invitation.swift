/// An offer, sent by email as a magic link, to become a member of an org with a role.
///
/// Invitations are never deleted: the row keeps every audit field of its lifecycle.
public struct Invitation: Hashable, Sendable {
    public var id: InvitationID
    public var orgID: OrganisationID
    public var email: EmailAddress
    public var role: Role
    public var method: Method
    /// The stored status. A `pending` row past `expiresAt` is *effectively* expired before the
    /// sweep records it: see ``effectiveStatus(at:)``.
    public var status: Status
    public var invitedBy: Principal
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var acceptedAt: Timestamp?
    public var acceptedBy: UserID?
    public var revokedAt: Timestamp?
    public var revokedBy: Principal?
    public var revokedReason: String?
    public var expiredAt: Timestamp?
    public var resentAt: Timestamp?
    public var resendCount: Int
    /// The send times of the resends inside the rolling rate-limit window, oldest first.
    public var recentResends: [Timestamp]
    /// How the one link that may accept this invitation now is recognised; `nil` once it is
    /// no longer pending.
    public var link: LinkCheck?
    /// The language of its emails, when the inviter chose one; otherwise the org's.
    public var locale: LocaleTag?
    /// The expired or revoked invitation this one invites again, if it was made that way.
    public var reinviteOf: InvitationID?
    /// Where the link page sends the invitee after they accept, if anywhere.
    public var redirect: RedirectURL?

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
        link: LinkCheck? = nil
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
        self.acceptedAt = acceptedAt
        self.acceptedBy = acceptedBy
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
        self.revokedReason = revokedReason
        self.expiredAt = expiredAt
        self.resentAt = resentAt
        self.resendCount = resendCount
        self.recentResends = recentResends
        self.link = link
    }
}
