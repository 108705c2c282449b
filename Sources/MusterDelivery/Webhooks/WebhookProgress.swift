import MusterDomain
import MusterEngine

/// How far delivery to one webhook has got: the delivering service's own bookkeeping, journaled
/// so a restart resumes where it stood. The subscription itself (its URL, types, status and who
/// made it) is an org record, changed only by the org's events.
///
/// Delivery follows the durable log from `logPosition`, taking the org's events after
/// `cursor` (of the subscribed types) one at a time, in order; the cursor moves only once the
/// receiver answered 2xx and that is journaled. Hence at least once, in order, and nothing
/// lost. A subscription that starts in the org's history (or progress journaled before
/// delivery followed the log) has no `logPosition` yet: it catches up from the org's trail
/// to a handover point, then follows the log.
package struct WebhookProgress: Codable, Hashable, Sendable {
    package var id: String
    package var orgID: String
    /// The sequence of the last event delivered (or skipped by the type filter).
    package var cursor: UInt64
    /// The log position through which every record of the org has been examined: the org's
    /// events in later records are after `cursor` or not yet seen.
    var logPosition: LogPosition?
    /// Failed attempts at the next event.
    package var attempts: Int
    /// When the next attempt may start (milliseconds since the epoch).
    package var nextAttemptAt: Int64
    package var lastError: String?
    package var lastDeliveredAt: Int64?
    package var deliveredCount: Int
    package var failedAttemptCount: Int

    /// The progress of a webhook nothing has been delivered to yet.
    package init(_ webhook: Webhook, orgID: OrganisationID) {
        id = webhook.id.description
        self.orgID = orgID.description
        cursor = webhook.startAfter
        attempts = 0
        nextAttemptAt = 0
        deliveredCount = 0
        failedAttemptCount = 0
    }
}

/// One attempt to deliver an event, kept in the subscription's history.
package struct WebhookDelivery: Codable, Hashable, Sendable {
    package enum Outcome: String, Codable, Sendable {
        case delivered
        case failed
    }

    package var eventID: String
    package var sequence: UInt64
    package var eventType: String
    package var outcome: Outcome
    /// 1 for the first attempt at this event.
    package var attempt: Int
    package var at: Int64
    /// The receiver's status, when it answered.
    package var responseStatus: Int?
    package var error: String?
    package var durationMilliseconds: Int64
}

/// How often and how patiently a failing event is retried.
public struct WebhookRetryPolicy: Sendable {
    /// Failed attempts at one event before the subscription is paused.
    public var maximumAttempts = 10
    /// The wait after the first failure; each further failure doubles it…
    public var firstDelay: Span = .seconds(1)
    /// …up to this.
    public var longestDelay: Span = .minutes(10)
    /// How long one request may take, connecting included.
    public var requestTimeout: Span = .seconds(10)

    /// The defaults: 10 attempts over about 8.5 minutes, 10 s per request.
    public init() {}

    /// The wait after the `attempts`-th failure.
    func delay(afterAttempts attempts: Int) -> Span {
        let first = firstDelay.milliseconds
        let doubled = first << Int64(min(max(attempts - 1, 0), 30))
        return Span(milliseconds: min(doubled, longestDelay.milliseconds))
    }
}
