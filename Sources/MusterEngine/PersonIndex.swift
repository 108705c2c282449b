import Dispatch
import MusterDomain
import Synchronization

/// Each person's place across every org: their assignments (the caseload and the cap count)
/// and their memberships. Answers from its own indexes, without asking any org.
///
/// Org actors report every changed account collaborator row and membership. Merging keeps the
/// most advanced stage of a row (invited, activated, ended) and the membership of the latest
/// org version, so the index is right whatever order reports arrive in.
///
/// Changes are merged before their record is durable (so the very next request sees them), so
/// the index keeps, per person, the log position of the newest change merged: a read of a
/// person's caseload or memberships returns it, and the engine answers only once it is durable.
actor PersonIndex {
    /// Each person's assignment rows, one per collaborator row, in no order. A person has a
    /// handful: a short array costs less to build and to keep than a dictionary per person.
    private var assignments = PersonRows<FiledAssignment>()
    /// Each person's memberships, one per org, in no order.
    private var memberships = PersonRows<MembershipEntry>()
    /// The log position of the newest change merged for each person (absent: all durable).
    private var positions: [UserID: LogPosition] = [:]

    /// An empty index.
    init() {}

    /// The index of what recovery found, every entry durable: the account collaborator rows and
    /// memberships of `states`, read from the states themselves before any actor exists, so a
    /// start with many orgs hops to none of them. The orgs are split between the cores, each
    /// row reported once, so rows are filed without looking for an earlier report of the same.
    init(recovering states: [OrgState]) {
        let chunkSize = max(1, (states.count + 7) / 8)
        let chunks = stride(from: 0, to: states.count, by: chunkSize).map { $0..<min($0 + chunkSize, states.count) }
        let collected = Mutex([RecoveredRows](repeating: RecoveredRows(), count: chunks.count))
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            var rows = RecoveredRows()
            for number in chunks[chunk] { OrgActor.collectPersonRows(of: states[number], into: &rows) }
            collected.withLock { $0[chunk] = rows }
        }
        let batches = collected.withLock { $0 }
        assignments = PersonRows(filing: batches.map(\.assignments))
        memberships = PersonRows(filing: batches.map(\.memberships))
    }

    /// Rows recovery found, collected by one thread from the orgs it was given.
    struct RecoveredRows: Sendable {
        var assignments = PersonRows<FiledAssignment>.Batch()
        var memberships = PersonRows<MembershipEntry>.Batch()
    }

    /// Merges reported changes into the index; `position` is where their record sits in the log
    /// (`0` for what recovery found, durable already).
    func merge(_ changes: OrgActor.PersonChanges, position: LogPosition = 0) {
        if position > 0 {
            for change in changes.assignments { positions[change.userID] = max(positions[change.userID] ?? 0, position) }
            for change in changes.memberships { positions[change.userID] = max(positions[change.userID] ?? 0, position) }
        }
        for change in changes.assignments {
            let filed = FiledAssignment(change)
            assignments.modify(change.userID) { rows in
                Self.file(filed, into: &rows, sameRow: { $0.collaboratorID == filed.collaboratorID }, isOlder: { $0.stage <= filed.stage })
            }
        }
        for change in changes.memberships {
            memberships.modify(change.userID) { rows in
                Self.file(change, into: &rows, sameRow: { $0.orgID == change.orgID }, isOlder: { $0.orgVersion <= change.orgVersion })
            }
        }
    }

    /// Puts `entry` in a person's `rows` (changed in place): in the place of the row it reports
    /// on when `isOlder` says that one is not newer, or added when there is none.
    private static func file<Entry>(_ entry: Entry, into rows: inout [Entry], sameRow: (Entry) -> Bool, isOlder: (Entry) -> Bool) {
        if let index = rows.firstIndex(where: sameRow) {
            if isOlder(rows[index]) { rows[index] = entry }
        } else {
            rows.append(entry)
        }
    }

    /// How many distinct tenants the person is actively assigned to, across every org.
    func activeTenantCount(of userID: UserID) -> Int {
        guard let rows = assignments[userID] else { return 0 }
        var tenants = Set<TenantID>()
        for row in rows where row.isActive { tenants.insert(row.tenantID) }
        return tenants.count
    }

    /// The tenants the person sees now, oldest assignment first.
    func caseload(of userID: UserID) -> (entries: [CaseloadEntry], position: LogPosition) {
        let entries = (assignments[userID]?.filter(\.isVisible) ?? []).map { $0.entry(of: userID) }.sorted {
            ($0.since, $0.collaboratorID) < ($1.since, $1.collaboratorID)
        }
        return (entries, positions[userID] ?? 0)
    }

    /// The person's assignments in `orgID`, ended ones included, oldest first.
    func assignments(of userID: UserID, in orgID: OrganisationID) -> (entries: [CaseloadEntry], position: LogPosition) {
        let entries = (assignments[userID]?.filter { $0.orgID == orgID } ?? []).map { $0.entry(of: userID) }.sorted {
            ($0.since, $0.collaboratorID) < ($1.since, $1.collaboratorID)
        }
        return (entries, positions[userID] ?? 0)
    }

    /// Whether the person is an active member, or has an assignment that has not ended, in any
    /// org but `orgID`: whether their account reaches beyond that org.
    func belongsElsewhere(_ userID: UserID, than orgID: OrganisationID) -> Bool {
        if memberships[userID]?.contains(where: { $0.isActive && $0.orgID != orgID }) == true { return true }
        return assignments[userID]?.contains(where: { $0.isActive && $0.orgID != orgID }) == true
    }

    /// The person's active memberships, by org name.
    func memberships(of userID: UserID) -> (entries: [MembershipEntry], position: LogPosition) {
        let entries = (memberships[userID]?.filter(\.isActive) ?? []).sorted { ($0.orgName, $0.orgID) < ($1.orgName, $1.orgID) }
        return (entries, positions[userID] ?? 0)
    }
}

/// One membership of a person, as the person index keeps it.
public struct MembershipEntry: Hashable, Sendable {
    public var userID: UserID
    public var orgID: OrganisationID
    public var orgName: String
    public var role: Role
    public var permissions: PermissionSet
    public var isActive: Bool
    /// The org's version when this was read: later versions win.
    var orgVersion: UInt64
}
