/// A permission key: one capability that a role carries or an org admin grants on its own.
public enum Permission: UInt8, SpelledCase, CustomStringConvertible {
    case usersView
    case usersInvite
    case usersCreateDirect
    case usersRevoke
    case usersResend
    case usersManageRoles
    case usersResetPassword
    case collaboratorsInvite
    case collaboratorsEnd
    case workspaceProfessional

    /// The key as the API and the audit trail spell it, for example `users.invite`.
    public var key: String {
        switch self {
        case .usersView: "users.view"
        case .usersInvite: "users.invite"
        case .usersCreateDirect: "users.create_direct"
        case .usersRevoke: "users.revoke"
        case .usersResend: "users.resend"
        case .usersManageRoles: "users.manage_roles"
        case .usersResetPassword: "users.reset_password"
        case .collaboratorsInvite: "collaborators.invite"
        case .collaboratorsEnd: "collaborators.end"
        case .workspaceProfessional: "workspace.professional"
        }
    }

    public var name: String { key }

    public var description: String { key }
}

/// A set of permission keys, one bit each.
public struct PermissionSet: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The set holding exactly `permission`.
    public init(_ permission: Permission) {
        self.rawValue = 1 << permission.rawValue
    }

    /// The set holding each of `permissions`.
    public init(_ permissions: some Sequence<Permission>) {
        self = permissions.reduce(into: PermissionSet()) { $0.insert(PermissionSet($1)) }
    }

    /// Every key there is.
    public static let all = PermissionSet(Permission.allCases)

    /// Whether the set holds `permission`.
    @inlinable
    public func contains(_ permission: Permission) -> Bool {
        rawValue & (1 << permission.rawValue) != 0
    }

    /// The keys in the set, in catalog order.
    public var permissions: [Permission] {
        Permission.allCases.filter { contains($0) }
    }
}
