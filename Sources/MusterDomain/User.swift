/// One sign-in identity, global across organisations, keyed by normalised email.
public struct User: Hashable, Sendable {
    public var id: UserID
    public var email: EmailAddress
    public var fullName: String?
    public var createdAt: Timestamp
    /// The org whose action created the user.
    public var createdFor: OrganisationID?
    public var origin: Origin
    /// A slow salted hash in the PHC string form, for the legacy password sign-in; `nil` for
    /// people who only use magic links.
    public var passwordHash: String?
    /// Whether the password is a temporary one that must be changed at the next sign-in.
    public var mustChangePassword: Bool
    /// The lightweight support-provider organisation that is the identity container of a
    /// collaborator created for a tenant's case.
    public var identityOrganisation: IdentityOrganisation?
    public var lastSignInAt: Timestamp?

    /// What created the user.
    public enum Origin: UInt8, SpelledCase {
        case invitation
        case collaborator
        case temporaryPassword

        /// The origin as the API spells it.
        public var name: String {
            switch self {
            case .invitation: "invitation"
            case .collaborator: "collaborator"
            case .temporaryPassword: "temporary_password"
            }
        }
    }

    /// Creates a row from all its fields.
    public init(
        id: UserID,
        email: EmailAddress,
        fullName: String? = nil,
        createdAt: Timestamp,
        createdFor: OrganisationID? = nil,
        origin: Origin,
        passwordHash: String? = nil,
        mustChangePassword: Bool,
        identityOrganisation: IdentityOrganisation? = nil,
        lastSignInAt: Timestamp? = nil
    ) {
        self.id = id
        self.email = email
        self.fullName = fullName
        self.createdAt = createdAt
        self.createdFor = createdFor
        self.origin = origin
        self.passwordHash = passwordHash
        self.mustChangePassword = mustChangePassword
        self.identityOrganisation = identityOrganisation
        self.lastSignInAt = lastSignInAt
    }
}

/// The support-provider organisation created as a collaborator's identity container.
public struct IdentityOrganisation: Hashable, Sendable {
    public var id: OrganisationID
    public var name: String

    /// Creates an identity organisation.
    public init(id: OrganisationID, name: String) {
        self.id = id
        self.name = name
    }
}

/// A signed-in session: a bearer token (only its digest kept) that expires and can be revoked.
public struct Session: Hashable, Sendable {
    public var userID: UserID
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var method: SignInMethod

    /// Creates a row from all its fields.
    public init(userID: UserID, createdAt: Timestamp, expiresAt: Timestamp, method: SignInMethod) {
        self.userID = userID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.method = method
    }
}

/// How a session was obtained.
public enum SignInMethod: UInt8, SpelledCase {
    case invitationLink
    case collaboratorLink
    case signInLink
    case password

    /// The method as the API spells it.
    public var name: String {
        switch self {
        case .invitationLink: "invitation_link"
        case .collaboratorLink: "collaborator_link"
        case .signInLink: "sign_in_link"
        case .password: "password"
        }
    }
}

/// A single-use magic link to sign in as an existing user.
public struct SignInLink: Hashable, Sendable {
    public var id: SignInLinkID
    public var userID: UserID
    /// How the link is recognised.
    public var link: LinkCheck
    public var expiresAt: Timestamp

    /// Creates a row from all its fields.
    public init(id: SignInLinkID, userID: UserID, link: LinkCheck, expiresAt: Timestamp) {
        self.id = id
        self.userID = userID
        self.link = link
        self.expiresAt = expiresAt
    }
}
