/// One thing a person may or may not do on a tenant's case: a row of the access table, as an
/// app backend asks about it (`POST /v1/orgs/{org}/access/check`).
public enum AccessAction: UInt8, SpelledCase, CustomStringConvertible {
    case viewTenant
    case readSharedNotes
    case writeSharedNotes
    case readProfessionalNotes
    case writeProfessionalNotes
    case readGoals
    case writeGoals
    /// Read every session record of the case (staff and `full` collaborators).
    case readAllSessions
    /// Read one's own session records (what `context_only` collaborators have).
    case readOwnSessions
    case recordSession
    case readDocuments
    case writeDocuments
    case readContextSummary
    case writeContextSummary
    /// See the case's team, reference-only contacts included.
    case viewTeam
    case inviteCollaborators
    case endCollaborators
    case exportDigest

    /// The action as the API spells it.
    public var name: String {
        switch self {
        case .viewTenant: "view_tenant"
        case .readSharedNotes: "read_shared_notes"
        case .writeSharedNotes: "write_shared_notes"
        case .readProfessionalNotes: "read_professional_notes"
        case .writeProfessionalNotes: "write_professional_notes"
        case .readGoals: "read_goals"
        case .writeGoals: "write_goals"
        case .readAllSessions: "read_all_sessions"
        case .readOwnSessions: "read_own_sessions"
        case .recordSession: "record_session"
        case .readDocuments: "read_documents"
        case .writeDocuments: "write_documents"
        case .readContextSummary: "read_context_summary"
        case .writeContextSummary: "write_context_summary"
        case .viewTeam: "view_team"
        case .inviteCollaborators: "invite_collaborators"
        case .endCollaborators: "end_collaborators"
        case .exportDigest: "export_digest"
        }
    }

    public var description: String { name }

    /// What the workspace's own decision must hold for the action; empty for `view_tenant`,
    /// which asks only whether the person sees the case at all.
    public var needs: WorkspaceAccess {
        switch self {
        case .viewTenant: []
        case .readSharedNotes: .readSharedNotes
        case .writeSharedNotes: .writeSharedNotes
        case .readProfessionalNotes: .readProfessionalNotes
        case .writeProfessionalNotes: .writeProfessionalNotes
        case .readGoals: .readGoals
        case .writeGoals: .writeGoals
        case .readAllSessions: .readAllSessions
        case .readOwnSessions: .readOwnSessions
        case .recordSession: .recordSessions
        case .readDocuments: .readDocuments
        case .writeDocuments: .writeDocuments
        case .readContextSummary: .readContextSummary
        case .writeContextSummary: .writeContextSummary
        case .viewTeam: .viewTeam
        case .inviteCollaborators: .inviteCollaborators
        case .endCollaborators: .endCollaborators
        case .exportDigest: .exportDigest
        }
    }
}

/// The answer to "may this person do this on this case?", from the org's current state.
public struct AccessDecision: Hashable, Sendable {
    public var allowed: Bool
    public var reason: Reason
    /// The person's role in the org, when they are an active member (staff see every case).
    public var role: Role?
    /// The person's participation mode on the case, when they hold an assignment on it.
    public var mode: ParticipationMode?

    /// Why the answer is what it is.
    public enum Reason: UInt8, SpelledCase {
        /// Allowed by the person's role in the org.
        case role
        /// Allowed by the person's participation mode on the case.
        case mode
        /// A member, but their role does not carry the action.
        case roleDoesNotAllow
        /// An active collaborator, but their mode does not carry the action.
        case modeDoesNotAllow
        /// Assigned, but has not yet signed in through their link.
        case notYetActivated
        /// Their assignment on the case has ended.
        case assignmentEnded
        /// Neither a member of the org nor assigned to the case.
        case noAccess
        /// The org has no such tenant.
        case tenantNotFound

        /// The reason as the API spells it.
        public var name: String {
            switch self {
            case .role: "role"
            case .mode: "mode"
            case .roleDoesNotAllow: "role_does_not_allow"
            case .modeDoesNotAllow: "mode_does_not_allow"
            case .notYetActivated: "not_yet_activated"
            case .assignmentEnded: "assignment_ended"
            case .noAccess: "no_access"
            case .tenantNotFound: "tenant_not_found"
            }
        }
    }

    /// Creates a decision from all its fields.
    public init(allowed: Bool, reason: Reason, role: Role? = nil, mode: ParticipationMode? = nil) {
        self.allowed = allowed
        self.reason = reason
        self.role = role
        self.mode = mode
    }
}

/// One question of an access check: may `userID` do `action` on `tenantID`?
public struct AccessQuestion: Hashable, Sendable {
    public var userID: UserID
    public var tenantID: TenantID
    public var action: AccessAction

    /// Creates a question.
    public init(userID: UserID, tenantID: TenantID, action: AccessAction) {
        self.userID = userID
        self.tenantID = tenantID
        self.action = action
    }
}

/// A case a person may see in an org, and through what: their role (staff see every case)
/// or their participation mode.
public struct VisibleTenant: Hashable, Sendable {
    public var tenant: Tenant
    public var role: Role?
    public var mode: ParticipationMode?

    /// Creates an entry.
    public init(tenant: Tenant, role: Role?, mode: ParticipationMode?) {
        self.tenant = tenant
        self.role = role
        self.mode = mode
    }
}
