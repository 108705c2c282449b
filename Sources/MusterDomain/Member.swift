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
}
