/// One event of an org's feed, as consumers and webhooks receive it: the audit line (position,
/// time, actor, type) with the facts of the event.
///
/// Feed events are *thin*: `data` carries the ids of what changed and the facts about it that
/// never change later (an invitation's email and role, a role change's before and after). A
/// consumer that needs a record's current state reads the record; it never sees secrets
/// (link digests, key digests) or the text of a tenant's workspace.
public struct FeedEvent: Hashable, Sendable {
    public var sequence: UInt64
    public var at: Timestamp
    public var actor: Principal
    public var kind: OrgEvent.Kind
    public var data: EventData

    /// Creates an event of the feed.
    public init(sequence: UInt64, at: Timestamp, actor: Principal, kind: OrgEvent.Kind, data: EventData) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.kind = kind
        self.data = data
    }
}

/// The facts of one feed event; each field is set only for the event types it belongs to.
public struct EventData: Hashable, Sendable {
    public var invitationID: InvitationID?
    public var userID: UserID?
    public var email: EmailAddress?
    public var role: Role?
    /// The role before a `member.role_changed`.
    public var previousRole: Role?
    public var method: Invitation.Method?
    /// A revocation's reason.
    public var reason: String?
    public var apiKeyID: APIKeyID?
    /// The name of the org, tenant or API key the event created.
    public var name: String?
    public var tenantID: TenantID?
    public var collaboratorID: CollaboratorID?
    public var mode: ParticipationMode?
    public var capOverridden: Bool?
    /// A workspace item (note, goal, session, document).
    public var itemID: WorkspaceItemID?
    public var webhookID: WebhookID?
    /// A webhook's endpoint.
    public var url: String?

    /// No facts.
    public init() {}
}

/// A page of the feed: events oldest first and the cursor to continue from.
public struct FeedPage: Hashable, Sendable {
    public var events: [FeedEvent]
    /// The sequence of the last event examined: pass it as `after` for the next page. It moves
    /// past events a type filter skipped, so a filtered reader never rescans them.
    public var cursor: UInt64
    /// Whether events exist after `cursor`.
    public var hasMore: Bool

    /// Creates a page.
    public init(events: [FeedEvent], cursor: UInt64, hasMore: Bool) {
        self.events = events
        self.cursor = cursor
        self.hasMore = hasMore
    }
}
