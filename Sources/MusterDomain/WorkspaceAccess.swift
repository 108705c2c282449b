/// What one person may read and write in one tenant's workspace, decided from the current
/// state by ``OrgState/workspaceAccess(of:tenant:)``.
public struct WorkspaceAccess: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let readSharedNotes = WorkspaceAccess(rawValue: 1 << 0)
    public static let writeSharedNotes = WorkspaceAccess(rawValue: 1 << 1)
    public static let readProfessionalNotes = WorkspaceAccess(rawValue: 1 << 2)
    public static let writeProfessionalNotes = WorkspaceAccess(rawValue: 1 << 3)
    public static let readGoals = WorkspaceAccess(rawValue: 1 << 4)
    public static let writeGoals = WorkspaceAccess(rawValue: 1 << 5)
    /// Read every session record (staff and `full`); `context_only` read only their own.
    public static let readAllSessions = WorkspaceAccess(rawValue: 1 << 6)
    public static let readOwnSessions = WorkspaceAccess(rawValue: 1 << 7)
    public static let recordSessions = WorkspaceAccess(rawValue: 1 << 8)
    public static let readDocuments = WorkspaceAccess(rawValue: 1 << 9)
    public static let writeDocuments = WorkspaceAccess(rawValue: 1 << 10)
    public static let readContextSummary = WorkspaceAccess(rawValue: 1 << 11)
    public static let writeContextSummary = WorkspaceAccess(rawValue: 1 << 12)
    /// See the tenant's team, reference-only contacts included (staff only).
    public static let viewTeam = WorkspaceAccess(rawValue: 1 << 13)
    public static let inviteCollaborators = WorkspaceAccess(rawValue: 1 << 14)
    public static let endCollaborators = WorkspaceAccess(rawValue: 1 << 15)
    /// Export the tenant's digest (staff only).
    public static let exportDigest = WorkspaceAccess(rawValue: 1 << 16)

    /// Everything a `full` collaborator may do: the whole workspace but professional notes.
    public static let fullCollaborator: WorkspaceAccess = [
        .readSharedNotes, .writeSharedNotes, .readGoals, .writeGoals, .readAllSessions, .readOwnSessions,
        .recordSessions, .readDocuments, .writeDocuments, .readContextSummary, .writeContextSummary,
    ]

    /// Everything a `context_only` collaborator may do: read goals, shared notes and the
    /// summary, and record (and read) their own sessions.
    public static let contextOnlyCollaborator: WorkspaceAccess = [
        .readSharedNotes, .readGoals, .readContextSummary, .readOwnSessions, .recordSessions,
    ]

    /// What staff who only read (viewers) may do.
    public static let staffReader: WorkspaceAccess = [
        .readSharedNotes, .readGoals, .readAllSessions, .readOwnSessions, .readDocuments, .readContextSummary,
        .viewTeam, .exportDigest,
    ]

    /// What staff who write may do, professional notes aside.
    public static let staffWriter: WorkspaceAccess = staffReader.union(fullCollaborator)

    /// Whether the person may see the tenant at all.
    public var seesTenant: Bool { !isEmpty }
}
