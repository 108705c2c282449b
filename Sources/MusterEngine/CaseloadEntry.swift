import MusterDomain

/// One assignment of a person to a tenant, as the caseload index keeps it.
public struct CaseloadEntry: Hashable, Sendable {
    public var collaboratorID: CollaboratorID
    public var userID: UserID
    public var orgID: OrganisationID
    public var orgName: String
    public var tenantID: TenantID
    public var tenantName: String
    /// When the person was assigned.
    public var since: Timestamp
    // Packed, and `mode` last: 128 bytes an entry instead of 144, a million of them.
    @PackedTimestamp public var activatedAt: Timestamp?
    @PackedTimestamp public var endedAt: Timestamp?
    public var mode: ParticipationMode

    /// How far the row has come; later stages win when updates arrive out of order.
    var stage: Int { endedAt != nil ? 2 : activatedAt != nil ? 1 : 0 }

    /// Whether the assignment counts towards the caseload cap (not ended).
    public var isActive: Bool { endedAt == nil }

    /// Whether the person sees the tenant in their caseload (signed in once, not ended).
    public var isVisible: Bool { endedAt == nil && activatedAt != nil }
}
