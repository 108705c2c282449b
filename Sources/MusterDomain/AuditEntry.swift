/// One line of an org's audit trail: who did what to which record, and when.
///
/// The trail is appended to by ``OrgState/apply(_:)`` for every event, is listed newest first,
/// and is never deleted or rewritten. A line is compact — the target is kept as its 128-bit id
/// and `details` only where the target record does not already say it (a role change, a cap
/// override) — because an org keeps one line per event for ever.
public struct AuditEntry: Hashable, Sendable {
    /// The position of the event in the org's stream, from 1.
    public var sequence: UInt64
    public var at: Timestamp
    public var actor: Principal
    /// What happened, as an event type such as `user.invited`.
    public var action: OrgEvent.Kind
    /// The record acted on (an invitation, a user, a collaborator, a tenant…).
    public var targetID: TargetID
    /// What the target record cannot tell later, such as the role before a change.
    public var details: String?

    /// Creates a line.
    public init<Target>(sequence: UInt64, at: Timestamp, actor: Principal, action: OrgEvent.Kind, target: Identifier<Target>, details: String? = nil)
    {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.targetID = Identifier(high: target.high, low: target.low)
        self.details = details
    }

    /// The type of id that names an audit target of any kind.
    public typealias TargetID = Identifier<AuditEntry>

    /// The target's id as text.
    public var target: String { targetID.description }
}
