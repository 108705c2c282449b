import MusterDomain
import MusterJSON

extension Wire {
    /// A membership: the person's role, the permissions granted on top of it and the ones they
    /// hold in all.
    static let member = WireShape<Member, Void>([
        .field("user_id", csv: true) { member, _ in member.userID },
        .field("email", csv: true) { member, _ in member.email },
        .field("role", csv: true) { member, _ in member.role },
        .list("grants", of: Permission.self, csv: true) { member, _ in member.grants.permissions.map(\.name) },
        .list("permissions", of: Permission.self) { member, _ in member.permissions.permissions.map(\.name) },
        .field("joined_at", csv: true) { member, _ in member.joinedAt },
        .field("joined_via", csv: true) { member, _ in member.joinedVia },
        .field("status", csv: true) { member, _ in member.isActive ? MemberFilter.Status.active : .removed },
        .field("removed_at", csv: true) { member, _ in member.removedAt },
        .field("removed_by") { member, _ in member.removedBy },
    ])

    /// What an API key is shown with beside the key itself.
    struct KeyShown: Sendable {
        var orgID: OrganisationID
        /// The secret, in the answer that created the key and never again.
        var secret: String?
        /// The key's last use to the minute, where the ledger of uses was read (the list);
        /// `.none` leaves the field out.
        var lastUsedAt: Timestamp??
    }

    /// An API key, never its secret but in the answer that created it.
    static let apiKey = WireShape<APIKey, KeyShown>([
        .field("id") { key, _ in key.id },
        .field("org_id") { _, shown in shown.orgID },
        .field("name") { key, _ in key.name },
        .field("role") { key, _ in key.role },
        .field("created_at") { key, _ in key.createdAt },
        .field("created_by") { key, _ in key.createdBy },
        .field("revoked_at") { key, _ in key.revokedAt },
        .custom("last_used_at", .nullable(.dateTime), presence: .sometimes) { object, _, shown in
            if case .some(let lastUsedAt) = shown.lastUsedAt { object.field("last_used_at", lastUsedAt) }
        },
        .custom("secret", .string, presence: .sometimes) { object, _, shown in
            if let secret = shown.secret { object.field("secret", secret) }
        },
    ])

    /// A person's account, global across orgs.
    static let user = WireShape<User, Void>([
        .field("id") { user, _ in user.id },
        .field("email") { user, _ in user.email },
        .field("full_name") { user, _ in user.fullName },
        .field("created_at") { user, _ in user.createdAt },
        .field("origin") { user, _ in user.origin },
        .field("must_change_password") { user, _ in user.mustChangePassword },
        .field("last_sign_in_at") { user, _ in user.lastSignInAt },
        .custom("identity_organisation", .nullable(.object([("id", .uuid), ("name", .string)], required: ["id", "name"]))) { object, user, _ in
            if let identity = user.identityOrganisation {
                object.object("identity_organisation") { org in
                    org.field("id", identity.id)
                    org.field("name", identity.name)
                }
            } else {
                object.field("identity_organisation", String?.none)
            }
        },
    ])
}
