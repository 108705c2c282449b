import MusterDomain

/// An assignment as the person index files it: a ``CaseloadEntry`` without the id of the
/// person it is filed under, which is the key. 112 bytes where the entry is 128, for a million
/// rows on a large folder.
struct FiledAssignment: Hashable, Sendable {
    var collaboratorID: CollaboratorID
    var orgID: OrganisationID
    var orgName: String
    var tenantID: TenantID
    var tenantName: String
    var since: Timestamp
    @PackedTimestamp var activatedAt: Timestamp?
    @PackedTimestamp var endedAt: Timestamp?
    var mode: ParticipationMode

    /// The entry's fields but the person's.
    init(_ entry: CaseloadEntry) {
        collaboratorID = entry.collaboratorID
        orgID = entry.orgID
        orgName = entry.orgName
        tenantID = entry.tenantID
        tenantName = entry.tenantName
        since = entry.since
        activatedAt = entry.activatedAt
        endedAt = entry.endedAt
        mode = entry.mode
    }

    /// The entry, filed under `userID`.
    func entry(of userID: UserID) -> CaseloadEntry {
        CaseloadEntry(
            collaboratorID: collaboratorID,
            userID: userID,
            orgID: orgID,
            orgName: orgName,
            tenantID: tenantID,
            tenantName: tenantName,
            since: since,
            activatedAt: activatedAt,
            endedAt: endedAt,
            mode: mode
        )
    }

    /// How far the row has come; later stages win when updates arrive out of order.
    var stage: Int { endedAt != nil ? 2 : activatedAt != nil ? 1 : 0 }

    /// Whether the assignment counts towards the caseload cap (not ended).
    var isActive: Bool { endedAt == nil }

    /// Whether the person sees the tenant in their caseload (signed in once, not ended).
    var isVisible: Bool { endedAt == nil && activatedAt != nil }
}
