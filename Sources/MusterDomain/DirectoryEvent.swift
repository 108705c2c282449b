/// A fact about the global directory of users, sessions and sign-in links.
public enum DirectoryEvent: Hashable, Sendable {
    case userCreated(
        id: UserID,
        email: EmailAddress,
        fullName: String?,
        origin: User.Origin,
        createdFor: OrganisationID?,
        passwordHash: String?,
        identityOrganisation: IdentityOrganisation?
    )
    case passwordSet(userID: UserID, passwordHash: String, mustChange: Bool)
    case sessionStarted(digest: SecretDigest, userID: UserID, expiresAt: Timestamp, method: SignInMethod)
    case sessionEnded(digest: SecretDigest)
    /// Every session of the user ended (password reset, removal by an admin).
    case userSessionsEnded(userID: UserID)
    case signInLinkIssued(id: SignInLinkID, userID: UserID, seal: LinkSeal, expiresAt: Timestamp)
    case signInLinkUsed(id: SignInLinkID)
    /// Every session and sign-in link that expired at or before `cutoff` was removed.
    case expiredRemoved(cutoff: Timestamp)

    /// The event type as consumers see it.
    public var name: String {
        switch self {
        case .userCreated: "user.created"
        case .passwordSet: "user.password_set"
        case .sessionStarted: "session.started"
        case .sessionEnded: "session.ended"
        case .userSessionsEnded: "session.all_ended"
        case .signInLinkIssued: "sign_in_link.issued"
        case .signInLinkUsed: "sign_in_link.used"
        case .expiredRemoved: "directory.expired_removed"
        }
    }
}

/// One directory event as it is logged.
public struct DirectoryEventRecord: Hashable, Sendable {
    /// The event's position in the directory's stream, from 1, without gaps.
    public var sequence: UInt64
    public var at: Timestamp
    public var actor: Principal
    public var event: DirectoryEvent

    /// Creates a record.
    public init(sequence: UInt64, at: Timestamp, actor: Principal, event: DirectoryEvent) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.event = event
    }
}

/// A request to change the directory.
public enum DirectoryCommand: Hashable, Sendable {
    /// Creates a user; refused with `user_exists` (naming the user) when the email has one.
    case createUser(
        id: UserID,
        email: EmailAddress,
        fullName: String?,
        origin: User.Origin,
        createdFor: OrganisationID?,
        passwordHash: String?,
        identityOrganisation: IdentityOrganisation?
    )
    /// Stores a new password hash and ends every session of the user, in one record: no
    /// session started under the old password outlives it. `mustChange` for a temporary one
    /// set by an admin.
    case setPassword(userID: UserID, passwordHash: String, mustChange: Bool)
    case startSession(digest: SecretDigest, userID: UserID, method: SignInMethod)
    case endSession(digest: SecretDigest)
    case issueSignInLink(id: SignInLinkID, userID: UserID, seal: LinkSeal)
    /// Uses a sign-in link once and starts a session with `sessionDigest`.
    case useSignInLink(id: SignInLinkID, link: LinkProof, sessionDigest: SecretDigest)
    /// Removes the sessions and sign-in links that have expired by now (the sweep).
    case removeExpired
}
