/// A role in an organisation, from the server's role catalog.
///
/// Only *assignable* roles can be given through invitations, direct creation or a role change.
/// Legacy roles survive on old data (and keep their permissions there) but are refused for
/// every new assignment.
public enum Role: UInt8, SpelledCase, CustomStringConvertible {
    case orgAdmin
    case siteAdmin
    case caseworker
    case viewer
    /// Legacy module role kept for old data; never offered.
    case hrAdmin
    /// Legacy module role kept for old data; never offered.
    case fmTechnician

    /// The role as the API spells it, for example `org_admin`.
    public var name: String {
        switch self {
        case .orgAdmin: "org_admin"
        case .siteAdmin: "site_admin"
        case .caseworker: "caseworker"
        case .viewer: "viewer"
        case .hrAdmin: "hr_admin"
        case .fmTechnician: "fm_technician"
        }
    }

    /// The roles that the add-people flows offer and accept.
    public static let assignable: [Role] = [.orgAdmin, .siteAdmin, .caseworker, .viewer]

    /// The roles a request may name: the assignable ones. The legacy roles still read on old
    /// data, but are never offered or named as a choice.
    public static var choices: [Role] { assignable }

    /// Whether this role may be given in a new assignment.
    public var isAssignable: Bool { Role.assignable.contains(self) }

    /// The permission keys the role carries.
    ///
    /// Org admins hold every key. Site admins run people and cases at their site but do not
    /// manage roles or passwords. Caseworkers work cases, including professional notes.
    /// Viewers read the non-professional workspace and change nothing.
    public var permissions: PermissionSet {
        switch self {
        case .orgAdmin:
            .all
        case .siteAdmin:
            [
                PermissionSet(.usersView), PermissionSet(.usersInvite), PermissionSet(.collaboratorsInvite),
                PermissionSet(.collaboratorsEnd), PermissionSet(.workspaceProfessional),
            ]
        case .caseworker:
            [PermissionSet(.collaboratorsInvite), PermissionSet(.collaboratorsEnd), PermissionSet(.workspaceProfessional)]
        case .viewer:
            []
        case .hrAdmin:
            PermissionSet(.usersView)
        case .fmTechnician:
            []
        }
    }

    /// What the role is for, in a sentence, for the role catalog.
    public var summary: String {
        switch self {
        case .orgAdmin: "Runs the organisation: people, roles, keys, integrations and every case."
        case .siteAdmin: "Runs people and cases at a site: invites, collaborators, professional notes; no roles or passwords."
        case .caseworker: "Works cases: the whole workspace with professional notes, and the case's collaborators."
        case .viewer: "Reads the cases' non-professional workspace and changes nothing."
        case .hrAdmin: "Legacy: sees the member list."
        case .fmTechnician: "Legacy: no permissions."
        }
    }

    /// Whether members in this role write to the workspace of the org's tenants.
    public var writesWorkspace: Bool {
        switch self {
        case .orgAdmin, .siteAdmin, .caseworker, .hrAdmin: true
        case .viewer, .fmTechnician: false
        }
    }

    public var description: String { name }
}
