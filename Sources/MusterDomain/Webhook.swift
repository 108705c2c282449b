/// An org's subscription to its own events at an HTTP endpoint: a record of the org, created,
/// paused, resumed and deleted by events like any other, so the audit trail says who did each.
///
/// How far delivery has got (the cursor, attempts, history) is not part of the org: it is the
/// delivering service's own bookkeeping. The signing secret is not stored either: it is derived
/// from the server's secret and ``secretNonce``, so it is shown once and never kept anywhere.
public struct Webhook: Hashable, Sendable {
    /// Why a webhook is not delivering.
    public enum PauseCause: UInt8, Hashable, Sendable, SpelledCase {
        /// One event failed as many times as the deployment allows.
        case deliveryFailing
        /// Someone with integration access paused it.
        case requested
        /// The member or API key that created it lost its place in the org; only an org admin
        /// resumes it, so no one keeps a channel of the org's events by proxy.
        case creatorLostAccess

        public var name: String {
            switch self {
            case .deliveryFailing: "delivery_failing"
            case .requested: "requested"
            case .creatorLostAccess: "creator_lost_access"
            }
        }
    }

    /// Whether events flow.
    public enum Status: Hashable, Sendable {
        case active
        case paused(PauseCause, reason: String)
    }

    public var id: WebhookID
    /// The absolute `http`/`https` URL events are POSTed to.
    public var url: String
    /// The event types delivered, sorted by name; `nil` for all.
    public var eventTypes: [OrgEvent.Kind]?
    public var description: String?
    /// The org's sequence after which delivery starts.
    public var startAfter: UInt64
    /// The random input from which the server derives the signing secret.
    public var secretNonce: Identifier<Webhook>
    public var createdAt: Timestamp
    public var createdBy: Principal
    public var status: Status
    /// The secrets rotations replaced that still sign beside the current one until their time
    /// is up, newest first, at most ``maximumPreviousSecrets``: a receiver switches without
    /// missing a delivery, even when a rotation's answer was lost and it was rotated again.
    public var previousSecrets: [PreviousSecret]
    /// Who answers for the webhook: its creator, then whoever last changed where it sends or
    /// how it signs, or the org admin who resumed it after its owner lost their place. When the
    /// owner leaves the org, the webhook pauses.
    public var owner: Principal

    /// A replaced signing secret and the end of its grace period.
    public struct PreviousSecret: Hashable, Sendable {
        public var nonce: Identifier<Webhook>
        public var until: Timestamp

        /// Creates a replaced secret.
        public init(nonce: Identifier<Webhook>, until: Timestamp) {
            self.nonce = nonce
            self.until = until
        }
    }

    /// The most webhooks one org may have.
    public static let maximumPerOrg = 20
    /// How long a rotated-out secret keeps signing when the rotation names no period.
    public static let defaultGracePeriod: Span = .hours(24)
    /// The longest grace period a rotation may give.
    public static let maximumGracePeriod: Span = .days(7)
    /// The most rotated-out secrets that sign at once.
    public static let maximumPreviousSecrets = 2

    /// Creates a webhook.
    public init(
        id: WebhookID,
        url: String,
        eventTypes: [OrgEvent.Kind]?,
        description: String?,
        startAfter: UInt64,
        secretNonce: Identifier<Webhook>,
        createdAt: Timestamp,
        createdBy: Principal,
        status: Status,
        previousSecrets: [PreviousSecret] = [],
        owner: Principal? = nil
    ) {
        self.previousSecrets = previousSecrets
        self.owner = owner ?? createdBy
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.description = description
        self.startAfter = startAfter
        self.secretNonce = secretNonce
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.status = status
    }

    /// Whether events are being delivered.
    public var isActive: Bool { status == .active }

    /// The subscribed event types, `nil` for all.
    public var kinds: Set<OrgEvent.Kind>? { eventTypes.map(Set.init) }

    /// The nonces of the secrets that sign a delivery at `now`: the current one, then the
    /// rotated-out one while its grace period lasts.
    public func signingNonces(at now: Timestamp) -> [Identifier<Webhook>] {
        [secretNonce] + previousSecrets.filter { now < $0.until }.map(\.nonce)
    }

    /// Replaces the signing secret at `now`: the current one joins the rotated-out secrets
    /// until `until`, and those whose grace has ended, or beyond the most kept, are dropped.
    mutating func rotate(to nonce: Identifier<Webhook>, previousUntil until: Timestamp, at now: Timestamp) {
        let kept = previousSecrets.filter { now < $0.until }
        previousSecrets = Array(([PreviousSecret(nonce: secretNonce, until: until)] + kept).prefix(Self.maximumPreviousSecrets))
        secretNonce = nonce
    }

    /// Whether this webhook receives an event of type `kind` about `target` (an audit line's):
    /// a ping only by the webhook it tests, whatever its types; any other event by its types.
    public func delivers(_ kind: OrgEvent.Kind, about target: AuditEntry.TargetID) -> Bool {
        if kind == .webhookPinged { return target == AuditEntry.TargetID(id) }
        return eventTypes.map { $0.contains(kind) } ?? true
    }

    /// Whether this webhook receives `event`, by the rule of ``delivers(_:about:)``.
    public func delivers(_ event: OrgEvent) -> Bool {
        if case .webhookPinged(let pinged) = event { return pinged == id }
        return eventTypes.map { $0.contains(event.kind) } ?? true
    }
}

/// Tag for webhook identifiers.
public enum WebhookTag {}
/// Names a webhook subscription.
public typealias WebhookID = Identifier<WebhookTag>
