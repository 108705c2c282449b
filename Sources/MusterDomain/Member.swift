/// A user's membership of an organisation: one role plus any single keys granted on top.
///
/// Removing a member keeps the row, marked with `removedAt`; a later invitation can make the
/// same user a member again, on the same row.
public struct Member: Hashable, Sendable {
    public var userID: UserID
    public var email: EmailAddress
    public var role: Role
    /// Keys granted to this member beyond their role (delegation).
    public var grants: PermissionSet
    public var joinedAt: Timestamp
    /// How the membership came about.
    public var joinedVia: JoinMethod
    public var removedAt: Timestamp?
    public var removedBy: Principal?

    /// Whether the membership is in force.
    public var isActive: Bool { removedAt == nil }

    /// Every key the member holds: the role's and the granted ones.
    public var permissions: PermissionSet { role.permissions.union(grants) }

    /// How a person became a member.
    public enum JoinMethod: UInt8, SpelledCase {
        case invitation
        case existingUser
        case temporaryPassword

        /// The method as the API spells it.
        public var name: String {
            switch self {
            case .invitation: "invitation"
            case .existingUser: "existing_user"
            case .temporaryPassword: "temporary_password"
            }
        }
    }

    /// Creates a row from all its fields.
    public init(
        userID: UserID,
        email: EmailAddress,
        role: Role,
        grants: PermissionSet,
        joinedAt: Timestamp,
        joinedVia: JoinMethod,
        removedAt: Timestamp? = nil,
        removedBy: Principal? = nil
    ) {
        self.userID = userID
        self.email = email
        self.role = role
        self.grants = grants
        self.joinedAt = joinedAt
        self.joinedVia = joinedVia
        self.removedAt = removedAt
        self.removedBy = removedBy
    }
}

/// An organisation's API key, for its own backend services. Only the digest of the secret is
/// kept; the secret is shown once, at creation.
public struct APIKey: Hashable, Sendable {
    public var id: APIKeyID
    public var name: String
    /// The role whose permissions the key carries.
    public var role: Role
    public var secretDigest: SecretDigest
    public var createdAt: Timestamp
    public var createdBy: Principal
    public var revokedAt: Timestamp?

    /// Whether requests may use the key.
    public var isActive: Bool { revokedAt == nil }

    /// Creates a row from all its fields.
    public init(
        id: APIKeyID,
        name: String,
        role: Role,
        secretDigest: SecretDigest,
        createdAt: Timestamp,
        createdBy: Principal,
        revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.secretDigest = secretDigest
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.revokedAt = revokedAt
    }
}
