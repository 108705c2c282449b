/// One line of an org's audit trail: who did what to which record, and when.
///
/// The trail is appended to by ``OrgState/apply(_:)`` for every event, is listed newest first,
/// and is never deleted or rewritten.
public struct AuditEntry: Hashable, Sendable {
    /// The position of the event in the org's stream, from 1.
    public var sequence: UInt64
    public var at: Timestamp
    public var actor: Principal
    /// What happened, as an event type such as `user.invited`.
    public var action: OrgEvent.Kind
    /// The record acted on (an invitation, a user, a collaborator…), as its id text.
    public var target: String
    /// A short account of the change, such as the new role or the revoke reason.
    public var details: String?

    /// Creates a row from all its fields.
    public init(sequence: UInt64, at: Timestamp, actor: Principal, action: OrgEvent.Kind, target: String, details: String? = nil) {
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }
}
